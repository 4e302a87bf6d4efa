from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from adversus.models import ClientSettings
from campaigns.models import Campaign, Lead, LeadEvent, Status
from dialer.services import next_lead, release_lead, release_unsolved_leads
from tests.dialer.factories import make_lead, next_url, save_url

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_overview_lists_only_the_phoners_campaigns(phoner_client, campaign):
    Campaign.objects.create(name="Not yours")

    response = phoner_client.get(reverse("dialer:overview"))

    assert response.status_code == 200
    assert "Winter sale" in response.text
    assert "Not yours" not in response.text


def test_next_lead_button_swaps_in_the_lead_card(phoner_client, campaign):
    lead = make_lead(campaign, first_name="Karen", company="Blomst ApS")

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Karen" in response.text and "Blomst ApS" in response.text
    assert f'href="tel:{lead.contact.phone}"' in response.text
    assert "New lead" in response.text
    assert 'hx-swap-oob="true"' in response.text
    lead.refresh_from_db()
    assert lead.status == Status.UNSOLVED


def test_next_lead_without_javascript_redirects_to_the_lead_page(
    phoner_client, campaign
):
    lead = make_lead(campaign)

    response = phoner_client.post(next_url(campaign))

    assert response.status_code == 302
    assert response.url == reverse("dialer:lead-open", args=[lead.pk]) + "?served=1"
    page = phoner_client.get(response.url)
    assert "<html" in page.text and lead.contact.phone in page.text


def test_empty_queue_says_so(phoner_client, campaign):
    response = phoner_client.post(next_url(campaign), **HTMX)

    assert "No lead is due" in response.text


def test_next_lead_needs_post(phoner_client, campaign):
    assert phoner_client.get(next_url(campaign)).status_code == 405


def test_outsider_cannot_take_a_lead(client, outsider, campaign):
    make_lead(campaign)
    client.force_login(outsider)

    response = client.post(next_url(campaign), **HTMX)

    assert response.status_code == 403
    assert not Lead.objects.filter(status=Status.UNSOLVED).exists()


def test_outsider_cannot_open_or_save_a_lead(client, outsider, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    client.force_login(outsider)

    opened = client.get(reverse("dialer:lead-open", args=[lead.pk]))
    saved = client.post(save_url(lead), {"status": "success"})

    assert (opened.status_code, saved.status_code) == (403, 403)


def test_colleague_cannot_save_a_lead_held_by_another(
    client, other_phoner, campaign, phoner
):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    client.force_login(other_phoner)

    response = client.post(save_url(lead), {"status": "success"}, **HTMX)

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.status == Status.UNSOLVED


def test_saving_a_result_through_the_card(phoner_client, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)

    response = phoner_client.post(
        save_url(lead), {"status": "success", "note": "Booked a demo"}, **HTMX
    )

    assert response.status_code == 200
    assert "Saved" in response.text
    lead.refresh_from_db()
    assert (lead.status, lead.contact_attempts) == (Status.SUCCESS, 1)
    assert lead.events.get(kind=LeadEvent.Kind.RESULT).note == "Booked a demo"


def test_callback_time_is_entered_in_the_client_time_zone(
    phoner_client, campaign, phoner
):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)

    phoner_client.post(
        save_url(lead),
        {"status": "vip_redial", "callback_at": "2026-05-05T14:00"},
        **HTMX,
    )

    lead.refresh_from_db()
    assert lead.next_contact_at == datetime(2026, 5, 5, 12, 0, tzinfo=UTC)
    assert lead.owner == phoner


def test_nonexistent_callback_time_shows_a_clear_error(phoner_client, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)

    with time_machine.travel(datetime(2026, 3, 28, 9, 0, tzinfo=UTC)):
        response = phoner_client.post(
            save_url(lead),
            {"status": "common_redial", "callback_at": "2026-03-29T02:30"},
            **HTMX,
        )

    assert "does not exist in Europe/Copenhagen" in response.text
    assert 'value="2026-03-29T02:30"' in response.text
    lead.refresh_from_db()
    assert lead.status == Status.UNSOLVED


def test_ambiguous_callback_time_shows_a_clear_error(phoner_client, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)

    with time_machine.travel(datetime(2026, 10, 24, 9, 0, tzinfo=UTC)):
        phoner_client.force_login(phoner)
        response = phoner_client.post(
            save_url(lead),
            {"status": "private_redial", "callback_at": "2026-10-25T02:30"},
            **HTMX,
        )

    assert "happens twice" in response.text


def test_callback_without_time_keeps_the_note(phoner_client, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)

    response = phoner_client.post(
        save_url(lead), {"status": "common_redial", "note": "Call after lunch"}
    )

    assert response.status_code == 422
    assert "needs a time" in response.text
    assert "Call after lunch" in response.text


