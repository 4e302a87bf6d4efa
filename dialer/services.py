"""The dialer's rules: serving leads, saving results, manager fixes.

Views, tasks, commands and the admin call these functions; they check
permissions and raise domain errors (subclasses of DialerError) that the
views turn into messages.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from adversus.clock import InvalidLocalTime, parse_local_time
from adversus.models import User
from campaigns.models import (
    CALLBACK_STATUSES,
    OWNED_CALLBACK_STATUSES,
    RESULT_STATUSES,
    Campaign,
    Lead,
    LeadEvent,
    Status,
)
from dialer.queue import claim_next, lead_columns, lead_from_row
from dialer.release import release_unsolved_leads  # noqa: F401

logger = logging.getLogger(__name__)


class DialerError(Exception):
    """A rule of the dialer said no; the message tells the phoner why."""


class LeadReleased(DialerError):
    """The lead was given back to the queue before the result was saved."""


class LeadStillOpen(DialerError):
    """The phoner holds a lead without a result; they must finish it first."""

    def __init__(self, lead: Lead) -> None:
        self.lead = lead
        super().__init__(
            f"You still hold {lead.contact}: save a result for this lead "
            "before taking the next one."
        )


class LeadNotHeld(DialerError):
    """The lead is not held by anyone, so there is nothing to release."""


class InvalidResult(DialerError):
    """The result cannot be saved as given (missing time, bad owner...)."""


class InvalidCallbackTime(InvalidResult):
    """The typed callback time does not exist or is ambiguous."""


def may_dial(user: User, campaign: Campaign) -> bool:
    """Phoners dial their assigned campaigns; managers may dial any."""
    if not campaign.is_active:
        return False
    if user.is_manager:
        return True
    return campaign.phoners.filter(pk=user.pk).exists()


def dialable_campaigns(user: User) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.filter(is_active=True)
    if not user.is_manager:
        campaigns = campaigns.filter(phoners=user)
    return campaigns.order_by("name", "id")


def next_lead(phoner: User, campaign: Campaign) -> Lead | None:
    """Hold the next lead for `phoner` in `campaign`, or None when none is due.

    On PostgreSQL the usual case is one statement (dialer.queue): it checks
    that the campaign is active and the phoner may dial it, claims the
    first lead of the first tier that has one, records the `served` event
    and returns the lead's columns. Only a campaign that hands overdue
    private/VIP callbacks to the team first takes a short transaction of
    several statements. The contact is loaded when first used.
    """
    if not campaign.is_active:
        raise PermissionDenied("This campaign is paused; pick another one.")
    now = timezone.now()

    if campaign.callback_handover_hours is None and connection.vendor == "postgresql":
        lead = claim_next(campaign, phoner, now)
    else:
        _check_may_dial(phoner, campaign)
        with transaction.atomic():
            if campaign.callback_handover_hours is not None:
                hand_over_overdue_callbacks(campaign, now)
            lead = claim_next(campaign, phoner, now)
    if lead is None:
        # Nothing claimed: say why if the phoner may not dial after all.
        _check_may_dial(phoner, campaign)
        return None

    lead.campaign = campaign
    Lead.held_by.field.set_cached_value(lead, phoner)
    return lead


def take_next_lead(phoner: User, campaign: Campaign) -> Lead | None:
    """Hold the next lead for a phoner who holds none; raise LeadStillOpen
    with the open lead otherwise, so that a phoner works one lead at a time
    and never leaves one behind by asking for another."""
    with transaction.atomic():
        # FOR NO KEY UPDATE on the phoner's own row: a double click sends
        # two requests at once, and both would find no open lead and each
        # hold a new one. NO KEY leaves rows that point at the phoner free.
        list(User.objects.select_for_update(no_key=True).filter(pk=phoner.pk))
        held = open_lead(phoner)
        if held is not None:
            raise LeadStillOpen(held)
        return next_lead(phoner, campaign)


def open_lead(phoner: User) -> Lead | None:
    """The lead `phoner` has held the longest without a result, if any."""
    return (
        Lead.objects.filter(held_by=phoner, status=Status.UNSOLVED)
        .select_related("contact", "campaign")
        .order_by("held_since", "id")
        .first()
    )


def _check_may_dial(phoner: User, campaign: Campaign) -> None:
    if not Campaign.objects.filter(pk=campaign.pk, is_active=True).exists():
        raise PermissionDenied("This campaign is paused; pick another one.")
    if not may_dial(phoner, campaign):
        raise PermissionDenied("You are not assigned to this campaign.")


def hand_over_overdue_callbacks(campaign: Campaign, now: datetime) -> int:
    """Make private/VIP callbacks overdue by the campaign's handover hours
    common callbacks, so the team calls them; returns how many."""
    cutoff = now - timedelta(hours=campaign.callback_handover_hours)
    overdue = Lead.objects.filter(
        campaign=campaign,
        status__in=OWNED_CALLBACK_STATUSES,
        next_contact_at__lt=cutoff,
        contact_attempts__lt=campaign.max_contact_attempts,
    )
    # SKIP LOCKED: a lead another claim has just locked is left for later
    # rather than making this phoner wait.
    rows = list(overdue.select_for_update(skip_locked=True).values_list("id", "status"))
    if not rows:
        return 0

    Lead.objects.filter(pk__in=[pk for pk, _ in rows]).update(
        status=Status.COMMON_REDIAL
    )
    LeadEvent.objects.bulk_create(
        LeadEvent(
            lead_id=pk,
            kind=LeadEvent.Kind.HANDOVER,
            from_status=status,
            to_status=Status.COMMON_REDIAL,
            note=f"Overdue by more than {campaign.callback_handover_hours} hours.",
        )
        for pk, status in rows
    )
    logger.info("callbacks handed over campaign_id=%s count=%s", campaign.pk, len(rows))
    return len(rows)


def held_lead(phoner: User, lead_id: int) -> Lead:
    """The lead `phoner` holds, for reopening it; raises if it is not theirs."""
    lead = (
        Lead.objects.select_related("contact", "campaign", "owner")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None or not may_see_lead(phoner, lead):
        raise PermissionDenied("This lead is not in one of your campaigns.")
    _check_still_held(lead, phoner)
    return lead


def may_see_lead(user: User, lead: Lead) -> bool:
    """The holder may always finish a lead, even if its campaign was paused
    or they were taken off it meanwhile."""
    return lead.held_by_id == user.pk or may_dial(user, lead.campaign)


def _check_still_held(lead: Lead, phoner: User) -> None:
    if lead.status == Status.UNSOLVED and lead.held_by_id == phoner.pk:
        return
    served = (
        lead.events.filter(kind=LeadEvent.Kind.SERVED, actor=phoner)
        .order_by("-id")
        .first()
    )
    if served is None:
        raise PermissionDenied(
            "You do not hold this lead; take leads with the Next lead button."
        )
    raise LeadReleased(_lost_hold_message(lead, served))


def _lost_hold_message(lead: Lead, served: LeadEvent) -> str:
    """Say what ended the phoner's hold, from the first event after it was
    served that took the lead out of unsolved."""
    ended = (
        lead.events.filter(
            id__gt=served.pk,
            kind__in=[
                LeadEvent.Kind.RESULT,
                LeadEvent.Kind.RELEASED,
                LeadEvent.Kind.MANAGER,
            ],
        )
        .exclude(to_status=Status.UNSOLVED)
        .select_related("actor")
        .order_by("id")
        .first()
    )
    if ended is None:
        return (
            f"This lead is no longer held by you (it is now "
            f"{lead.get_status_display()}), so your result was not saved."
        )
    status = ended.get_to_status_display()
    if ended.kind == LeadEvent.Kind.RESULT:
        if ended.actor_id == served.actor_id:
            return f"You already saved a result for this lead: {status}."
        return f"{ended.actor} saved a result for this lead: {status}."
    if ended.kind == LeadEvent.Kind.RELEASED:
        return (
            "This lead was released back to the queue automatically, as no "
            "result was saved in time, so your result was not saved."
        )
    manager = f"A manager ({ended.actor})" if ended.actor else "A manager"
    if ended.to_status == served.from_status:
        return (
            f"{manager} released this lead back to the queue ({status}), "
            "so your result was not saved."
        )
    return (
        f"{manager} changed this lead's status to {status} while you had it "
        "open, so your result was not saved."
    )


def save_result(
    lead: Lead,
    phoner: User,
    status: str,
    callback_at: datetime | None = None,
    owner: User | None = None,
    note: str = "",
) -> Lead:
    """Save the call's result on a lead the phoner holds.

    Counts one contact attempt. The row is locked first: if the automatic
    release (or a manager) gave the lead back meanwhile, LeadReleased is
    raised and nothing is written, so the caller can keep what was typed.
    A lead that reaches the campaign's maximum attempts is closed by that
    count alone; its status is kept so that raising the maximum reopens it.
    """
    campaign = lead.campaign
    owner = _check_result(campaign, phoner, status, callback_at, owner)
    now = timezone.now()
    values = {
        "status": status,
        "owner_id": owner.pk if owner else None,
        "next_contact_at": _next_contact_at(campaign, status, callback_at, now),
    }
    note = note.strip()

    if connection.vendor == "postgresql":
        saved = _save_result_in_one_statement(lead.pk, phoner, values, note, now)
    else:
        saved = _save_result_with_orm(lead.pk, phoner, values, note, now)
    if saved is None:
        # Not held by this phoner any more: read it again to say why.
        _check_still_held(Lead.objects.get(pk=lead.pk), phoner)
        raise LeadReleased("This lead is no longer held by you.")

    logger.debug(
        "result saved lead_id=%s phoner_id=%s status=%s", lead.pk, phoner.pk, status
    )
    saved.campaign = campaign
    return saved


def _next_contact_at(
    campaign: Campaign, status: str, callback_at: datetime | None, now: datetime
) -> datetime | None:
    if status in CALLBACK_STATUSES:
        return callback_at
    if status == Status.AUTOMATIC_REDIAL:
        return now + campaign.redial_delay
    return None


# Who and when, on top of the result's own values; the row changes only
# while it is still unsolved and held by the phoner who saves.
_SAVE_SQL = (
    "WITH saved AS (UPDATE {lead} SET status = %(status)s, former_status = '',"
    " held_by_id = NULL, held_since = NULL,"
    " contact_attempts = contact_attempts + 1, last_contacted_at = %(now)s,"
    " last_contacted_by_id = %(phoner)s, owner_id = %(owner_id)s,"
    " next_contact_at = %(next_contact_at)s"
    " WHERE id = %(lead_id)s AND status = %(unsolved)s AND held_by_id = %(phoner)s"
    " RETURNING {columns}),"
    " event AS (INSERT INTO {event}"
    " (lead_id, kind, actor_id, created_at, from_status, to_status, note)"
    " SELECT id, %(result)s, %(phoner)s, %(now)s, %(unsolved)s, %(status)s, %(note)s"
    " FROM saved) SELECT {columns} FROM saved"
).format(
    lead=Lead._meta.db_table,
    event=LeadEvent._meta.db_table,
    columns=", ".join(lead_columns()),
)


def _save_result_in_one_statement(
    lead_id: int, phoner: User, values: dict, note: str, now: datetime
) -> Lead | None:
    """PostgreSQL: the UPDATE locks the row; if a release changed it first,
    the WHERE is checked again on the new row and nothing is written."""
    params = {
        **values,
        "lead_id": lead_id,
        "phoner": phoner.pk,
        "now": now,
        "note": note,
        "unsolved": Status.UNSOLVED,
        "result": LeadEvent.Kind.RESULT,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SAVE_SQL, params)
        row = cursor.fetchone()
    return None if row is None else lead_from_row(row)


def _save_result_with_orm(
    lead_id: int, phoner: User, values: dict, note: str, now: datetime
) -> Lead | None:
    with transaction.atomic():
        changed = Lead.objects.filter(
            pk=lead_id, status=Status.UNSOLVED, held_by=phoner
        ).update(
            **values,
            former_status="",
            held_by=None,
            held_since=None,
            contact_attempts=F("contact_attempts") + 1,
            last_contacted_at=now,
            last_contacted_by=phoner,
        )
        if not changed:
            return None
        LeadEvent.objects.create(
            lead_id=lead_id,
            kind=LeadEvent.Kind.RESULT,
            actor=phoner,
            from_status=Status.UNSOLVED,
            to_status=values["status"],
            note=note,
        )
    return Lead.objects.get(pk=lead_id)


def _check_result(
    campaign: Campaign,
    phoner: User,
    status: str,
    callback_at: datetime | None,
    owner: User | None,
) -> User | None:
    if status not in RESULT_STATUSES:
        raise InvalidResult(f"“{status}” is not a result a phoner can save.")
    if status in CALLBACK_STATUSES:
        if callback_at is None:
            raise InvalidResult("A callback needs a time: pick when to call back.")
        if callback_at <= timezone.now():
            raise InvalidResult("The callback time has passed: pick a later time.")
    if status not in OWNED_CALLBACK_STATUSES:
        return None
    owner = owner or phoner
    if owner.pk != phoner.pk and not may_dial(owner, campaign):
        raise InvalidResult(f"{owner} is not a phoner of this campaign.")
    return owner


def release_lead(lead: Lead, actor: User, note: str = "") -> Lead:
    """A manager gives a held lead back to its former status."""
    if not actor.is_manager:
        raise PermissionDenied("Only managers may release a lead.")

    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if locked.status != Status.UNSOLVED:
            raise LeadNotHeld("This lead is not held by anyone.")
        former = locked.former_status or Status.UNPROCESSED
        holder = locked.held_by
        locked.status = former
        locked.former_status = ""
        locked.held_by = None
        locked.held_since = None
        locked.save(update_fields=["status", "former_status", "held_by", "held_since"])
        LeadEvent.objects.create(
            lead=locked,
            kind=LeadEvent.Kind.MANAGER,
            actor=actor,
            from_status=Status.UNSOLVED,
            to_status=former,
            note=note or f"Released from {holder or 'nobody'} by a manager.",
        )

    logger.info("lead released lead_id=%s actor_id=%s", lead.pk, actor.pk)
    return locked


def reassign_owner(lead: Lead, owner: User, actor: User) -> Lead:
    """A manager hands a private or VIP callback to another phoner."""
    if not actor.is_manager:
        raise PermissionDenied("Only managers may reassign a callback.")
    if not may_dial(owner, lead.campaign):
        raise InvalidResult(f"{owner} is not a phoner of this campaign.")

    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        status = locked.former_status or locked.status
        if status not in OWNED_CALLBACK_STATUSES:
            raise InvalidResult("Only private and VIP callbacks have an owner.")
        previous = locked.owner
        locked.owner = owner
        locked.save(update_fields=["owner"])
        LeadEvent.objects.create(
            lead=locked,
            kind=LeadEvent.Kind.MANAGER,
            actor=actor,
            from_status=locked.status,
            to_status=locked.status,
            note=f"Owner changed from {previous or 'nobody'} to {owner}.",
        )

    logger.info(
        "callback reassigned lead_id=%s owner_id=%s actor_id=%s",
        lead.pk,
        owner.pk,
        actor.pk,
    )
    return locked


def parse_callback_time(value: str, zone: ZoneInfo) -> datetime:
    """A callback time typed in `zone`; see adversus.clock.parse_local_time."""
    try:
        return parse_local_time(value, zone)
    except InvalidLocalTime as error:
        raise InvalidCallbackTime(str(error)) from None


@dataclass(frozen=True)
class ServeReason:
    """Why a held lead came to the phoner now, for the lead card."""

    text: str
    tier: str
    detail: str = ""


def serve_reason(lead: Lead, zone: ZoneInfo, reopened: bool = False) -> ServeReason:
    """Why the lead was served; a lead the phoner reopens says it is one
    they already held, as it may have been called already."""
    reason = _first_serve_reason(lead, zone)
    if not reopened:
        return reason
    since = local_time_text(lead.held_since, zone) if lead.held_since else ""
    return ServeReason(
        "Held lead — reopened",
        "held",
        f"Held by you since {since}, no result saved yet. Served as: {reason.text}.",
    )


def _first_serve_reason(lead: Lead, zone: ZoneInfo) -> ServeReason:
    status = lead.former_status or lead.status
    attempt = _ordinal(lead.contact_attempts + 1)
    due = ""
    if lead.next_contact_at:
        due = local_time_text(lead.next_contact_at, zone)
    if status == Status.VIP_REDIAL:
        return ServeReason(f"Your VIP callback, due {due}", "vip")
    if status == Status.PRIVATE_REDIAL:
        return ServeReason(f"Your private callback, due {due}", "private")
    if status == Status.COMMON_REDIAL:
        return ServeReason(f"Team callback, due {due}", "common")
    if status == Status.AUTOMATIC_REDIAL:
        return ServeReason(f"Automatic redial, {attempt} attempt", "redial")
    return ServeReason("New lead", "new")


def local_time_text(moment: datetime, zone: ZoneInfo) -> str:
    """A moment as the dialer shows it, always with its year: a callback
    booked for next year must not pass for one this year."""
    return timezone.localtime(moment, zone).strftime("%d %b %Y %H:%M")


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
