"""Rules for campaigns that views, tasks, commands and the admin share."""

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import (
    CALLBACK_STATUSES,
    OWNED_CALLBACK_STATUSES,
    Campaign,
    Lead,
    LeadEvent,
    PoolCampaign,
    Status,
)
from leads.models import Contact

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddedLeads:
    added: int
    already_there: int


def add_contacts_to_campaign(
    campaign: Campaign, contacts: QuerySet[Contact]
) -> AddedLeads:
    """Make leads of `contacts` in `campaign`, in one INSERT ... SELECT.

    A contact already in the campaign is left alone (the unique constraint
    and ON CONFLICT DO NOTHING), so the call can be repeated safely. Leads
    are inserted in contact order, which keeps unprocessed leads in upload
    order.
    """
    contact_sql, params = contacts.order_by().values("id").query.sql_with_params()
    lead_table = Lead._meta.db_table
    now = timezone.now()
    sql = (
        f"INSERT INTO {lead_table} (campaign_id, contact_id, status, former_status,"
        " contact_attempts, created_at)"
        f" SELECT %s, c.id, %s, '', 0, %s FROM ({contact_sql}) AS c"
        # WHERE true: SQLite otherwise reads the upsert's ON as a join's.
        " WHERE true ORDER BY c.id"
        " ON CONFLICT (campaign_id, contact_id) DO NOTHING"
    )

    pool_sql, pool_params = (
        contacts.order_by().values("pool_id").distinct().query.sql_with_params()
    )
    link_sql = (
        f"INSERT INTO {PoolCampaign._meta.db_table} (pool_id, campaign_id)"
        f" SELECT p.pool_id, %s FROM ({pool_sql}) AS p WHERE true"
        " ON CONFLICT (pool_id, campaign_id) DO NOTHING"
    )

    with transaction.atomic(), connection.cursor() as cursor:
        total = contacts.count()
        cursor.execute(sql, [campaign.pk, Status.UNPROCESSED, now, *params])
        added = cursor.rowcount
        cursor.execute(link_sql, [campaign.pk, *pool_params])

    logger.info(
        "leads added campaign_id=%s added=%s already_there=%s",
        campaign.pk,
        added,
        total - added,
    )
    return AddedLeads(added=added, already_there=total - added)


def relink_pools(campaign_ids: list[int]) -> None:
    """Find again which pools the campaigns' leads come from.

    For after leads were deleted: a pool whose last lead left a campaign no
    longer counts as used by it.
    """
    if not campaign_ids:
        return
    link_table = PoolCampaign._meta.db_table
    marks = ", ".join(["%s"] * len(campaign_ids))
    with transaction.atomic(), connection.cursor() as cursor:
        PoolCampaign.objects.filter(campaign_id__in=campaign_ids).delete()
        cursor.execute(
            f"INSERT INTO {link_table} (pool_id, campaign_id)"
            " SELECT DISTINCT c.pool_id, l.campaign_id"
            f" FROM {Lead._meta.db_table} l"
            f" JOIN {Contact._meta.db_table} c ON c.id = l.contact_id"
            f" WHERE l.campaign_id IN ({marks})",
            campaign_ids,
        )


class LeadActionError(ValueError):
    """A manager's change that the lead's state does not allow."""


def _locked(lead: Lead) -> Lead:
    # FOR UPDATE: the dialer may be serving or saving the same lead.
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _clear_hold(lead: Lead) -> None:
    lead.held_by = None
    lead.held_since = None
    lead.former_status = ""


def set_lead_status(
    lead: Lead,
    status: str,
    actor,
    note: str = "",
    next_contact_at=None,
) -> Lead:
    """Put a lead in `status` as a manager; a held lead is let go first.

    Callbacks and redials come back at `next_contact_at` (default now);
    private and VIP callbacks keep the lead's owner and need one.
    """
    with transaction.atomic():
        lead = _locked(lead)
        if status == Status.UNSOLVED:
            raise LeadActionError("Only the dialer opens leads; pick another status.")
        if status in OWNED_CALLBACK_STATUSES and lead.owner_id is None:
            raise LeadActionError(
                "A private or VIP callback needs an owner: reassign the lead first."
            )
        from_status = lead.status

        _clear_hold(lead)
        lead.status = status
        if status == Status.UNPROCESSED:
            lead.next_contact_at = None
        elif status in (Status.AUTOMATIC_REDIAL, *CALLBACK_STATUSES):
            lead.next_contact_at = next_contact_at or timezone.now()
        lead.save()
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.MANAGER,
            actor=actor,
            from_status=from_status,
            to_status=status,
            note=note,
        )

    logger.info(
        "lead status set lead_id=%s from=%s to=%s actor_id=%s",
        lead.pk,
        from_status,
        status,
        getattr(actor, "pk", None),
    )
    return lead


def reassign_lead_owner(lead: Lead, owner, actor, note: str = "") -> Lead:
    """Give the lead to another phoner, or to nobody."""
    with transaction.atomic():
        lead = _locked(lead)
        if owner is None and lead.status in OWNED_CALLBACK_STATUSES:
            raise LeadActionError(
                "A private or VIP callback needs an owner; change its status first."
            )
        if owner is not None and not lead.campaign.phoners.filter(pk=owner.pk).exists():
            # Only the campaign's phoners are ever served its leads: a
            # callback owned by anyone else would never be called.
            raise LeadActionError(
                f"{owner} does not dial {lead.campaign}; assign them to the "
                "campaign first, or pick one of its phoners."
            )
        before = lead.owner

        lead.owner = owner
        lead.save(update_fields=["owner"])
        text = f"Owner: {before or 'nobody'} → {owner or 'nobody'}"
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.MANAGER,
            actor=actor,
            from_status=lead.status,
            to_status=lead.status,
            note=f"{text}. {note}".strip() if note else text,
        )
    return lead


def release_held_lead(lead: Lead, actor, note: str = "") -> Lead:
    """Give an unsolved lead back its former status, as if never opened."""
    with transaction.atomic():
        lead = _locked(lead)
        if lead.status != Status.UNSOLVED:
            raise LeadActionError("This lead is not held by a phoner.")
        to_status = lead.former_status or Status.UNPROCESSED

        lead.status = to_status
        _clear_hold(lead)
        lead.save()
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.MANAGER,
            actor=actor,
            from_status=Status.UNSOLVED,
            to_status=to_status,
            note=note or "Released by a manager.",
        )
    return lead
