"""Release of unsolved leads: a lead opened by a phoner and left without a
result goes back to its former status after the client setting's hours.

The release works on sets of rows, a batch per short transaction, so that a
backlog of many thousands of held leads is cleared in seconds and never
holds row locks for long. It is safe to run twice at once (two beat
instances, a manual run beside the scheduled one): each lead is released
exactly once.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Min, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from adversus.models import ClientSettings, User
from campaigns.models import Campaign, Lead, LeadEvent, Status

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000

# A held lead always remembers its former status; should one ever lack it,
# it goes back to the start of the queue rather than to an empty status
# that no phoner would be served again.
FALLBACK_STATUS = Status.UNPROCESSED

# One statement per batch, PostgreSQL only:
# 1. pick the oldest held leads past the cutoff, skipping rows that a phoner
#    saving a result (or another release) has locked: waiting on them would
#    only block, and whoever holds the lock settles those leads;
# 2. put them back to their former status and clear the hold, finding them
#    by primary key (ANY(ARRAY(...)): a join could make the planner scan
#    the whole lead table once per batch);
# 3. record one released event per lead from the rows the update returned.
RELEASE_BATCH_SQL = f"""
WITH picked AS (
    SELECT id FROM {Lead._meta.db_table}
    WHERE status = %(unsolved)s AND held_since <= %(cutoff)s
    ORDER BY held_since
    LIMIT %(batch_size)s
    FOR UPDATE SKIP LOCKED
), released AS (
    UPDATE {Lead._meta.db_table} AS lead
    SET status = COALESCE(NULLIF(lead.former_status, ''), %(fallback)s),
        former_status = '',
        held_by_id = NULL,
        held_since = NULL
    WHERE lead.id = ANY(ARRAY(SELECT id FROM picked))
    RETURNING lead.id, lead.status
)
INSERT INTO {LeadEvent._meta.db_table}
    (lead_id, kind, actor_id, created_at, from_status, to_status, note)
SELECT id, %(kind)s, NULL, %(now)s, %(unsolved)s, status, '' FROM released
"""


def release_unsolved_leads(now: datetime | None = None) -> int:
    """Release every lead held longer than the client setting allows.

    Returns how many leads were released. Does nothing (and says so in the
    log) when automatic release is turned off in the client settings.
    `now` sets the moment the hold times are measured against; the events
    carry the real time of the release.
    """
    now = now or timezone.now()
    client_settings = ClientSettings.load()
    if not client_settings.release_unsolved_enabled:
        logger.info("release skipped reason=disabled")
        return 0

    cutoff = now - timedelta(hours=client_settings.release_unsolved_after_hours)
    release_batch = (
        _release_batch_postgresql
        if connection.vendor == "postgresql"
        else _release_batch_orm
    )
    released = 0
    # Until a batch finds nothing: a short batch does not prove the end, as
    # rows a phoner saved meanwhile drop out of it after the LIMIT. Rows
    # still locked at the end are being settled by whoever holds the lock.
    while count := release_batch(cutoff):
        released += count
    return released


def _release_batch_postgresql(cutoff: datetime) -> int:
    params = {
        "unsolved": Status.UNSOLVED,
        "cutoff": cutoff,
        "batch_size": BATCH_SIZE,
        "fallback": FALLBACK_STATUS,
        "kind": LeadEvent.Kind.RELEASED,
        # The event's time is when the release happened, as the ORM's
        # auto_now_add would have it.
        "now": timezone.now(),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RELEASE_BATCH_SQL, params)
        return cursor.rowcount


def _release_batch_orm(cutoff: datetime) -> int:
    """The same batch in two set-based statements, for SQLite.

    SQLite runs IMMEDIATE transactions here (see settings), so the batch
    holds the write lock from its first read: a concurrent release waits
    and then finds these leads no longer unsolved.
    """
    with transaction.atomic():
        held = Lead.objects.filter(status=Status.UNSOLVED, held_since__lte=cutoff)
        picked = list(
            held.order_by("held_since", "id").values_list("id", "former_status")[
                :BATCH_SIZE
            ]
        )
        if not picked:
            return 0

        Lead.objects.filter(id__in=[lead_id for lead_id, _ in picked]).update(
            status=Coalesce(NullIf("former_status", Value("")), Value(FALLBACK_STATUS)),
            former_status="",
            held_by=None,
            held_since=None,
        )
        LeadEvent.objects.bulk_create(
            LeadEvent(
                lead_id=lead_id,
                kind=LeadEvent.Kind.RELEASED,
                from_status=Status.UNSOLVED,
                to_status=former_status or FALLBACK_STATUS,
            )
            for lead_id, former_status in picked
        )
    return len(picked)


def claim_scheduled_release(now: datetime | None = None) -> bool:
    """Whether the periodic job should release now; claims the run if so.

    Beat wakes the job often; the client setting decides how often it
    really works. The claim is one conditional UPDATE, so two beat
    instances waking at once do not both run.
    """
    now = now or timezone.now()
    client_settings = ClientSettings.load()
    interval = timedelta(minutes=client_settings.release_unsolved_every_minutes)
    # A little slack: a beat tick that lands a moment early is not skipped.
    due_before = now - interval + timedelta(seconds=5)
    claimed = (
        ClientSettings.objects.filter(pk=client_settings.pk)
        .filter(
            Q(release_unsolved_last_run_at__isnull=True)
            | Q(release_unsolved_last_run_at__lte=due_before)
        )
        .update(release_unsolved_last_run_at=now)
    )
    return claimed == 1


@dataclass(frozen=True)
class PhonerHolds:
    phoner: User | None
    count: int
    oldest_held_since: datetime | None


@dataclass(frozen=True)
class HeldLeadSummary:
    """How many leads phoners hold open right now, and since when."""

    count: int
    oldest_held_since: datetime | None
    overdue: int
    by_phoner: list[PhonerHolds]


def held_lead_summary(
    campaign: Campaign | None = None, now: datetime | None = None
) -> HeldLeadSummary:
    """Held (unsolved) leads, in one campaign or all of them.

    `overdue` counts the leads already past the release limit: the next run
    of the release job puts them back.
    """
    now = now or timezone.now()
    held = Lead.objects.filter(status=Status.UNSOLVED)
    if campaign is not None:
        held = held.filter(campaign=campaign)
    limit = timedelta(hours=ClientSettings.load().release_unsolved_after_hours)

    totals = held.aggregate(
        count=Count("id"),
        oldest=Min("held_since"),
        overdue=Count("id", filter=Q(held_since__lte=now - limit)),
    )
    rows = (
        held.values("held_by")
        .annotate(count=Count("id"), oldest=Min("held_since"))
        .order_by("-count", "held_by")
    )
    phoners = User.objects.in_bulk([row["held_by"] for row in rows if row["held_by"]])
    by_phoner = [
        PhonerHolds(
            phoner=phoners.get(row["held_by"]),
            count=row["count"],
            oldest_held_since=row["oldest"],
        )
        for row in rows
    ]
    return HeldLeadSummary(
        count=totals["count"],
        oldest_held_since=totals["oldest"],
        overdue=totals["overdue"],
        by_phoner=by_phoner,
    )
