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
    campaign: str = "campaign_id = %(campaign)s"


# The unprocessed tier names its campaign as a one-value range and sorts
# on (campaign_id, id), which only lead_unprocessed_idx delivers in order.
# With an equality PostgreSQL may instead walk the primary key in id order
# whenever its statistics say nearly every row is an unprocessed lead of
# this campaign (one big campaign, shortly after an import): that walk
# reads every lead already called before reaching the next new one, so
# each claim gets slower as the campaign is worked through.
_CAMPAIGN_RANGE = "campaign_id BETWEEN %(campaign)s AND %(campaign)s"


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
    Tier(
        "unprocessed",
        f"status = 'unprocessed' AND {_NEW_DUE}",
        "campaign_id, id",
        _CAMPAIGN_RANGE,
    ),
)


def _tier_select(tier: Tier, lock: str) -> str:
    return (
        f"SELECT id FROM {Lead._meta.db_table}"
        f" WHERE {tier.campaign} AND {tier.where} AND {_OPEN}"
        f" ORDER BY {tier.order_by} LIMIT 1{lock}"
    )


def _claim_update(where_id: str, returning: str = "id, former_status") -> str:
    return (
        f"UPDATE {Lead._meta.db_table} SET status = %(unsolved)s,"
        " former_status = status, held_by_id = %(phoner)s, held_since = %(now)s"
        f" WHERE id = {where_id} RETURNING {returning}"
    )


def lead_columns() -> list[str]:
    """The lead's columns, in model order, as a claim or save returns them."""
    return [field.column for field in Lead._meta.concrete_fields]


def lead_from_row(row) -> Lead:
    """A Lead from a RETURNING row of lead_columns() (PostgreSQL hands back
    ready Python values for every lead column, so no converter is needed)."""
    return Lead.from_db(connection.alias, _LEAD_ATTNAMES, row)


def _gate() -> str:
    """The phoner may dial: the campaign is active (read now, in the same
    statement) and the phoner is a manager or assigned to it."""
    campaign_table = Campaign._meta.db_table
    through = Campaign.phoners.through
    return (
        f"EXISTS (SELECT 1 FROM {campaign_table} WHERE id = %(campaign)s"
        " AND is_active)"
        f" AND (%(manager)s OR EXISTS (SELECT 1 FROM {through._meta.db_table}"
        " WHERE campaign_id = %(campaign)s AND user_id = %(phoner)s))"
    )


def postgresql_claim_sql() -> str:
    """The permission check, all tiers, the claim and its served event in
    one statement that returns the claimed lead's columns.

    The gate is a one-time filter of the sub-select, so no tier is read
    for a phoner who may not dial. COALESCE evaluates its sub-selects
    lazily, in order, so a tier's index is read (and a row locked) only
    when every earlier tier came up empty. SKIP LOCKED: two phoners asking
    at once must neither wait on nor get the same row; the second simply
    takes the next one in the index.
    """
    tiers = ", ".join(f"({_tier_select(t, ' FOR UPDATE SKIP LOCKED')})" for t in TIERS)
    columns = ", ".join(lead_columns())
    update = _claim_update(f"(SELECT COALESCE({tiers}) WHERE {_gate()})", columns)
    return (
        f"WITH claimed AS ({update}),"
        f" served AS (INSERT INTO {LeadEvent._meta.db_table}"
        " (lead_id, kind, actor_id, created_at, from_status, to_status, note)"
        " SELECT id, %(served)s, %(phoner)s, %(now)s, former_status, %(unsolved)s, ''"
        f" FROM claimed) SELECT {columns} FROM claimed"
    )


def claim_next(campaign: Campaign, phoner, now: datetime) -> Lead | None:
    """Hold the first due open lead for the phoner and record that it was
    served; the lead, or None when none is due or the phoner may not dial
    the campaign (the caller tells which).

    On PostgreSQL this is one statement, so it needs no transaction of its
    own; on other databases it must run inside one.
    """
    params = {
        "unsolved": Status.UNSOLVED,
        "served": LeadEvent.Kind.SERVED,
        "phoner": phoner.pk,
        "manager": phoner.is_manager,
        "now": connection.ops.adapt_datetimefield_value(now),
        "campaign": campaign.pk,
        "max_attempts": campaign.max_contact_attempts,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRESQL_CLAIM, params)
            row = cursor.fetchone()
            return None if row is None else lead_from_row(row)
        lead_id = _claim_tier_by_tier(cursor, params)
    return None if lead_id is None else Lead.objects.get(pk=lead_id)


def _claim_tier_by_tier(cursor, params: dict) -> int | None:
    """SQLite: the IMMEDIATE transaction's writer lock serializes claims,
    so row locks are neither needed nor available. The caller checked
    that the phoner may dial."""
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


# Built once: they depend only on the models.
_POSTGRESQL_CLAIM = postgresql_claim_sql()
_LEAD_ATTNAMES = [field.attname for field in Lead._meta.concrete_fields]
