"""Real concurrency on PostgreSQL: threads, each with its own connection."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.utils import OperationalError

from adversus.models import User
from campaigns.models import Lead, LeadEvent, Status
from campaigns.services import add_contacts_to_campaign
from dialer.services import LeadReleased, next_lead, release_lead, save_result
from leads.models import Contact, LeadPool
from tests.conftest import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEADS = 200
PHONERS = 8


def fill(campaign, count: int) -> None:
    pool = LeadPool.objects.create(name="Concurrency")
    Contact.objects.bulk_create(
        Contact(pool=pool, phone=f"+45{30_000_000 + i}") for i in range(count)
    )
    add_contacts_to_campaign(campaign, pool.contacts.all())


def work_the_queue(phoner: User, campaign, served: list, errors: list) -> None:
    try:
        with connection.cursor() as cursor:
            # A claim that waits on another's row lock fails loudly here.
            cursor.execute("SET lock_timeout = '100ms'")
        while (lead := next_lead(phoner, campaign)) is not None:
            served.append(lead.pk)
            save_result(lead, phoner, Status.NOT_INTERESTED)
    except Exception as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
    finally:
        connection.close()


def test_concurrent_phoners_never_get_the_same_lead(campaign):
    phoners = [make_user(f"caller{i}", User.Role.PHONER) for i in range(PHONERS)]
    campaign.phoners.add(*phoners)
    fill(campaign, LEADS)
    served: list[int] = []
    errors: list[Exception] = []

    threads = [
        threading.Thread(target=work_the_queue, args=(p, campaign, served, errors))
        for p in phoners
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(served) == LEADS
    assert [pk for pk, n in Counter(served).items() if n > 1] == []
    served_events = LeadEvent.objects.filter(kind=LeadEvent.Kind.SERVED)
    assert served_events.count() == LEADS
    assert (
        not Lead.objects.filter(campaign=campaign)
        .exclude(status=Status.NOT_INTERESTED)
        .exists()
    )


def test_save_waiting_on_a_release_sees_the_release(campaign, phoner, manager):
    fill(campaign, 1)
    lead = next_lead(phoner, campaign)
    locked = threading.Event()

    def release_slowly() -> None:
        try:
            with transaction.atomic():
                release_lead(lead, manager)
                locked.set()
                wait_until_someone_waits_on_a_lock()
        finally:
            connection.close()

    releaser = threading.Thread(target=release_slowly)
    releaser.start()
    locked.wait(timeout=10)

    with pytest.raises(LeadReleased):
        save_result(lead, phoner, Status.SUCCESS, note="Sold")
    releaser.join()

    lead.refresh_from_db()
    assert (lead.status, lead.contact_attempts) == (Status.UNPROCESSED, 0)


def wait_until_someone_waits_on_a_lock() -> None:
    """Poll pg_stat_activity until a backend is blocked on a row lock."""
    with connection.cursor() as cursor:
        for _ in range(2000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            cursor.execute("SELECT pg_sleep(0.005)")
    raise AssertionError("the save never waited on the release's row lock")


def test_lock_timeout_is_what_a_waiting_claim_would_hit(campaign, phoner):
    """Guards the first test: a claim without SKIP LOCKED would time out."""
    fill(campaign, 1)
    lead_id = Lead.objects.get(campaign=campaign).pk
    locked = threading.Event()
    done = threading.Event()

    def hold_row() -> None:
        try:
            with transaction.atomic():
                Lead.objects.select_for_update().get(pk=lead_id)
                locked.set()
                done.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_row)
    holder.start()
    locked.wait(timeout=10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '100ms'")
        with pytest.raises(OperationalError), transaction.atomic():
            Lead.objects.select_for_update().get(pk=lead_id)
        served = next_lead(phoner, campaign)
    finally:
        done.set()
        holder.join()

    assert served is None
