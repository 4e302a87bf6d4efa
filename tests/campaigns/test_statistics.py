from datetime import UTC, datetime, timedelta

import time_machine
from django.urls import reverse

from campaigns.models import Status
from campaigns.statistics import campaign_statistics
from tests.campaigns.conftest import make_lead, record_result

# 10:00 in Copenhagen.
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_counts_by_status_open_closed_attempts_and_held(campaign, phoner):
    make_lead(campaign, "+4520000001")
    make_lead(campaign, "+4520000002", status=Status.AUTOMATIC_REDIAL,
              contact_attempts=1)  # fmt: skip
    make_lead(campaign, "+4520000003", status=Status.AUTOMATIC_REDIAL,
              contact_attempts=3)  # fmt: skip
    make_lead(campaign, "+4520000004", status=Status.SUCCESS, contact_attempts=1)
    oldest = NOW - timedelta(hours=5)
    make_lead(campaign, "+4520000005", status=Status.UNSOLVED, held_by=phoner,
              held_since=oldest)  # fmt: skip
    make_lead(campaign, "+4520000006", status=Status.UNSOLVED, held_by=phoner,
              held_since=NOW)  # fmt: skip

    stats = campaign_statistics(campaign)

    by_status = dict(stats.by_status)
    assert by_status["Unprocessed"] == 1
    assert by_status["Automatic redial"] == 2
    assert by_status["Success"] == 1
    assert (stats.open_leads, stats.closed_leads) == (2, 2)
    assert (stats.held_leads, stats.oldest_held_since) == (2, oldest)
    assert stats.attempts == [("0", 3), ("1", 2), ("3", 1)]
    assert stats.total == 6


@time_machine.travel(NOW, tick=False)
def test_page_shows_phoner_results_today_and_for_a_period(
    manager_client, campaign, phoner, other_phoner
):
    lead = make_lead(campaign, "+4520000001")
    record_result(lead, phoner, Status.SUCCESS)
    record_result(lead, phoner, Status.NOT_INTERESTED)
    # 23:30 Copenhagen time the day before: yesterday, not today.
    record_result(lead, other_phoner, Status.SUCCESS,
                  at=datetime(2026, 12, 3, 22, 30, tzinfo=UTC))  # fmt: skip
    url = reverse("campaigns:campaign-statistics", args=[campaign.pk])

    today = manager_client.get(url).context["today_results"]
    period = manager_client.get(url, {"start": "2026-12-03", "end": "2026-12-03"})

    assert [(r.phoner, r.total) for r in today] == [("Per", 2)]
    assert today[0].by_status == {"Success": 1, "Not interested": 1}
    assert [(r.phoner, r.total) for r in period.context["period_results"]] == [
        ("Pia", 1)
    ]
    assert "<svg" in period.content.decode()


@time_machine.travel(NOW, tick=False)
def test_htmx_period_change_returns_only_the_results(manager_client, campaign):
    url = reverse("campaigns:campaign-statistics", args=[campaign.pk])

    response = manager_client.get(
        url,
        {"start": "2026-12-01", "end": "2026-12-04"},
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert page.startswith('<div id="phoner-results">')
    assert "2026-12-01 to 2026-12-04" in page


def test_end_before_start_is_explained(manager_client, campaign):
    url = reverse("campaigns:campaign-statistics", args=[campaign.pk])

    response = manager_client.get(url, {"start": "2026-12-05", "end": "2026-12-01"})

    assert response.status_code == 200
    assert "on or after the start" in response.content.decode()


def test_bar_chart_is_inline_svg_scaled_to_the_largest(manager_client, campaign):
    for i in range(3):
        make_lead(campaign, f"+452000000{i}")
    make_lead(campaign, "+4520000009", status=Status.SUCCESS)
    url = reverse("campaigns:campaign-statistics", args=[campaign.pk])

    page = manager_client.get(url).content.decode()

    assert 'width="340"' in page  # unprocessed, the largest
    assert 'width="113"' in page  # success, a third of it
    assert "<script" not in page.split("<main>")[1]
