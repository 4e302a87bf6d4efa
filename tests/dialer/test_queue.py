from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection

from campaigns.models import Campaign, Lead, LeadEvent, Status
from dialer.queue import postgresql_claim_sql
from dialer.services import next_lead
from leads.models import Contact, LeadPool
from tests.dialer.factories import make_lead

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=1)
LATER = NOW + timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_serving_a_lead_holds_it_for_the_phoner(campaign, phoner):
    lead = make_lead(campaign, Status.AUTOMATIC_REDIAL, next_contact_at=EARLIER)

    served = next_lead(phoner, campaign)

    assert served.pk == lead.pk
    assert served.status == Status.UNSOLVED
    assert served.former_status == Status.AUTOMATIC_REDIAL
    assert served.held_by == phoner
    assert served.held_since == NOW
    event = LeadEvent.objects.get(lead=lead)
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        LeadEvent.Kind.SERVED,
        phoner,
        Status.AUTOMATIC_REDIAL,
        Status.UNSOLVED,
    )


def test_empty_queue_serves_nothing(campaign, phoner):
    assert next_lead(phoner, campaign) is None


def test_phoner_not_assigned_to_the_campaign_is_refused(campaign, outsider):
    make_lead(campaign)

    with pytest.raises(PermissionDenied):
        next_lead(outsider, campaign)


def test_refused_phoner_leaves_the_lead_unclaimed(campaign, outsider):
    lead = make_lead(campaign)

    with pytest.raises(PermissionDenied):
        next_lead(outsider, campaign)

    lead.refresh_from_db()
    assert (lead.status, lead.held_by) == (Status.UNPROCESSED, None)
    assert not LeadEvent.objects.filter(lead=lead).exists()


