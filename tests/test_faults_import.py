"""Imports when the machinery around them fails.

A broker may deliver a task twice (a redelivery after a lost worker, a
requeue of an import that looked stuck, a visibility timeout shorter than
the import); every delivery together must leave one copy of the file.
"""

import threading
from pathlib import Path

import pytest
from celery.exceptions import MaxRetriesExceededError, Retry
from django.db import connection

from leads.importing import run_import
from leads.management.commands.bench_import import write_file
from leads.models import Contact, ContactImport, LeadPool
from leads.tasks import import_contacts


def pending_import(settings, rows: int) -> tuple[ContactImport, dict]:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    expected = write_file(folder / "contacts.csv", rows)
    contact_import = ContactImport.objects.create(
        pool=LeadPool.default(), file="imports/contacts.csv", file_name="contacts.csv"
    )
    return contact_import, expected


def deliver(import_id: int, errors: list, start: threading.Barrier) -> None:
    try:
        start.wait()
        import_contacts.apply((import_id,))
    except Exception as error:  # noqa: BLE001 - reported to the test thread
        errors.append(error)
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_import_at_once_leave_one_copy(settings):
    contact_import, expected = pending_import(settings, 30_000)
    errors: list[Exception] = []
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=deliver, args=(contact_import.pk, errors, start))
        for _ in range(2)
    ]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    import_contacts.apply((contact_import.pk,))

    contact_import.refresh_from_db()
    # The second delivery is told to come back later (a retry), never to
    # import alongside the first.
    assert len(errors) == 1
    assert isinstance(errors[0], Retry | MaxRetriesExceededError)
    assert contact_import.state == ContactImport.State.DONE
    assert contact_import.imported == expected["imported"]
    assert Contact.objects.count() == expected["imported"]
    assert Contact.objects.values("phone").distinct().count() == expected["imported"]


@pytest.mark.django_db
def test_running_a_finished_import_again_gives_the_same_contacts(settings):
    contact_import, expected = pending_import(settings, 2_000)
    run_import(contact_import)
    first = sorted(Contact.objects.values_list("phone", flat=True))

    again = run_import(contact_import)

    assert again.imported == expected["imported"]
    assert sorted(Contact.objects.values_list("phone", flat=True)) == first
