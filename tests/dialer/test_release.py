import logging
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from adversus.celery import app as celery_app
from adversus.models import ClientSettings
from campaigns.models import Campaign, Lead, LeadEvent, Status
from dialer import release
from dialer.release import held_lead_summary, release_unsolved_leads
from dialer.services import LeadReleased, next_lead, save_result
from dialer.tasks import release_unsolved_leads as release_task
from tests.dialer.held_leads import hold, make_leads, released_events

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
HELD_AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def two_hours(db) -> ClientSettings:
    client_settings = ClientSettings.load()
    client_settings.release_unsolved_after_hours = 2
    client_settings.release_unsolved_enabled = True
    client_settings.save()
    return client_settings


def test_lead_is_kept_until_the_hours_have_passed(campaign, phoner, two_hours):
    [lead] = make_leads(campaign, 1, status=Status.COMMON_REDIAL)
    hold([lead], phoner, HELD_AT)

    with time_machine.travel(HELD_AT + timedelta(hours=2, minutes=-1), tick=False):
        released = release_unsolved_leads()

    lead.refresh_from_db()
    assert released == 0
    assert (lead.status, lead.held_by, lead.held_since) == (
        Status.UNSOLVED,
        phoner,
        HELD_AT,
    )
    assert not released_events(lead).exists()


def test_lead_goes_back_to_its_former_status_after_the_hours(
    campaign, phoner, two_hours
):
    [lead] = make_leads(campaign, 1, status=Status.AUTOMATIC_REDIAL)
    Lead.objects.filter(pk=lead.pk).update(contact_attempts=2)
    lead.refresh_from_db()
    hold([lead], phoner, HELD_AT)
    now = HELD_AT + timedelta(hours=2, minutes=1)

    with time_machine.travel(now, tick=False):
        released = release_unsolved_leads()

    lead.refresh_from_db()
    assert released == 1
    assert lead.status == Status.AUTOMATIC_REDIAL
    assert (lead.former_status, lead.held_by, lead.held_since) == ("", None, None)
    assert lead.contact_attempts == 2
    [event] = released_events(lead)
    assert (event.actor, event.from_status, event.to_status) == (
        None,
        Status.UNSOLVED,
        Status.AUTOMATIC_REDIAL,
    )
    assert event.created_at == now


def test_only_held_leads_past_the_limit_are_touched(
    campaign, phoner, other_phoner, two_hours
):
    old, recent, closed, waiting = make_leads(campaign, 4)
    hold([old], phoner, HELD_AT)
    hold([recent], other_phoner, HELD_AT + timedelta(hours=1))
    Lead.objects.filter(pk=closed.pk).update(status=Status.SUCCESS)

    released = release_unsolved_leads(now=HELD_AT + timedelta(hours=2, minutes=30))

    statuses = dict(Lead.objects.values_list("pk", "status"))
    assert released == 1
    assert statuses == {
        old.pk: Status.UNPROCESSED,
        recent.pk: Status.UNSOLVED,
        closed.pk: Status.SUCCESS,
        waiting.pk: Status.UNPROCESSED,
    }
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED).count() == 1


def test_every_former_status_comes_back(campaign, phoner, two_hours):
    former = [
        Status.UNPROCESSED,
        Status.AUTOMATIC_REDIAL,
        Status.COMMON_REDIAL,
        Status.PRIVATE_REDIAL,
        Status.VIP_REDIAL,
    ]
    leads = [make_leads(campaign, 1, status=status)[0] for status in former]
    hold(leads, phoner, HELD_AT)

    released = release_unsolved_leads(now=HELD_AT + timedelta(hours=3))

    assert released == len(former)
    assert [Lead.objects.get(pk=lead.pk).status for lead in leads] == former


def test_a_large_backlog_is_released_in_several_batches(
    campaign, phoner, two_hours, monkeypatch
):
    monkeypatch.setattr(release, "BATCH_SIZE", 3)
    leads = make_leads(campaign, 8)
    hold(leads, phoner, HELD_AT)

    released = release_unsolved_leads(now=HELD_AT + timedelta(hours=3))

    assert released == 8
    assert not Lead.objects.filter(status=Status.UNSOLVED).exists()
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED).count() == 8