def test_campaign_paused_by_someone_else_serves_no_one(campaign, phoner):
    make_lead(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(is_active=False)

    with pytest.raises(PermissionDenied, match="paused"):
        next_lead(phoner, campaign)


def test_manager_may_dial_any_active_campaign(campaign, manager):
    lead = make_lead(campaign)

    assert next_lead(manager, campaign).pk == lead.pk


def test_inactive_campaign_serves_no_one(campaign, phoner):
    make_lead(campaign)
    campaign.is_active = False
    campaign.save()

    with pytest.raises(PermissionDenied):
        next_lead(phoner, campaign)


def test_own_vip_callback_comes_before_everything(campaign, phoner):
    make_lead(campaign)
    make_lead(campaign, Status.AUTOMATIC_REDIAL, next_contact_at=EARLIER)
    make_lead(campaign, Status.COMMON_REDIAL, next_contact_at=EARLIER)
    make_lead(campaign, Status.PRIVATE_REDIAL, next_contact_at=EARLIER, owner=phoner)
    vip = make_lead(campaign, Status.VIP_REDIAL, next_contact_at=NOW, owner=phoner)

    assert next_lead(phoner, campaign).pk == vip.pk


def test_vip_callbacks_come_earliest_due_first(campaign, phoner):
    late = make_lead(campaign, Status.VIP_REDIAL, next_contact_at=NOW, owner=phoner)
    early = make_lead(
        campaign, Status.VIP_REDIAL, next_contact_at=EARLIER, owner=phoner
    )

    assert next_lead(phoner, campaign).pk == early.pk
    assert next_lead(phoner, campaign).pk == late.pk


def test_own_private_callback_comes_before_common_callbacks(campaign, phoner):
    make_lead(campaign, Status.COMMON_REDIAL, next_contact_at=EARLIER)
    private = make_lead(
        campaign, Status.PRIVATE_REDIAL, next_contact_at=NOW, owner=phoner
    )

    assert next_lead(phoner, campaign).pk == private.pk


def test_common_callback_comes_before_automatic_redials(campaign, phoner):
    make_lead(campaign, Status.AUTOMATIC_REDIAL, next_contact_at=EARLIER)
    common = make_lead(campaign, Status.COMMON_REDIAL, next_contact_at=NOW)

    assert next_lead(phoner, campaign).pk == common.pk


def test_automatic_redial_comes_before_unprocessed_leads(campaign, phoner):
    make_lead(campaign)
    redial = make_lead(campaign, Status.AUTOMATIC_REDIAL, next_contact_at=NOW)

    assert next_lead(phoner, campaign).pk == redial.pk


def test_unprocessed_leads_come_in_upload_order(campaign, phoner):
    first = make_lead(campaign)
    second = make_lead(campaign)

    assert next_lead(phoner, campaign).pk == first.pk
    assert next_lead(phoner, campaign).pk == second.pk


def test_private_callback_is_never_served_to_another_phoner(
    campaign, phoner, other_phoner
):
    make_lead(campaign, Status.PRIVATE_REDIAL, next_contact_at=EARLIER, owner=phoner)
    make_lead(campaign, Status.VIP_REDIAL, next_contact_at=EARLIER, owner=phoner)

    assert next_lead(other_phoner, campaign) is None


def test_callback_is_not_served_before_it_is_due(campaign, phoner):
    make_lead(campaign, Status.VIP_REDIAL, next_contact_at=LATER, owner=phoner)
    make_lead(campaign, Status.COMMON_REDIAL, next_contact_at=LATER)
    make_lead(campaign, Status.AUTOMATIC_REDIAL, next_contact_at=LATER)

    assert next_lead(phoner, campaign) is None


def test_held_lead_is_not_served_again(campaign, phoner, other_phoner):
    make_lead(campaign)

    assert next_lead(phoner, campaign) is not None
    assert next_lead(other_phoner, campaign) is None


def test_closed_leads_are_never_served(campaign, phoner):
    for status in (Status.SUCCESS, Status.NOT_INTERESTED, Status.INVALID):
        make_lead(campaign, status)

    assert next_lead(phoner, campaign) is None


def test_lead_at_the_attempt_limit_is_not_served(campaign, phoner):
    make_lead(
        campaign,
        Status.AUTOMATIC_REDIAL,
        next_contact_at=EARLIER,
        attempts=campaign.max_contact_attempts,
    )

    assert next_lead(phoner, campaign) is None


def test_raising_the_attempt_limit_reopens_a_lead(campaign, phoner):
    lead = make_lead(
        campaign,
        Status.AUTOMATIC_REDIAL,
        next_contact_at=EARLIER,
        attempts=campaign.max_contact_attempts,
    )
    campaign.max_contact_attempts += 1
    campaign.save()

    assert next_lead(phoner, campaign).pk == lead.pk


def test_leads_of_other_campaigns_are_not_served(campaign, phoner):
    other = Campaign.objects.create(name="Other")
    make_lead(other)

    assert next_lead(phoner, campaign) is None


def test_overdue_private_callback_is_handed_to_the_team(campaign, phoner, other_phoner):
    campaign.callback_handover_hours = 2
    campaign.save()
    overdue = make_lead(
        campaign,
        Status.PRIVATE_REDIAL,
        next_contact_at=NOW - timedelta(hours=3),
        owner=phoner,
    )
    make_lead(
        campaign,
        Status.VIP_REDIAL,
        next_contact_at=NOW - timedelta(hours=1),
        owner=phoner,
    )

    served = next_lead(other_phoner, campaign)

    assert served.pk == overdue.pk
    assert served.former_status == Status.COMMON_REDIAL
    handover = LeadEvent.objects.get(lead=overdue, kind=LeadEvent.Kind.HANDOVER)
    assert (handover.from_status, handover.to_status) == (
        Status.PRIVATE_REDIAL,
        Status.COMMON_REDIAL,
    )


def test_without_handover_setting_overdue_callbacks_stay_private(
    campaign, other_phoner, phoner
):
    make_lead(
        campaign,
        Status.PRIVATE_REDIAL,
        next_contact_at=NOW - timedelta(days=3),
        owner=phoner,
    )

    assert next_lead(other_phoner, campaign) is None


def test_unprocessed_lead_given_a_later_time_waits_for_it(campaign, phoner):
    make_lead(campaign, next_contact_at=LATER)
    ready = make_lead(campaign)

    assert next_lead(phoner, campaign).pk == ready.pk
    assert next_lead(phoner, campaign) is None


@pytest.mark.postgres
def test_new_leads_are_found_through_their_index_in_one_big_campaign(campaign, phoner):
    pool = LeadPool.objects.create(name="Big import")
    contacts = Contact.objects.bulk_create(
        Contact(pool=pool, phone=f"+4560{n:06d}") for n in range(3000)
    )
    Lead.objects.bulk_create(Lead(campaign=campaign, contact=c) for c in contacts)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Lead._meta.db_table}")
    # Statistics still say every lead is new; the first 1000 were called since.
    first = Lead.objects.filter(campaign=campaign).order_by("id")[:1000]
    Lead.objects.filter(pk__in=first.values("pk")).update(status=Status.NOT_INTERESTED)

    with connection.cursor() as cursor:
        params = {
            "unsolved": Status.UNSOLVED,
            "served": LeadEvent.Kind.SERVED,
            "phoner": phoner.pk,
            "manager": False,
            "now": NOW,
            "campaign": campaign.pk,
            "max_attempts": campaign.max_contact_attempts,
        }
        cursor.execute("EXPLAIN " + postgresql_claim_sql(), params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "lead_unprocessed_idx" in plan
    assert next_lead(phoner, campaign).pk == contacts[1000].leads.get().pk