def test_client_time_zone_setting_is_used(phoner_client, campaign, phoner):
    settings = ClientSettings.load()
    settings.time_zone = "America/New_York"
    settings.save()
    make_lead(campaign)
    lead = next_lead(phoner, campaign)

    phoner_client.post(
        save_url(lead),
        {"status": "common_redial", "callback_at": "2026-05-05T09:00"},
        **HTMX,
    )

    lead.refresh_from_db()
    assert lead.next_contact_at == datetime(2026, 5, 5, 13, 0, tzinfo=UTC)


def test_lead_released_while_typing_keeps_the_note(phoner_client, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    later = NOW + timedelta(hours=ClientSettings.load().release_unsolved_after_hours)

    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        released = release_unsolved_leads()
        response = phoner_client.post(
            save_url(lead),
            {"status": "success", "note": "Wants <b>two</b> boxes"},
            **HTMX,
        )

    assert released == 1
    assert "was released" in response.text
    assert "your note is kept below" in response.text.lower()
    assert "Wants &lt;b&gt;two&lt;/b&gt; boxes" in response.text
    lead.refresh_from_db()
    assert lead.status == Status.UNPROCESSED
    assert lead.contact_attempts == 0


def test_contact_fields_are_escaped(phoner_client, campaign):
    make_lead(campaign, company="<script>alert(1)</script>")

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_side_panel_lists_held_leads_and_callbacks(phoner_client, campaign, phoner):
    make_lead(
        campaign,
        Status.VIP_REDIAL,
        next_contact_at=NOW + timedelta(days=1),
        owner=phoner,
        first_name="Vera",
    )
    make_lead(campaign, first_name="Hugo")
    next_lead(phoner, campaign)

    response = phoner_client.get(reverse("dialer:overview"))

    held = response.text.split("Held by you")[1].split("Your callbacks")[0]
    callbacks = response.text.split("Your callbacks")[1]
    assert "Hugo" in held
    assert "Vera" in callbacks


def test_held_lead_can_be_reopened_and_finished(phoner_client, campaign, phoner):
    make_lead(campaign, first_name="Hugo")
    lead = next_lead(phoner, campaign)

    opened = phoner_client.get(reverse("dialer:lead-open", args=[lead.pk]), **HTMX)
    saved = phoner_client.post(save_url(lead), {"status": "invalid"}, **HTMX)

    assert "Hugo" in opened.text and "<html" not in opened.text
    assert saved.status_code == 200
    lead.refresh_from_db()
    assert lead.status == Status.INVALID


def test_unknown_status_is_refused_with_a_message(phoner_client, campaign, phoner):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)

    response = phoner_client.post(save_url(lead), {"status": "unsolved"}, **HTMX)

    assert "Select a valid choice" in response.text
    lead.refresh_from_db()
    assert lead.status == Status.UNSOLVED


def test_bad_campaign_parameter_gets_a_message(phoner_client, campaign):
    response = phoner_client.get(reverse("dialer:overview") + "?campaign=abc")

    assert response.status_code == 200
    assert "Pick a campaign" in response.text


def test_card_says_why_a_redial_came_now(phoner_client, campaign):
    make_lead(
        campaign,
        Status.AUTOMATIC_REDIAL,
        next_contact_at=NOW - timedelta(minutes=5),
        attempts=1,
    )

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert "Automatic redial, 2nd attempt" in response.text


def test_card_says_when_a_vip_callback_was_due_in_local_time(
    phoner_client, campaign, phoner
):
    make_lead(
        campaign,
        Status.VIP_REDIAL,
        next_contact_at=datetime(2026, 5, 4, 8, 0, tzinfo=UTC),
        owner=phoner,
    )

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert "Your VIP callback, due 04 May 2026 10:00" in response.text


def test_paused_campaign_says_so(phoner_client, campaign):
    campaign.is_active = False
    campaign.save()

    response = phoner_client.post(next_url(campaign), **HTMX)

    assert response.status_code == 403
    assert "paused" in response.text


def test_holder_can_finish_a_lead_after_the_campaign_is_paused(
    phoner_client, campaign, phoner
):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    campaign.is_active = False
    campaign.save()

    opened = phoner_client.get(reverse("dialer:lead-open", args=[lead.pk]), **HTMX)
    saved = phoner_client.post(save_url(lead), {"status": "success"}, **HTMX)

    assert (opened.status_code, saved.status_code) == (200, 200)
    lead.refresh_from_db()
    assert lead.status == Status.SUCCESS


def test_released_lead_without_javascript_answers_conflict_and_keeps_the_note(
    phoner_client, campaign, phoner, manager
):
    make_lead(campaign)
    lead = next_lead(phoner, campaign)
    release_lead(lead, manager)

    response = phoner_client.post(
        save_url(lead),
        {
            "status": "vip_redial",
            "callback_at": "2026-05-05T14:00",
            "note": "Ring i morgen",
        },
    )

    assert response.status_code == 409
    assert "<html" in response.text
    assert "Ring i morgen" in response.text
    assert 'value="2026-05-05T14:00"' in response.text
    assert "data-key=" not in response.text
