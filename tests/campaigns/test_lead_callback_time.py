"""The manager's lead page reads callback times as the phoner's card does."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from adversus.models import ClientSettings
from campaigns.models import Status
from tests.campaigns.conftest import make_lead

pytestmark = pytest.mark.django_db


def change_status(client, lead, when: str):
    return client.post(
        reverse("campaigns:lead-status", args=[lead.pk]),
        {"status": Status.COMMON_REDIAL, "next_contact_at": when},
    )


def test_a_callback_in_the_spring_forward_gap_is_refused_clearly(
    manager_client, campaign
):
    lead = make_lead(campaign, "+4520000001")

    response = change_status(manager_client, lead, "2026-03-29T02:30")

    lead.refresh_from_db()
    assert response.status_code == 400
    assert "does not exist in Europe/Copenhagen" in response.content.decode()
    assert lead.status == Status.UNPROCESSED


def test_a_callback_in_the_repeated_autumn_hour_is_refused_clearly(
    manager_client, campaign
):
    lead = make_lead(campaign, "+4520000001")

    response = change_status(manager_client, lead, "2026-10-25T02:30")

    assert response.status_code == 400
    assert "happens twice in Europe/Copenhagen" in response.content.decode()


def test_a_callback_time_is_read_in_the_client_zone(manager_client, campaign):
    lead = make_lead(campaign, "+4520000001")

    response = change_status(manager_client, lead, "2026-05-05T14:00")

    lead.refresh_from_db()
    assert response.status_code == 302
    assert lead.status == Status.COMMON_REDIAL
    assert lead.next_contact_at == datetime(2026, 5, 5, 12, 0, tzinfo=UTC)


def test_an_unreadable_callback_time_says_how_to_write_it(manager_client, campaign):
    lead = make_lead(campaign, "+4520000001")

    response = change_status(manager_client, lead, "next tuesday")

    assert response.status_code == 400
    assert "e.g. 2026-05-04 14:30" in response.content.decode()


@pytest.fixture
def new_york(db):
    """The client's office, and so its callback times, in New York."""
    client_settings = ClientSettings.load()
    client_settings.time_zone = "America/New_York"
    client_settings.save()


def test_the_lead_page_shows_the_time_in_the_zone_it_was_typed_in(
    manager_client, campaign, new_york
):
    lead = make_lead(campaign, "+4520000001")

    change_status(manager_client, lead, "2026-05-05T14:00")
    page = manager_client.get(reverse("campaigns:lead-detail", args=[lead.pk]))

    lead.refresh_from_db()
    assert lead.next_contact_at == datetime(2026, 5, 5, 18, 0, tzinfo=UTC)
    assert "2026-05-05 14:00" in page.content.decode()


def test_the_lead_table_shows_the_time_in_the_zone_it_was_typed_in(
    manager_client, campaign, new_york
):
    lead = make_lead(campaign, "+4520000001")
    change_status(manager_client, lead, "2026-05-05T14:00")

    table = manager_client.get(
        reverse("campaigns:campaign-leads", args=[campaign.pk])
    ).content.decode()

    assert "2026-05-05 14:00" in table
    assert "2026-05-05 20:00" not in table
