"""Imports left pending (their message lost) are queued again by beat."""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.utils import timezone

from leads.models import Contact, ContactImport, LeadPool
from leads.tasks import IMPORT_LOCK, import_contacts, requeue_pending_imports

FILE = b"Navn;Telefon\r\nIb;20120001\r\nAnn;20120002\r\n"


@contextmanager
def import_lock_held_elsewhere(import_id: int):
    """Another connection holds the import's lock, as a running worker does."""
    held = threading.Event()
    release = threading.Event()

    def hold_the_import_lock():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_lock(%s, %s)", [IMPORT_LOCK, import_id]
                )
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=hold_the_import_lock)
    worker.start()
    held.wait(10)
    try:
        yield
    finally:
        release.set()
        worker.join()


def pending_import(name: str, state=ContactImport.State.PENDING) -> ContactImport:
    contact_import = ContactImport.objects.create(
        pool=LeadPool.objects.get_or_create(name="Leads")[0],
        file_name=name,
        state=state,
    )
    contact_import.file.save(name, ContentFile(FILE))
    return contact_import


def requeue_two_minutes_later() -> int:
    """Run beat's requeue task as it would run two minutes from now."""
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        return requeue_pending_imports.delay().get()


@pytest.mark.django_db
def test_import_pending_over_a_minute_is_queued_and_runs():
    stale = pending_import("stale.csv")

    queued = requeue_two_minutes_later()

    stale.refresh_from_db()
    assert queued == 1
    assert stale.state == ContactImport.State.DONE
    assert Contact.objects.count() == 2


@pytest.mark.django_db
def test_import_just_started_or_not_pending_is_left_alone():
    fresh = pending_import("fresh.csv")
    with time_machine.travel(timezone.now() - timedelta(minutes=5)):
        previewed = pending_import("mapping.csv", ContactImport.State.PREVIEW)

    queued = requeue_pending_imports.delay().get()

    fresh.refresh_from_db()
    previewed.refresh_from_db()
    assert queued == 0
    assert fresh.state == ContactImport.State.PENDING
    assert previewed.state == ContactImport.State.PREVIEW
    assert Contact.objects.count() == 0


@pytest.mark.django_db
def test_requeue_running_twice_imports_the_file_once():
    stale = pending_import("stale.csv")

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        first = requeue_pending_imports.delay().get()
        second = requeue_pending_imports.delay().get()
    import_contacts.delay(stale.pk)

    stale.refresh_from_db()
    assert (first, second) == (1, 0)
    assert stale.imported == 2
    assert Contact.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_second_message_for_a_running_import_waits_instead_of_importing():
    contact_import = pending_import("busy.csv")

    with import_lock_held_elsewhere(contact_import.pk), pytest.raises(Retry):
        import_contacts.delay(contact_import.pk)

    contact_import.refresh_from_db()
    assert connection.vendor == "postgresql"
    assert contact_import.state == ContactImport.State.PENDING
    assert Contact.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_running_import_whose_worker_died_is_queued_again():
    orphan = pending_import("orphan.csv", ContactImport.State.RUNNING)

    queued = requeue_two_minutes_later()

    orphan.refresh_from_db()
    assert queued == 1
    assert orphan.state == ContactImport.State.DONE
    assert Contact.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_running_import_a_worker_still_holds_is_left_alone():
    busy = pending_import("busy.csv", ContactImport.State.RUNNING)

    with (
        import_lock_held_elsewhere(busy.pk),
        time_machine.travel(timezone.now() + timedelta(minutes=2)),
    ):
        queued = requeue_pending_imports.delay().get()

    busy.refresh_from_db()
    assert queued == 0
    assert busy.state == ContactImport.State.RUNNING
    assert Contact.objects.count() == 0
