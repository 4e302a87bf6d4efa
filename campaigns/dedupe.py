"""The duplicate check across campaigns.

A lead is a duplicate when another lead of the chosen campaigns has a
contact with the same phone number (E.164) or the same e-mail (lower-cased),
and that other lead got further. Of each group of leads sharing a phone or
an e-mail the one that got furthest stays:

1. success, not interested, unqualified, invalid;
2. VIP, private and common callbacks;
3. automatic redial, then unprocessed;
4. on a tie, the lowest lead id (the oldest).

A held (unsolved) lead ranks as its former status and is never removed, as
a phoner is working on it. Contacts are never deleted; only leads go, and
each removal is recorded as a LeadRemoval.
"""

import logging
from dataclasses import dataclass

from django.db import connection, transaction

from campaigns.models import Campaign, Lead, LeadRemoval, Status
from campaigns.services import relink_pools
from leads.models import Contact

logger = logging.getLogger(__name__)

KEEP_ORDER = (
    Status.SUCCESS,
    Status.NOT_INTERESTED,
    Status.UNQUALIFIED,
    Status.INVALID,
    Status.VIP_REDIAL,
    Status.PRIVATE_REDIAL,
    Status.COMMON_REDIAL,
    Status.AUTOMATIC_REDIAL,
    Status.UNPROCESSED,
)
PREVIEW_LIMIT = 500


@dataclass(frozen=True)
class Duplicate:
    lead_id: int
    contact_id: int
    campaign_id: int
    status: str
    phone: str
    email: str
    kept_lead_id: int
    reason: str  # "phone" or "e-mail"


def _rank_sql() -> tuple[str, list]:
    """CASE giving each status its place in KEEP_ORDER (held: former)."""
    whens = " ".join("WHEN %s THEN %s" for _ in KEEP_ORDER)
    params: list = []
    for position, status in enumerate(KEEP_ORDER):
        params += [status.value, position]
    sql = (
        "CASE (CASE WHEN l.status = %s THEN l.former_status ELSE l.status END)"
        f" {whens} ELSE {len(KEEP_ORDER)} END"
    )
    return sql, [Status.UNSOLVED.value, *params]


def _duplicates_sql(campaign_ids: list[int]) -> tuple[str, list]:
    """One statement: every removable lead and the lead kept in its place.

    Window functions over the chosen campaigns' leads partitioned by phone
    and by e-mail; a lead goes when it is not first in either partition.
    """
    rank, rank_params = _rank_sql()
    marks = ", ".join("%s" for _ in campaign_ids)
    sql = f"""
        WITH chosen AS (
            SELECT l.id, l.contact_id, l.campaign_id, l.status,
                   c.phone, c.email_key, {rank} AS rank
            FROM {Lead._meta.db_table} l
            JOIN {Contact._meta.db_table} c ON c.id = l.contact_id
            WHERE l.campaign_id IN ({marks})
        ),
        ranked AS (
            SELECT chosen.*,
                FIRST_VALUE(id) OVER (
                    PARTITION BY phone ORDER BY rank, id) AS phone_keeper,
                CASE WHEN email_key = '' THEN id ELSE FIRST_VALUE(id) OVER (
                    PARTITION BY email_key ORDER BY rank, id) END AS email_keeper
            FROM chosen
        )
        SELECT id, contact_id, campaign_id, status, phone, email_key,
               CASE WHEN phone_keeper <> id THEN phone_keeper
                    ELSE email_keeper END,
               CASE WHEN phone_keeper <> id THEN 'phone' ELSE 'e-mail' END
        FROM ranked
        WHERE (phone_keeper <> id OR email_keeper <> id) AND status <> %s
        ORDER BY 7, id
    """
    return sql, [*rank_params, *campaign_ids, Status.UNSOLVED.value]


def find_duplicates(campaigns: list[Campaign]) -> list[Duplicate]:
    ids = sorted(c.pk for c in campaigns)
    if not ids:
        return []
    sql, params = _duplicates_sql(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Duplicate(*row) for row in cursor.fetchall()]


@dataclass
class DuplicateGroup:
    """A lead that stays and the leads that would go in its favour."""

    kept: Lead
    removed: list[tuple[Lead, str]]


def preview_groups(
    duplicates: list[Duplicate], limit: int = PREVIEW_LIMIT
) -> list[DuplicateGroup]:
    """The first `limit` duplicates as groups around the lead each keeps."""
    shown = duplicates[:limit]
    ids = {d.lead_id for d in shown} | {d.kept_lead_id for d in shown}
    leads = Lead.objects.select_related("contact", "campaign").in_bulk(ids)
    groups: dict[int, DuplicateGroup] = {}

    for duplicate in shown:
        kept_id = duplicate.kept_lead_id
        group = groups.setdefault(kept_id, DuplicateGroup(leads[kept_id], []))
        group.removed.append((leads[duplicate.lead_id], duplicate.reason))
    return list(groups.values())


def count_checked_leads(campaigns: list[Campaign]) -> int:
    return Lead.objects.filter(campaign__in=campaigns).count()


def remove_duplicates(campaigns: list[Campaign], actor) -> LeadRemoval:
    """Delete the duplicate leads found now, in one statement, and record it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A second manager removing the same campaigns waits here
            # rather than deleting from a stale list.
            list(
                Campaign.objects.select_for_update()
                .filter(pk__in=[c.pk for c in campaigns])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        duplicates = find_duplicates(campaigns)
        checked = count_checked_leads(campaigns)
        removed_ids = [d.lead_id for d in duplicates]
        Lead.objects.filter(pk__in=removed_ids).delete()
        relink_pools([c.pk for c in campaigns])
        removal = LeadRemoval.objects.create(
            removed_by=actor,
            checked_leads=checked,
            removed_count=len(removed_ids),
            removed=[
                {
                    "lead": d.lead_id,
                    "contact": d.contact_id,
                    "campaign": d.campaign_id,
                    "status": d.status,
                    "kept_lead": d.kept_lead_id,
                    "same": d.reason,
                }
                for d in duplicates
            ],
        )
        removal.campaigns.set(campaigns)

    logger.info(
        "duplicate leads removed removal_id=%s removed=%s actor_id=%s",
        removal.pk,
        removal.removed_count,
        getattr(actor, "pk", None),
    )
    return removal
