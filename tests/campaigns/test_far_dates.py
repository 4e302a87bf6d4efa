"""Dates a manager types by hand far outside any calendar a call centre uses
are refused with a message, never a server error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        {"start": "0001-01-01", "end": "2026-12-04"},
        {"start": "2026-01-01", "end": "9999-12-31"},
    ],
)
def test_statistics_refuse_a_period_off_the_calendar(manager_client, campaign, query):
    response = manager_client.get(
        reverse("campaigns:campaign-statistics", args=[campaign.pk]), query
    )

    assert response.status_code == 200
    assert "pick a date between 1900 and 2999" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"due_after": "0001-01-01T00:00"}, {"due_before": "0001-01-01T00:30"}],
)
def test_lead_table_refuses_a_due_time_off_the_calendar(
    manager_client, campaign, query
):
    response = manager_client.get(
        reverse("campaigns:campaign-leads", args=[campaign.pk]), query
    )

    assert response.status_code in (200, 400)
    assert "pick a date between 1900 and 2999" in response.content.decode()
