"""A crash or a killed worker leaves nothing behind; a retry never doubles."""

import threading
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from campaigns.models import Lead
from leads import importing
from leads.models import Contact, ContactImport, ImportIssue, LeadPool
from leads.tasks import import_contacts

ROWS = "".join(f"Navn {i};2012{i:04d}\r\n" for i in range(50))
FILE = ("Navn;Telefon\r\n" + ROWS + "Dup;20120000\r\nBad;123\r\n").encode()


@pytest.fixture
def queued_import():
    def make(**options) -> ContactImport:
        contact_import = ContactImport.objects.create(
            pool=LeadPool.objects.create(name="Leads"),
            file_name="leads.csv",
            state=ContactImport.State.PENDING,
            options=options,
        )
        contact_import.file.save("leads.csv", ContentFile(FILE))
        return contact_import

    return make


def result(contact_import: ContactImport) -> tuple:
    contact_import.refresh_from_db()
    return (
        contact_import.state,
        contact_import.imported,
        contact_import.rejected,
        contact_import.duplicates,
        Contact.objects.count(),
        ImportIssue.objects.count(),
    )


@pytest.mark.django_db(transaction=True)
def test_crash_while_writing_leaves_no_contacts_or_leads(queued_import, campaign):
    contact_import = queued_import(campaign_id=campaign.pk)

    with (
        mock.patch.object(
            importing.Importer,
            "_insert_issues",
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        import_contacts.delay(contact_import.pk)

    contact_import.refresh_from_db()
    assert contact_import.state == ContactImport.State.FAILED
    assert contact_import.file_error["code"] == "IMPORT_CRASHED"
    assert not Contact.objects.exists()
    assert not Lead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_crash_after_some_batches_leaves_no_contacts(queued_import, monkeypatch):
    contact_import = queued_import()
    monkeypatch.setattr(importing, "BATCH_ROWS", 10)
    monkeypatch.setattr(importing, "PROGRESS_EVERY_SECONDS", 0)
    real_write = importing.Stage.write
    calls = []

    def write_then_fail(self, contacts, issues, *rest):
        calls.append(len(contacts))
        if len(calls) == 3:
            raise RuntimeError("worker lost its database")
        real_write(self, contacts, issues, *rest)

    monkeypatch.setattr(importing.Stage, "write", write_then_fail)

    with pytest.raises(RuntimeError):
        import_contacts.delay(contact_import.pk)

    assert len(calls) == 3
    assert not Contact.objects.exists()
    assert ContactImport.objects.get().rows_done == 20


@pytest.mark.django_db(transaction=True)
def test_task_delivered_again_after_a_killed_worker_gives_the_same_result(
    queued_import, campaign
):
    contact_import = queued_import(campaign_id=campaign.pk)
    import_contacts.delay(contact_import.pk)
    first = result(contact_import)
    # A worker killed after the commit, before the acknowledgement: the
    # message comes back while the import still says it is running.
    ContactImport.objects.filter(pk=contact_import.pk).update(
        state=ContactImport.State.RUNNING
    )

    import_contacts.delay(contact_import.pk)

    assert first == (ContactImport.State.DONE, 50, 1, 1, 50, 2)
    assert result(contact_import) == first
    assert Lead.objects.filter(campaign=campaign).count() == 50


@pytest.mark.django_db
def test_task_for_a_finished_import_changes_nothing(queued_import):
    contact_import = queued_import()
    import_contacts.delay(contact_import.pk)
    before = result(contact_import)
    Contact.objects.update(first_name="Edited")

    import_contacts.delay(contact_import.pk)

    assert result(contact_import) == before
    assert set(Contact.objects.values_list("first_name", flat=True)) == {"Edited"}


@pytest.mark.django_db
def test_task_for_a_deleted_import_does_nothing(queued_import):
    contact_import = queued_import()
    contact_import.delete()

    import_contacts.delay(contact_import.pk)

    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_campaign_deleted_before_the_task_runs_fails_the_import(
    queued_import, campaign
):
    contact_import = queued_import(campaign_id=campaign.pk)
    campaign.delete()

    import_contacts.delay(contact_import.pk)

    contact_import.refresh_from_db()
    assert contact_import.state == ContactImport.State.FAILED
    assert contact_import.file_error["code"] == "IMPORT_CAMPAIGN_GONE"
    assert not Contact.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_others_see_progress_but_no_contacts_until_the_import_commits(
    queued_import, monkeypatch
):
    contact_import = queued_import()
    monkeypatch.setattr(importing, "BATCH_ROWS", 10)
    monkeypatch.setattr(importing, "PROGRESS_EVERY_SECONDS", 0)
    real_process = importing.Importer._process
    seen = []

    def look_from_another_connection():
        seen.append(
            (
                ContactImport.objects.get(pk=contact_import.pk).rows_done,
                Contact.objects.count(),
            )
        )
        connection.close()

    def process_and_look(self, checker, batch):
        real_process(self, checker, batch)
        if self.counts.rows_done == 20:
            thread = threading.Thread(target=look_from_another_connection)
            thread.start()
            thread.join()

    monkeypatch.setattr(importing.Importer, "_process", process_and_look)

    import_contacts.delay(contact_import.pk)

    assert seen == [(20, 0)]
    assert Contact.objects.count() == 50
