"""Numbers a manager reads about one campaign.

Lead counts come from one GROUP BY status, attempts that PostgreSQL
answers from the (campaign, status, contact_attempts, id) index alone, so
the page stays fast on campaigns of millions of leads.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Min
from django.utils import timezone

from adversus.models import ClientSettings, User
from campaigns.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Campaign,
    Lead,
    LeadEvent,
    Status,
)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    share: float  # of the largest bar, 0..1


def bars(rows: list[tuple[str, int]]) -> list[Bar]:
    largest = max((value for _, value in rows), default=0) or 1
    return [Bar(label, value, value / largest) for label, value in rows]


@dataclass
class PhonerResults:
    phoner: str
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass
class CampaignStatistics:
    by_status: list[tuple[str, int]]
    open_leads: int
    closed_leads: int
    held_leads: int
    oldest_held_since: datetime | None
    attempts: list[tuple[str, int]]
    total: int

    @property
    def status_bars(self) -> list[Bar]:
        return bars(self.by_status)

    @property
    def attempt_bars(self) -> list[Bar]:
        return bars(self.attempts)


def campaign_statistics(campaign: Campaign) -> CampaignStatistics:
    """Leads by status, open/closed, attempts and held leads, exactly."""
    groups = (
        Lead.objects.filter(campaign=campaign)
        .order_by()
        .values_list("status", "contact_attempts")
        .annotate(n=Count("*"))
    )
    by_status = dict.fromkeys(Status.values, 0)
    by_attempts: dict[int, int] = {}
    open_leads = closed = 0
    for status, attempts, n in groups:
        by_status[status] += n
        by_attempts[attempts] = by_attempts.get(attempts, 0) + n
        if status in OPEN_STATUSES and attempts < campaign.max_contact_attempts:
            open_leads += n
        elif status in OPEN_STATUSES or status in CLOSED_STATUSES:
            closed += n
    held = Lead.objects.filter(campaign=campaign, status=Status.UNSOLVED).aggregate(
        n=Count("id"), oldest=Min("held_since")
    )

    return CampaignStatistics(
        by_status=[(Status(s).label, by_status[s]) for s in Status.values],
        open_leads=open_leads,
        closed_leads=closed,
        held_leads=held["n"],
        oldest_held_since=held["oldest"],
        attempts=[(str(a), by_attempts[a]) for a in sorted(by_attempts)],
        total=sum(by_status.values()),
    )


def local_day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants from the start of `start` to the end of `end`, local."""
    zone = ZoneInfo(ClientSettings.load().time_zone)
    begin = datetime.combine(start, time.min, tzinfo=zone)
    finish = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return begin, finish


def client_today() -> date:
    zone = ZoneInfo(ClientSettings.load().time_zone)
    return timezone.now().astimezone(zone).date()


def phoner_results(campaign: Campaign, start: date, end: date) -> list[PhonerResults]:
    """Results saved by each phoner from `start` to `end` (local days)."""
    begin, finish = local_day_bounds(start, end)
    rows = list(
        LeadEvent.objects.filter(
            lead__campaign=campaign,
            kind=LeadEvent.Kind.RESULT,
            created_at__gte=begin,
            created_at__lt=finish,
        )
        .order_by()
        .values_list("actor", "to_status")
        .annotate(n=Count("id"))
    )
    users = {}
    results: dict[int | None, PhonerResults] = {}
    actor_ids = {actor for actor, _, _ in rows}
    for user in User.objects.filter(pk__in=[a for a in actor_ids if a]):
        users[user.pk] = str(user)

    for actor, status, n in rows:
        entry = results.setdefault(
            actor, PhonerResults(users.get(actor, "(deleted user)"))
        )
        label = Status(status).label if status else "—"
        entry.by_status[label] = entry.by_status.get(label, 0) + n
    return sorted(results.values(), key=lambda r: (-r.total, r.phoner))