def test_a_second_run_releases_nothing_more(campaign, phoner, two_hours):
    leads = make_leads(campaign, 3)
    hold(leads, phoner, HELD_AT)
    now = HELD_AT + timedelta(hours=3)

    first = release_unsolved_leads(now=now)
    second = release_unsolved_leads(now=now)

    assert (first, second) == (3, 0)
    assert LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED).count() == 3


def test_nothing_is_released_when_automatic_release_is_off(
    campaign, phoner, two_hours, caplog
):
    two_hours.release_unsolved_enabled = False
    two_hours.save()
    [lead] = make_leads(campaign, 1)
    hold([lead], phoner, HELD_AT)

    with caplog.at_level(logging.INFO, logger="dialer.release"):
        released = release_unsolved_leads(now=HELD_AT + timedelta(days=3))

    lead.refresh_from_db()
    assert released == 0
    assert lead.status == Status.UNSOLVED
    assert "release skipped reason=disabled" in caplog.text


def test_a_longer_setting_keeps_leads_longer(campaign, phoner, two_hours):
    two_hours.release_unsolved_after_hours = 8
    two_hours.save()
    [lead] = make_leads(campaign, 1)
    hold([lead], phoner, HELD_AT)

    early = release_unsolved_leads(now=HELD_AT + timedelta(hours=7, minutes=59))
    late = release_unsolved_leads(now=HELD_AT + timedelta(hours=8))

    assert (early, late) == (0, 1)


# Daylight saving in Europe/Copenhagen, 2026: clocks go back from 03:00 to
# 02:00 on 25 October and forward from 02:00 to 03:00 on 29 March. A lead
# held for "2 hours" must be released 2 real hours later, not 2 hours by
# the wall clock (which would be 3 or 1 real hours).
DST_CASES = [
    pytest.param(
        datetime(2026, 10, 25, 1, 30, tzinfo=COPENHAGEN),
        # 2 real hours after 01:30 summer time is 02:30 winter time.
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=COPENHAGEN),
        id="autumn-back",
    ),
    pytest.param(
        datetime(2026, 3, 29, 1, 30, tzinfo=COPENHAGEN),
        # 2 real hours after 01:30 winter time is 04:30 summer time.
        datetime(2026, 3, 29, 4, 30, tzinfo=COPENHAGEN),
        id="spring-forward",
    ),
]


@pytest.mark.parametrize("server_zone", ["Europe/Copenhagen", "UTC"])
@pytest.mark.parametrize(("held_at", "due_at"), DST_CASES)
def test_release_counts_real_hours_across_daylight_saving(
    campaign, phoner, two_hours, settings, server_zone, held_at, due_at
):
    settings.TIME_ZONE = server_zone
    [lead] = make_leads(campaign, 1)
    with time_machine.travel(held_at, tick=False):
        hold([lead], phoner, held_at)
    due = due_at.astimezone(UTC)
    assert due - held_at.astimezone(UTC) == timedelta(hours=2)

    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        before = release_unsolved_leads()
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        after = release_unsolved_leads()

    assert (before, after) == (0, 1)


def test_command_prints_how_many_leads_were_released(campaign, phoner, two_hours):
    leads = make_leads(campaign, 4)
    hold(leads[:3], phoner, HELD_AT)

    with time_machine.travel(HELD_AT + timedelta(hours=2, seconds=1), tick=False):
        call_command("release_unsolved_leads", stdout=(output := StringIO()))

    assert "Released 3 unsolved leads" in output.getvalue()
    assert Lead.objects.filter(status=Status.UNSOLVED).count() == 0


def test_command_says_when_automatic_release_is_off(campaign, phoner, two_hours):
    two_hours.release_unsolved_enabled = False
    two_hours.save()
    [lead] = make_leads(campaign, 1)
    hold([lead], phoner, HELD_AT)

    call_command("release_unsolved_leads", stdout=(output := StringIO()))

    assert "turned off" in output.getvalue()
    assert Lead.objects.get(pk=lead.pk).status == Status.UNSOLVED


