"""What a phoner sees while a lead is open: one lead at a time, honest
labels and messages, callback dates that carry their year."""

import threading
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from adversus.models import ClientSettings
from campaigns.models import Campaign, Lead, LeadEvent, Status
from dialer.services import next_lead, release_unsolved_leads
from tests.dialer.factories import make_lead, next_url, open_url, save_url

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen_clock(request):
    if "postgres" in request.keywords:
        yield
        return
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


def held_by(phoner):
    return list(Lead.objects.filter(held_by=phoner, status=Status.UNSOLVED))


def served_count(phoner):
    return LeadEvent.objects.filter(kind=LeadEvent.Kind.SERVED, actor=phoner).count()


# One lead at a time.


def test_next_lead_click_with_a_lead_open_shows_that_lead_again(
    phoner_client, campaign, phoner
):
    anne = make_lead(campaign, first_name="Anne")
    bo = make_lead(campaign, first_name="Bo")
    phoner_client.post(next_url(campaign), **HTMX)

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert response.status_code == 200
    card = response.text.split('id="lead-card"')[1].split("</article>")[0]
    assert "Anne" in card and "Bo" not in card
    assert "save a result for this lead before taking the next one" in response.text
    assert held_by(phoner) == [anne]
    bo.refresh_from_db()
    assert bo.status == Status.UNPROCESSED
    assert served_count(phoner) == 1


def test_next_lead_without_javascript_sends_the_phoner_back_to_the_open_lead(
    phoner_client, campaign, phoner
):
    anne = make_lead(campaign, first_name="Anne")
    make_lead(campaign, first_name="Bo")
    phoner_client.post(next_url(campaign))

    response = phoner_client.post(next_url(campaign), follow=True)

    assert response.redirect_chain[-1][0] == open_url(anne)
    assert "save a result for this lead before taking the next one" in response.text
    assert held_by(phoner) == [anne]


def test_a_lead_open_in_another_campaign_must_be_finished_first(
    phoner_client, campaign, phoner
):
    spring = Campaign.objects.create(name="Spring sale")
    spring.phoners.add(phoner)
    make_lead(spring, first_name="Anne")
    make_lead(campaign, first_name="Bo")
    anne = next_lead(phoner, spring)

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert "Anne" in response.text
    assert held_by(phoner) == [anne]


def test_after_saving_the_open_lead_next_lead_serves_another(
    phoner_client, campaign, phoner
):
    anne = make_lead(campaign, first_name="Anne")
    bo = make_lead(campaign, first_name="Bo")
    phoner_client.post(next_url(campaign), **HTMX)
    phoner_client.post(next_url(campaign), **HTMX)
    phoner_client.post(save_url(anne), {"status": "not_interested"}, **HTMX)

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert "Bo" in response.text
    assert held_by(phoner) == [bo]


def test_a_colleagues_open_lead_does_not_block_the_phoner(
    phoner_client, campaign, phoner, other_phoner
):
    make_lead(campaign, first_name="Anne")
    bo = make_lead(campaign, first_name="Bo")
    next_lead(other_phoner, campaign)

    phoner_client.post(next_url(campaign), **HTMX)

    assert held_by(phoner) == [bo]


def held_lead_set_by_manager(manager_client, campaign, phoner, status: str) -> Lead:
    """A lead the phoner holds, whose status a manager then sets."""
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    manager_client.post(
        reverse("campaigns:lead-status", args=[lead.pk]), {"status": status}
    )
    return lead


# Labels and messages that say what happened.


def test_held_lead_reopened_from_the_side_panel_says_it_is_held(
    phoner_client, campaign, phoner
):
    make_lead(campaign, first_name="Hugo")
    lead = next_lead(phoner, campaign)

    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        response = phoner_client.get(open_url(lead), **HTMX)

    badge = response.text.split('class="badge')[1].split("</p>")[0]
    assert "Held lead — reopened" in badge
    assert "New lead" not in badge
    assert "since 04 May 2026 12:00" in response.text


def test_freshly_served_lead_without_javascript_is_still_a_new_lead(
    phoner_client, campaign
):
    make_lead(campaign)

    response = phoner_client.post(next_url(campaign), follow=True)

    badge = response.text.split('class="badge')[1].split("</p>")[0]
    assert "New lead" in badge
    assert "reopened" not in badge


def test_manager_status_change_is_named_when_the_phoner_saves(
    phoner_client, manager_client, campaign, phoner
):
    lead = held_lead_set_by_manager(manager_client, campaign, phoner, "invalid")

    response = phoner_client.post(
        save_url(lead), {"status": "success", "note": "Sold two boxes"}, **HTMX
    )

    text = unescape(response.text)
    assert "A manager (Mona) changed this lead's status to Invalid" in text
    assert "your result was not saved" in text
    assert "released" not in text.lower()
    assert "Sold two boxes" in text
    lead.refresh_from_db()
    assert lead.status == Status.INVALID


