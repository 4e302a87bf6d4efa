from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from campaigns.models import Lead, LeadEvent, Status
from dialer.services import (
    InvalidCallbackTime,
    InvalidResult,
    LeadNotHeld,
    LeadReleased,
    next_lead,
    parse_callback_time,
    reassign_owner,
    release_lead,
    save_result,
)
from tests.dialer.factories import make_lead

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def held(campaign, phoner) -> Lead:
    make_lead(campaign)
    return next_lead(phoner, campaign)


def test_saving_counts_an_attempt_and_records_who_and_when(held, phoner):
    lead = save_result(held, phoner, Status.NOT_INTERESTED, note="Has a supplier")

    lead.refresh_from_db()
    assert lead.status == Status.NOT_INTERESTED
    assert lead.contact_attempts == 1
    assert lead.last_contacted_at == NOW
    assert lead.last_contacted_by == phoner
    assert (lead.held_by, lead.held_since, lead.former_status) == (None, None, "")
    event = lead.events.get(kind=LeadEvent.Kind.RESULT)
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        phoner,
        Status.UNSOLVED,
        Status.NOT_INTERESTED,
        "Has a supplier",
    )


def test_automatic_redial_comes_back_after_the_campaign_delay(held, phoner):
    lead = save_result(held, phoner, Status.AUTOMATIC_REDIAL)

    assert lead.next_contact_at == NOW + held.campaign.redial_delay


def test_callback_is_due_at_the_chosen_time(held, phoner):
    lead = save_result(held, phoner, Status.COMMON_REDIAL, callback_at=TOMORROW)

    assert lead.next_contact_at == TOMORROW
    assert lead.owner is None


def test_callback_without_a_time_is_refused(held, phoner):
    with pytest.raises(InvalidResult, match="needs a time"):
        save_result(held, phoner, Status.COMMON_REDIAL)

    held.refresh_from_db()
    assert held.status == Status.UNSOLVED


def test_callback_in_the_past_is_refused(held, phoner):
    with pytest.raises(InvalidResult, match="passed"):
        save_result(held, phoner, Status.VIP_REDIAL, callback_at=NOW)


def test_private_callback_is_owned_by_the_phoner_by_default(held, phoner):
    lead = save_result(held, phoner, Status.PRIVATE_REDIAL, callback_at=TOMORROW)

    assert lead.owner == phoner


def test_vip_callback_can_be_given_to_a_colleague(held, phoner, other_phoner):
    lead = save_result(
        held, phoner, Status.VIP_REDIAL, callback_at=TOMORROW, owner=other_phoner
    )

    assert lead.owner == other_phoner


def test_callback_cannot_be_given_to_someone_outside_the_campaign(
    held, phoner, outsider
):
    with pytest.raises(InvalidResult, match="not a phoner of this campaign"):
        save_result(
            held, phoner, Status.VIP_REDIAL, callback_at=TOMORROW, owner=outsider
        )


def test_unsolved_is_not_a_result(held, phoner):
    with pytest.raises(InvalidResult):
        save_result(held, phoner, Status.UNSOLVED)


def test_lead_reaching_the_attempt_limit_is_closed_but_keeps_its_status(
    campaign, phoner
):
    make_lead(
        campaign,
        Status.AUTOMATIC_REDIAL,
        next_contact_at=NOW,
        attempts=campaign.max_contact_attempts - 1,
    )
    lead = next_lead(phoner, campaign)

    lead = save_result(lead, phoner, Status.AUTOMATIC_REDIAL)

    assert lead.status == Status.AUTOMATIC_REDIAL
    assert not lead.is_open
    with time_machine.travel(TOMORROW):
        assert next_lead(phoner, campaign) is None


def test_phoner_cannot_save_a_lead_held_by_someone_else(held, other_phoner):
    with pytest.raises(PermissionDenied):
        save_result(held, other_phoner, Status.SUCCESS)


def test_saving_after_the_lead_was_released_raises_and_writes_nothing(
    held, phoner, manager
):
    release_lead(held, manager)

    with pytest.raises(LeadReleased):
        save_result(held, phoner, Status.SUCCESS, note="Sold 3 licences")

    held.refresh_from_db()
    assert held.status == Status.UNPROCESSED
    assert held.contact_attempts == 0
    assert not held.events.filter(kind=LeadEvent.Kind.RESULT).exists()


def test_released_then_served_to_a_colleague_still_reads_as_released(
    held, phoner, other_phoner, manager, campaign
):
    release_lead(held, manager)
    next_lead(other_phoner, campaign)

    with pytest.raises(LeadReleased):
        save_result(held, phoner, Status.SUCCESS)


def test_manager_release_puts_the_lead_back_to_its_former_status(
    campaign, phoner, manager
):
    make_lead(campaign, Status.COMMON_REDIAL, next_contact_at=NOW)
    lead = next_lead(phoner, campaign)

    lead = release_lead(lead, manager)

    assert lead.status == Status.COMMON_REDIAL
    assert lead.held_by is None
    assert lead.events.filter(kind=LeadEvent.Kind.MANAGER).exists()


def test_releasing_a_lead_nobody_holds_is_refused(campaign, manager):
    lead = make_lead(campaign)

    with pytest.raises(LeadNotHeld):
        release_lead(lead, manager)


def test_phoner_cannot_release_a_lead(held, phoner):
    with pytest.raises(PermissionDenied):
        release_lead(held, phoner)


def test_manager_reassigns_a_private_callback(campaign, phoner, other_phoner, manager):
    lead = make_lead(
        campaign, Status.PRIVATE_REDIAL, next_contact_at=TOMORROW, owner=phoner
    )

    lead = reassign_owner(lead, other_phoner, manager)

    assert lead.owner == other_phoner
    event = lead.events.get(kind=LeadEvent.Kind.MANAGER)
    assert "Per" in event.note and "Pia" in event.note


def test_only_callbacks_with_an_owner_can_be_reassigned(
    campaign, other_phoner, manager
):
    lead = make_lead(campaign, Status.COMMON_REDIAL, next_contact_at=TOMORROW)

    with pytest.raises(InvalidResult):
        reassign_owner(lead, other_phoner, manager)


def test_callback_time_is_read_in_the_client_zone():
    moment = parse_callback_time("2026-05-05T14:00", COPENHAGEN)

    assert moment.astimezone(UTC) == datetime(2026, 5, 5, 12, 0, tzinfo=UTC)


def test_callback_time_in_winter_uses_winter_offset():
    moment = parse_callback_time("2026-12-01T14:00", COPENHAGEN)

    assert moment.astimezone(UTC) == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)


def test_callback_time_skipped_by_spring_forward_is_refused():
    with pytest.raises(InvalidCallbackTime, match="does not exist"):
        parse_callback_time("2026-03-29T02:30", COPENHAGEN)


def test_callback_time_repeated_by_fall_back_is_refused():
    with pytest.raises(InvalidCallbackTime, match="happens twice"):
        parse_callback_time("2026-10-25T02:30", COPENHAGEN)


def test_callback_times_around_the_changes_are_accepted():
    before = parse_callback_time("2026-03-29T01:59", COPENHAGEN)
    after = parse_callback_time("2026-03-29T03:00", COPENHAGEN)

    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(minutes=1)


def test_garbled_callback_time_says_how_to_write_it():
    with pytest.raises(InvalidCallbackTime, match="e.g."):
        parse_callback_time("tomorrow at two", COPENHAGEN)