def test_task_releases_and_logs_count_and_duration(campaign, phoner, two_hours, caplog):
    leads = make_leads(campaign, 2)
    hold(leads, phoner, HELD_AT)

    with (
        time_machine.travel(HELD_AT + timedelta(hours=3), tick=False),
        caplog.at_level(logging.INFO, logger="dialer.tasks"),
    ):
        result = release_task.delay()

    assert result.get() == 2
    assert "release finished released=2 seconds=" in caplog.text


def test_task_works_only_at_the_configured_interval(campaign, phoner, two_hours):
    two_hours.release_unsolved_every_minutes = 10
    two_hours.save()
    first_lead, second_lead = make_leads(campaign, 2)
    hold([first_lead], phoner, HELD_AT)
    hold([second_lead], phoner, HELD_AT + timedelta(minutes=2))
    start = HELD_AT + timedelta(hours=2, minutes=1)

    runs = []
    for minutes in (0, 1, 2, 9, 10):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            runs.append(release_task.delay().get())

    # Beat wakes the task every minute; it works at 0 and 10 minutes only.
    assert runs == [1, 0, 0, 0, 1]


def test_held_lead_summary_counts_by_phoner(campaign, phoner, other_phoner, two_hours):
    other_campaign = Campaign.objects.create(name="Other")
    per_leads = make_leads(campaign, 3)
    pia_leads = make_leads(campaign, 1)
    elsewhere = make_leads(other_campaign, 2)
    hold(per_leads, phoner, HELD_AT)
    hold(pia_leads, other_phoner, HELD_AT - timedelta(hours=1))
    hold(elsewhere, phoner, HELD_AT - timedelta(hours=5))
    now = HELD_AT + timedelta(hours=1, minutes=30)

    summary = held_lead_summary(campaign, now=now)
    everywhere = held_lead_summary(now=now)

    assert (summary.count, summary.oldest_held_since, summary.overdue) == (
        4,
        HELD_AT - timedelta(hours=1),
        1,
    )
    assert [(row.phoner, row.count) for row in summary.by_phoner] == [
        (phoner, 3),
        (other_phoner, 1),
    ]
    assert (everywhere.count, everywhere.overdue) == (6, 3)
    assert everywhere.oldest_held_since == HELD_AT - timedelta(hours=5)


def test_held_lead_summary_is_empty_when_nothing_is_held(campaign, two_hours):
    make_leads(campaign, 2)

    summary = held_lead_summary(campaign)

    assert (summary.count, summary.oldest_held_since, summary.by_phoner) == (
        0,
        None,
        [],
    )


def test_beat_wakes_the_release_task_every_configured_minutes(settings):
    celery_app.loader.import_default_modules()

    entry = celery_app.conf.beat_schedule["release unsolved leads"]

    assert entry["task"] == "dialer.tasks.release_unsolved_leads"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == settings.RELEASE_UNSOLVED_EVERY_MINUTES * 60
    assert entry["options"]["expires"] == entry["schedule"]


def test_phoner_saving_after_the_release_is_told_the_lead_was_released(
    campaign, phoner, two_hours
):
    make_leads(campaign, 1, status=Status.UNPROCESSED)
    with time_machine.travel(HELD_AT, tick=False):
        served = next_lead(phoner, campaign)

    with time_machine.travel(HELD_AT + timedelta(hours=2, minutes=1), tick=False):
        released = release_task.delay().get()
        with pytest.raises(LeadReleased):
            save_result(served, phoner, Status.NOT_INTERESTED)

    served.refresh_from_db()
    assert released == 1
    assert (served.status, served.contact_attempts) == (Status.UNPROCESSED, 0)
    assert list(served.events.values_list("kind", flat=True)) == [
        "released",
        "served",
    ]


def test_held_lead_summary_costs_the_same_for_many_phoners(
    campaign, phoner, other_phoner, outsider, two_hours, django_assert_num_queries
):
    for holder in (phoner, other_phoner, outsider):
        hold(make_leads(campaign, 2), holder, HELD_AT)

    with django_assert_num_queries(4):
        summary = held_lead_summary(campaign)

    assert [row.count for row in summary.by_phoner] == [2, 2, 2]
    assert {row.phoner for row in summary.by_phoner} == {phoner, other_phoner, outsider}
