"""The next-lead queue: one short claim per tier, each on a partial index.

A claim is a single UPDATE whose WHERE picks one row through a sub-select
ordered like the tier's partial index (see campaigns.models.Lead.Meta), so
PostgreSQL walks an index range and stops at the first fitting row. Tiers
are tried in the order of DESIGN.md "Which lead comes next"; the first one
that yields a row wins.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from campaigns.models import Campaign, Lead, Status


@dataclass(frozen=True)
class Tier:
    name: str
    where: str
    order_by: str
    owned: bool = False


_DUE = "(next_contact_at IS NULL OR next_contact_at <= %(now)s)"
_OPEN = "contact_attempts < %(max_attempts)s"

TIERS = (
    Tier(
        "own_vip",
        f"status = 'vip_redial' AND owner_id = %(phoner)s AND {_DUE}",
        "next_contact_at, id",
        owned=True,
    ),
    Tier(
        "own_private",
        f"status = 'private_redial' AND owner_id = %(phoner)s AND {_DUE}",
        "next_contact_at, id",
        owned=True,
    ),
    Tier("common", f"status = 'common_redial' AND {_DUE}", "next_contact_at, id"),
    Tier(
        "automatic_redial",
        f"status = 'automatic_redial' AND {_DUE}",
        "next_contact_at, id",
    ),
    Tier("unprocessed", f"status = 'unprocessed' AND {_DUE}", "id"),
)


def claim_sql(tier: Tier, skip_locked: bool) -> str:
    table = Lead._meta.db_table
    # SKIP LOCKED: two phoners asking at once must neither wait on nor get
    # the same row; the second simply takes the next one in the index.
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    return (
        f"UPDATE {table} SET status = %(unsolved)s, former_status = status,"
        " held_by_id = %(phoner)s, held_since = %(now)s"
        f" WHERE id = (SELECT id FROM {table}"
        f" WHERE campaign_id = %(campaign)s AND {tier.where} AND {_OPEN}"
        f" ORDER BY {tier.order_by} LIMIT 1{lock})"
        " RETURNING id, former_status"
    )


def claim_one(campaign: Campaign, phoner_id: int, now: datetime) -> int | None:
    """Hold the first due open lead for the phoner; its id, or None.

    Must run inside a transaction. On SQLite the writer lock of the
    IMMEDIATE transaction serializes claims instead of row locks.
    """
    skip_locked = connection.features.has_select_for_update_skip_locked
    params = {
        "unsolved": Status.UNSOLVED,
        "phoner": phoner_id,
        "now": connection.ops.adapt_datetimefield_value(now),
        "campaign": campaign.pk,
        "max_attempts": campaign.max_contact_attempts,
    }
    with connection.cursor() as cursor:
        for tier in TIERS:
            cursor.execute(claim_sql(tier, skip_locked), params)
            row = cursor.fetchone()
            if row is not None:
                return row[0]
    return None
