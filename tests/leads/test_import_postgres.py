"""The PostgreSQL import path: contacts copied batch by batch from a writer
thread inside one transaction, existing duplicates looked up on a second
connection. Run outside a test transaction, as a worker runs it."""

import pytest

from leads import importing
from leads.models import Contact, ImportIssue, LeadPool

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FILE = (
    "Navn;Telefon;Email\r\n"
    "Anna;20123456;anna@example.dk\r\n"
    "Bo;31234567;KNOWN@example.dk\r\n"
    "Carl;40123456;carl@example.dk\r\n"
    "Dorte;41234567;\r\n"
    "Eva;20 12 34 56;eva@example.dk\r\n"
    "Finn;50123456;known@example.dk\r\n"
    "Gitte;42123456;gitte@example.dk\r\n"
)


@pytest.fixture
def small_batches(monkeypatch):
    # Several batches, so the writer thread and the lookup overlap.
    monkeypatch.setattr(importing, "BATCH_ROWS", 2)


def test_existing_duplicates_in_later_batches_name_the_contact_and_pool(
    run_command, write_csv, small_batches
):
    customers = LeadPool.objects.create(name="Customers")
    by_phone = Contact.objects.create(pool=customers, phone="+4542123456")
    by_email = Contact.objects.create(
        pool=customers, phone="+4560000000", email="known@example.dk"
    )

    _, report = run_command(write_csv(FILE), "--pool", "New")

    codes = {row["row"]: (row["code"], row["message"]) for row in report["rows"]}
    assert (report["imported"], report["duplicates"]) == (3, 4)
    assert codes[2][0] == "ROW_DUPLICATE_EXISTING"
    assert f"#{by_email.pk}" in codes[2][1] and "'Customers'" in codes[2][1]
    assert codes[5][0] == "ROW_DUPLICATE_IN_FILE"
    assert "row 1 " in codes[5][1]
    assert codes[6][0] == "ROW_DUPLICATE_EXISTING"
    assert codes[7][0] == "ROW_DUPLICATE_EXISTING"
    assert f"#{by_phone.pk}" in codes[7][1]


def test_contacts_keep_the_file_order_and_link_to_their_import(
    run_command, write_csv, small_batches
):
    _, report = run_command(write_csv(FILE), "--pool", "New")

    contacts = list(Contact.objects.filter(pool__name="New").order_by("id"))
    assert [c.name for c in contacts] == ["Anna", "Bo", "Carl", "Dorte", "Gitte"]
    assert len({c.contact_import_id for c in contacts}) == 1
    assert contacts[0].contact_import_id is not None
    assert contacts[1].email_key == "known@example.dk"
    issues = ImportIssue.objects.filter(contact_import_id=contacts[0].contact_import_id)
    assert [(i.row, i.code) for i in issues] == [
        (5, "ROW_DUPLICATE_IN_FILE"),
        (6, "ROW_DUPLICATE_IN_FILE"),
    ]
    assert report["imported"] == 5


def test_checking_only_named_pools_ignores_contacts_elsewhere(
    run_command, write_csv, small_batches
):
    LeadPool.objects.create(name="Customers")
    old = LeadPool.objects.create(name="Old")
    Contact.objects.create(pool=old, phone="+4542123456")

    _, report = run_command(
        write_csv(FILE), "--pool", "New", "--check-pools", "Customers"
    )

    assert (report["imported"], report["duplicates"]) == (5, 2)