def test_manager_status_change_is_named_when_the_phoner_reopens_the_lead(
    phoner_client, manager_client, campaign, phoner
):
    lead = held_lead_set_by_manager(manager_client, campaign, phoner, "success")

    response = phoner_client.get(open_url(lead), **HTMX)

    text = unescape(response.text)
    assert "A manager (Mona) changed this lead's status to Success" in text
    assert "released" not in text.lower()


def test_manager_release_says_a_manager_put_the_lead_back(
    phoner_client, manager_client, campaign, phoner
):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    manager_client.post(reverse("campaigns:lead-release", args=[lead.pk]))

    response = phoner_client.post(save_url(lead), {"status": "success"}, **HTMX)

    assert "A manager (Mona) released this lead back to the queue" in response.text
    assert "automatically" not in response.text


def test_automatic_release_says_it_was_automatic(phoner_client, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    hours = ClientSettings.load().release_unsolved_after_hours

    with time_machine.travel(NOW + timedelta(hours=hours, minutes=1), tick=False):
        release_unsolved_leads()
        response = phoner_client.post(save_url(lead), {"status": "success"}, **HTMX)

    assert "released back to the queue automatically" in response.text
    assert "manager" not in response.text.lower()


def test_saving_twice_says_the_result_is_already_saved(phoner_client, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    phoner_client.post(save_url(lead), {"status": "success"}, **HTMX)

    response = phoner_client.post(save_url(lead), {"status": "invalid"}, **HTMX)

    assert "You already saved a result for this lead: Success" in response.text
    assert "released" not in response.text.lower()
    lead.refresh_from_db()
    assert (lead.status, lead.contact_attempts) == (Status.SUCCESS, 1)


# Dates with their year.


def test_callback_next_year_shows_its_year_in_the_side_panel(
    phoner_client, campaign, phoner
):
    make_lead(
        campaign,
        Status.VIP_REDIAL,
        next_contact_at=datetime(2027, 5, 3, 8, 0, tzinfo=UTC),
        owner=phoner,
        first_name="Vera",
    )
    make_lead(
        campaign,
        Status.PRIVATE_REDIAL,
        next_contact_at=datetime(2026, 5, 5, 8, 0, tzinfo=UTC),
        owner=phoner,
        first_name="Palle",
    )

    response = phoner_client.get(reverse("dialer:overview"))

    callbacks = response.text.split("Your callbacks")[1]
    assert "03 May 2027 10:00" in callbacks
    assert "05 May 2026 10:00" in callbacks


def test_held_since_in_the_side_panel_shows_its_year(phoner_client, campaign, phoner):
    make_lead(campaign, first_name="Hugo")
    next_lead(phoner, campaign)

    response = phoner_client.get(reverse("dialer:overview"))

    held = response.text.split("Held by you")[1].split("Your callbacks")[0]
    assert "since 04 May 2026 12:00" in held


def test_callback_from_last_year_shows_its_year_on_the_card(
    phoner_client, campaign, phoner
):
    make_lead(
        campaign,
        Status.COMMON_REDIAL,
        next_contact_at=datetime(2025, 12, 30, 8, 0, tzinfo=UTC),
    )

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert "Team callback, due 30 Dec 2025 09:00" in response.text


# A double click sends two requests at once.


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_click_on_next_lead_holds_one_lead_only(campaign, phoner):
    for name in ("Anne", "Bo", "Camilla"):
        make_lead(campaign, first_name=name)
    clicks = 4
    barrier = threading.Barrier(clicks)
    answers: list[int] = []

    def click() -> None:
        try:
            client = Client()
            client.force_login(phoner)
            barrier.wait()
            answers.append(client.post(next_url(campaign), **HTMX).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * clicks
    assert len(held_by(phoner)) == 1
    assert served_count(phoner) == 1


def badge_of(response) -> str:
    return response.text.split('class="badge')[1].split("</p>")[0]


def test_reopened_lead_keeps_its_label_when_the_result_is_refused(
    phoner_client, campaign, phoner
):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    reopened = phoner_client.get(open_url(lead), **HTMX)
    assert 'name="reopened"' in reopened.text

    # A private callback without a time is sent back with an error.
    response = phoner_client.post(
        save_url(lead), {"status": "private_redial", "reopened": "1"}, **HTMX
    )

    assert "Held lead — reopened" in badge_of(response)
    lead.refresh_from_db()
    assert lead.status == Status.UNSOLVED


def test_a_lead_taken_away_is_not_labelled_as_served(
    phoner_client, manager_client, campaign, phoner
):
    lead = held_lead_set_by_manager(manager_client, campaign, phoner, "invalid")

    response = phoner_client.post(save_url(lead), {"status": "success"}, **HTMX)

    assert "your result was not saved" in response.text
    assert "No longer yours" in badge_of(response)
    assert "New lead" not in response.text
