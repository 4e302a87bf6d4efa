from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from campaigns.models import Lead, LeadEvent, Status
from tests.campaigns.conftest import make_lead


def held_lead(campaign, phoner) -> Lead:
    return make_lead(
        campaign,
        "+4520000001",
        status=Status.UNSOLVED,
        former_status=Status.COMMON_REDIAL,
        held_by=phoner,
        held_since=timezone.now() - timedelta(hours=1),
    )


def test_lead_page_shows_contact_and_every_event(manager_client, campaign, phoner):
    lead = make_lead(campaign, "+4520000001", email="Jens@Example.dk")
    LeadEvent.objects.create(
        lead=lead, kind=LeadEvent.Kind.SERVED, actor=phoner, to_status="unsolved"
    )
    LeadEvent.objects.create(
        lead=lead, kind=LeadEvent.Kind.RESULT, actor=phoner, note="Ring i morgen"
    )

    response = manager_client.get(reverse("campaigns:lead-detail", args=[lead.pk]))

    page = response.content.decode()
    assert "+4520000001" in page and "Jens@Example.dk" in page
    assert "Opened by phoner" in page and "Ring i morgen" in page


def test_manager_releases_a_held_lead_to_its_former_status(
    manager_client, manager, campaign, phoner
):
    lead = held_lead(campaign, phoner)

    response = manager_client.post(reverse("campaigns:lead-release", args=[lead.pk]))

    lead.refresh_from_db()
    assert response.status_code == 302
    assert lead.status == Status.COMMON_REDIAL
    assert (lead.held_by, lead.held_since, lead.former_status) == (None, None, "")
    event = lead.events.get()
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        "manager",
        manager,
        "unsolved",
        "common_redial",
    )


def test_releasing_a_lead_nobody_holds_is_refused(manager_client, campaign):
    lead = make_lead(campaign, "+4520000001", status=Status.SUCCESS)

    response = manager_client.post(reverse("campaigns:lead-release", args=[lead.pk]))

    lead.refresh_from_db()
    assert response.status_code == 400
    assert "not held by a phoner" in response.content.decode()
    assert lead.status == Status.SUCCESS
    assert not lead.events.exists()


def test_changing_status_clears_a_hold_and_records_the_note(
    manager_client, manager, campaign, phoner
):
    lead = held_lead(campaign, phoner)

    manager_client.post(
        reverse("campaigns:lead-status", args=[lead.pk]),
        {"status": "invalid", "note": "Nummeret er lukket"},
    )

    lead.refresh_from_db()
    assert lead.status == Status.INVALID
    assert lead.held_by is None
    event = lead.events.get()
    assert (event.from_status, event.to_status, event.note) == (
        "unsolved",
        "invalid",
        "Nummeret er lukket",
    )
    assert event.actor == manager


def test_private_callback_without_owner_is_refused_with_advice(
    manager_client, campaign
):
    lead = make_lead(campaign, "+4520000001")

    response = manager_client.post(
        reverse("campaigns:lead-status", args=[lead.pk]),
        {"status": "private_redial"},
    )

    lead.refresh_from_db()
    assert response.status_code == 400
    assert "reassign the lead first" in response.content.decode()
    assert lead.status == Status.UNPROCESSED


def test_reassigning_the_owner_is_kept_in_the_history(
    manager_client, campaign, phoner, other_phoner
):
    lead = make_lead(
        campaign, "+4520000001", status=Status.PRIVATE_REDIAL, owner=phoner
    )

    manager_client.post(
        reverse("campaigns:lead-owner", args=[lead.pk]), {"owner": other_phoner.pk}
    )

    lead.refresh_from_db()
    assert lead.owner == other_phoner
    assert lead.status == Status.PRIVATE_REDIAL
    assert "Per → Pia" in lead.events.get().note


def test_callback_cannot_go_to_a_phoner_outside_the_campaign(
    manager_client, campaign, phoner, outsider
):
    lead = make_lead(
        campaign, "+4520000001", status=Status.PRIVATE_REDIAL, owner=phoner
    )

    response = manager_client.post(
        reverse("campaigns:lead-owner", args=[lead.pk]), {"owner": outsider.pk}
    )

    lead.refresh_from_db()
    assert response.status_code == 400
    assert lead.owner == phoner
    assert not lead.events.exists()


def test_lead_actions_refuse_get_and_phoners(client, campaign, phoner):
    lead = make_lead(campaign, "+4520000001")
    client.force_login(phoner)

    as_get = client.get(reverse("campaigns:lead-status", args=[lead.pk]))
    as_phoner = client.post(
        reverse("campaigns:lead-status", args=[lead.pk]), {"status": "invalid"}
    )

    lead.refresh_from_db()
    assert (as_get.status_code, as_phoner.status_code) == (405, 403)
    assert lead.status == Status.UNPROCESSED
