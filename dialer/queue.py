"""The next-lead queue: one short claim per tier, each on a partial index.

A claim is an UPDATE whose WHERE picks one row through a sub-select per
tier, each ordered like the tier's partial index (campaigns.models.Lead
Meta.indexes), so PostgreSQL walks an index range and stops at the first
fitting row. Tiers are tried in the order of DESIGN.md "Which lead comes
next"; the first one that yields a row wins.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from campaigns.models import Campaign, Lead, LeadEvent, Status


@dataclass(frozen=True)
class Tier:
    name: str
    where: str
    order_by: str


# Callbacks and redials always carry their time, so "due" is a plain range
# on the index's next_contact_at column: the scan stops at the first due
# row and never walks the ones planned for later.
_DUE = "next_contact_at <= %(now)s"
# Unprocessed leads normally have no time; a manager may still set one.
_NEW_DUE = "(next_contact_at IS NULL OR next_contact_at <= %(now)s)"
_OPEN = "contact_attempts < %(max_attempts)s"

TIERS = (
    Tier(
        "own_vip",
        f"status = 'vip_redial' AND owner_id = %(phoner)s AND {_DUE}",
        "next_contact_at, id",
    ),
    Tier(
        "own_private",
        f"status = 'private_redial' AND owner_id = %(phoner)s AND {_DUE}",
        "next_contact_at, id",
    ),
    Tier("common", f"status = 'common_redial' AND {_DUE}", "next_contact_at, id"),
    Tier(
        "automatic_redial",
        f"status = 'automatic_redial' AND {_DUE}",
        "next_contact_at, id",
    ),
    Tier("unprocessed", f"status = 'unprocessed' AND {_NEW_DUE}", "id"),
)


def _tier_select(tier: Tier, lock: str) -> str:
    return (
        f"SELECT id FROM {Lead._meta.db_table}"
        f" WHERE campaign_id = %(campaign)s AND {tier.where} AND {_OPEN}"
        f" ORDER BY {tier.order_by} LIMIT 1{lock}"
    )


def _claim_update(where_id: str) -> str:
    return (
        f"UPDATE {Lead._meta.db_table} SET status = %(unsolved)s,"
        " former_status = status, held_by_id = %(phoner)s, held_since = %(now)s"
        f" WHERE id = {where_id} RETURNING id, former_status"
    )


def postgresql_claim_sql() -> str:
    """All tiers, the claim and its served event in one statement.

    COALESCE evaluates its sub-selects lazily, in order, so a tier's index
    is read (and a row locked) only when every earlier tier came up empty.
    SKIP LOCKED: two phoners asking at once must neither wait on nor get
    the same row; the second simply takes the next one in the index.
    """
    tiers = ", ".join(f"({_tier_select(t, ' FOR UPDATE SKIP LOCKED')})" for t in TIERS)
    return (
        f"WITH claimed AS ({_claim_update(f'COALESCE({tiers})')})"
        f" INSERT INTO {LeadEvent._meta.db_table}"
        " (lead_id, kind, actor_id, created_at, from_status, to_status, note)"
        " SELECT id, %(served)s, %(phoner)s, %(now)s, former_status, %(unsolved)s, ''"
        " FROM claimed RETURNING lead_id"
    )


def claim_next(campaign: Campaign, phoner_id: int, now: datetime) -> int | None:
    """Hold the first due open lead for the phoner and record that it was
    served; its id, or None. Must run inside a transaction."""
    params = {
        "unsolved": Status.UNSOLVED,
        "served": LeadEvent.Kind.SERVED,
        "phoner": phoner_id,
        "now": connection.ops.adapt_datetimefield_value(now),
        "campaign": campaign.pk,
        "max_attempts": campaign.max_contact_attempts,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(postgresql_claim_sql(), params)
            row = cursor.fetchone()
            return row[0] if row else None
        return _claim_tier_by_tier(cursor, params)


def _claim_tier_by_tier(cursor, params: dict) -> int | None:
    """SQLite: the IMMEDIATE transaction's writer lock serializes claims,
    so row locks are neither needed nor available."""
    for tier in TIERS:
        cursor.execute(_claim_update(f"({_tier_select(tier, '')})"), params)
        row = cursor.fetchone()
        if row is not None:
            lead_id, former_status = row
            LeadEvent.objects.create(
                lead_id=lead_id,
                kind=LeadEvent.Kind.SERVED,
                actor_id=params["phoner"],
                from_status=former_status,
                to_status=Status.UNSOLVED,
            )
            return lead_id
    return None
