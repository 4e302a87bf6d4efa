"""The upload in steps, through the pages a manager uses."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Lead
from leads.models import Contact, ContactImport, LeadPool
from tests.leads.conftest import CASES

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, name: str = "contacts.csv"):
    return client.post(
        reverse("leads:import-upload"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def start_data(contact_import: ContactImport, **changes) -> dict:
    headers = contact_import.options["headers"]
    from leads.importing import guess_mapping

    data = {f"column_{i}": target for i, target in enumerate(guess_mapping(headers))}
    data.update(
        {
            "campaign": "",
            "pool": "",
            "new_pool_name": "Spring leads",
            "default_country": "DK",
            "check_against": "all",
        }
    )
    data.update(changes)
    return data


def run_upload(client, content: bytes, capture, name="contacts.csv", **changes):
    response = upload(client, content, name)
    assert response.status_code == 302, response.content.decode()
    contact_import = ContactImport.objects.get()
    with capture(execute=True):
        response = client.post(
            reverse("leads:import-start", args=[contact_import.pk]),
            start_data(contact_import, **changes),
        )
    assert response.status_code == 302, response.content.decode()
    contact_import.refresh_from_db()
    return contact_import


def test_phoner_cannot_open_the_upload_page(client, phoner):
    client.force_login(phoner)

    response = client.get(reverse("leads:import-list"))

    assert response.status_code == 403


def test_preview_shows_encoding_delimiter_mapping_and_rows(manager_client):
    content = (CASES / "semicolon_cp1252.csv").read_bytes()

    response = upload(manager_client, content, "danish.csv")
    contact_import = ContactImport.objects.get()
    page = manager_client.get(response["Location"])

    assert response["Location"] == reverse(
        "leads:import-preview", args=[contact_import.pk]
    )
    assert contact_import.state == ContactImport.State.PREVIEW
    html = page.content.decode()
    assert "Windows-1252 (cp1252)" in html
    assert "semicolon" in html
    assert "Ønsker tilbud – ring efter kl. 16" in html
    assert "Vestergade 1, 2. tv" in html
    assert '<option value="first_name" selected>' in html
    assert not Contact.objects.exists()


def test_whole_flow_upload_preview_run_progress_report(
    manager_client, manager, django_capture_on_commit_callbacks
):
    content = (CASES / "duplicates_formatting.csv").read_bytes()

    contact_import = run_upload(
        manager_client, content, django_capture_on_commit_callbacks
    )
    page = manager_client.get(reverse("leads:import-detail", args=[contact_import.pk]))
    partial = manager_client.get(
        reverse("leads:import-detail", args=[contact_import.pk]),
        HTTP_HX_REQUEST="true",
    )
    listing = manager_client.get(reverse("leads:import-list"))

    assert contact_import.state == ContactImport.State.DONE
    assert (contact_import.imported, contact_import.duplicates) == (5, 5)
    assert contact_import.uploaded_by == manager
    assert contact_import.pool.name == "Spring leads"
    assert Contact.objects.filter(pool__name="Spring leads").count() == 5
    html = page.content.decode()
    assert "<html" in html and "Rows not imported" in html
    assert "Same phone as row 1 of this file" in html
    assert "<html" not in partial.content.decode()
    assert 'id="import-status"' in partial.content.decode()
    assert "hx-trigger" not in partial.content.decode()
    assert "duplicates_formatting" not in listing.content.decode()
    assert "contacts.csv" in listing.content.decode()
    assert "Spring leads" in listing.content.decode()


def test_progress_partial_polls_while_the_import_waits(manager_client):
    pool = LeadPool.objects.create(name="Waiting")
    contact_import = ContactImport.objects.create(
        pool=pool,
        file_name="big.csv",
        state=ContactImport.State.RUNNING,
        total_rows=1000,
        rows_done=250,
    )

    response = manager_client.get(
        reverse("leads:import-detail", args=[contact_import.pk]),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "250 of 1000 rows" in html
    assert 'aria-valuenow="25"' in html


def test_changed_mapping_is_used_by_the_import(
    manager_client, django_capture_on_commit_callbacks
):
    content = b"Telefon,Kundenr,Info\r\n20123456,K-1,Kunde siden 2019\r\n"

    contact_import = run_upload(
        manager_client,
        content,
        django_capture_on_commit_callbacks,
        column_1="ignore",
        column_2="notes",
    )

    contact = Contact.objects.get()
    assert contact_import.state == ContactImport.State.DONE
    assert contact.phone == "+4520123456"
    assert contact.notes == "Kunde siden 2019"
    assert contact.extra == {}


def test_unknown_header_is_kept_as_extra_field(
    manager_client, django_capture_on_commit_callbacks
):
    content = b"Telefon;Kundenr\r\n20123456;K-1\r\n"

    run_upload(manager_client, content, django_capture_on_commit_callbacks)

    assert Contact.objects.get().extra == {"Kundenr": "K-1"}


def test_two_columns_mapped_to_one_field_are_refused_in_the_preview(
    manager_client,
):
    upload(manager_client, b"phone,Mobil\r\n20123456,31234567\r\n")
    contact_import = ContactImport.objects.get()

    response = manager_client.post(
        reverse("leads:import-start", args=[contact_import.pk]),
        start_data(contact_import),
    )

    assert response.status_code == 400
    assert "both map to Phone" in response.content.decode()
    contact_import.refresh_from_db()
    assert contact_import.state == ContactImport.State.PREVIEW


def test_upload_into_a_campaign_makes_leads_in_the_default_pool(
    manager_client, campaign, django_capture_on_commit_callbacks
):
    content = (CASES / "bom_utf8.csv").read_bytes()

    contact_import = run_upload(
        manager_client,
        content,
        django_capture_on_commit_callbacks,
        campaign=str(campaign.pk),
        new_pool_name="",
    )

    assert contact_import.pool == LeadPool.default()
    assert Lead.objects.filter(campaign=campaign).count() == 3
    assert contact_import.options["campaign_name"] == campaign.name


def test_duplicate_check_can_be_narrowed_to_chosen_pools(
    manager_client, django_capture_on_commit_callbacks
):
    customers = LeadPool.objects.create(name="Customers")
    other = LeadPool.objects.create(name="Old leads")
    Contact.objects.create(pool=customers, phone="+4526123456")
    Contact.objects.create(pool=other, phone="+4527123456")
    content = (CASES / "bom_utf8.csv").read_bytes()

    contact_import = run_upload(
        manager_client,
        content,
        django_capture_on_commit_callbacks,
        check_against="chosen",
        check_pools=[str(customers.pk)],
    )

    assert (contact_import.imported, contact_import.duplicates) == (2, 1)
    issue = contact_import.issues.get()
    assert issue.code == "ROW_DUPLICATE_EXISTING"
    assert "Customers" in issue.message


def test_rejected_rows_download_is_excel_safe(
    manager_client, django_capture_on_commit_callbacks
):
    content = (
        b"first_name,phone,notes\r\n"
        b'=HYPERLINK("x"),12 34 56 78,-2+3\r\n'
        b"Anna,20123456,ok\r\n"
    )
    contact_import = run_upload(
        manager_client, content, django_capture_on_commit_callbacks
    )

    response = manager_client.get(
        reverse("leads:import-issues-csv", args=[contact_import.pk])
    )

    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["first_name", "phone", "notes", "reason"]
    assert rows[1][:3] == ['\'=HYPERLINK("x")', "12 34 56 78", "'-2+3"]
    assert "ROW_INVALID_PHONE" in rows[1][3]
    assert len(rows) == 2
    assert Contact.objects.get().first_name == "Anna"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "leads.csv", "Excel workbook"),
        (b"\x00\x01\x02binary\x00" * 20, "leads.csv", "not text"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(
    manager_client, content, name, message
):
    response = upload(manager_client, content, name)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ContactImport.objects.exists()


def test_file_over_the_size_limit_is_refused(manager_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1

    response = upload(manager_client, b"phone\r\n" + b"20123456\r\n" * 120_000)

    assert response.status_code == 400
    assert "at most 1 MB" in response.content.decode()
    assert not ContactImport.objects.exists()


def test_file_without_phone_column_is_rejected_after_the_preview(
    manager_client,
):
    upload(manager_client, b"name,city\r\nAnna,Aarhus\r\n")
    contact_import = ContactImport.objects.get()

    response = manager_client.post(
        reverse("leads:import-start", args=[contact_import.pk]),
        start_data(contact_import),
    )

    assert response.status_code == 400
    assert "No column holds phone numbers" in response.content.decode()


def test_unterminated_quote_in_the_first_rows_is_refused_at_upload(
    manager_client,
):
    content = (CASES / "unbalanced_quote.csv").read_bytes()

    response = upload(manager_client, content)

    assert response.status_code == 400
    assert "line 3, column 2 (last_name) is never closed" in response.content.decode()
    assert not ContactImport.objects.exists()


def test_unterminated_quote_after_the_preview_fails_the_whole_import(
    manager_client, django_capture_on_commit_callbacks
):
    good = "".join(f"Name {i},2012{i:04d}\r\n" for i in range(30))
    content = f'name,phone\r\n{good}"Broken,20999999\r\nLast,20888888\r\n'

    contact_import = run_upload(
        manager_client, content.encode(), django_capture_on_commit_callbacks
    )
    page = manager_client.get(reverse("leads:import-detail", args=[contact_import.pk]))

    assert contact_import.state == ContactImport.State.FAILED
    assert contact_import.file_error["line"] == 32
    assert "nothing was imported" in page.content.decode()
    assert "line 32, column 1 (name)" in page.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("semicolon_cp1252.csv", (3, 0, 0, 0)),
        ("bom_utf8.csv", (3, 0, 0, 0)),
        ("excel_sci_notation.csv", (3, 3, 0, 0)),
        ("mixed_phone_formats.csv", (13, 4, 0, 0)),
        ("duplicates_formatting.csv", (5, 0, 5, 0)),
        ("excel_trailing_junk.csv", (3, 1, 0, 5)),
    ],
)
def test_every_sample_file_gives_its_expected_counts_on_the_web(
    manager_client, django_capture_on_commit_callbacks, name, expected
):
    content = (CASES / name).read_bytes()

    contact_import = run_upload(
        manager_client, content, django_capture_on_commit_callbacks, name=name
    )

    assert contact_import.state == ContactImport.State.DONE
    assert (
        contact_import.imported,
        contact_import.rejected,
        contact_import.duplicates,
        contact_import.skipped_blank,
    ) == expected
    assert Contact.objects.count() == expected[0]


def test_preview_of_a_lost_file_sends_the_manager_back_to_upload(manager_client):
    upload(manager_client, b"phone\r\n20123456\r\n")
    contact_import = ContactImport.objects.get()
    contact_import.file.delete(save=False)

    response = manager_client.get(
        reverse("leads:import-preview", args=[contact_import.pk]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("leads:import-list")
    assert "can no longer be read" in response.content.decode()


def test_upload_into_a_campaign_and_a_pool_at_once_is_refused(manager_client, campaign):
    pool = LeadPool.objects.create(name="Spring leads")
    upload(manager_client, (CASES / "bom_utf8.csv").read_bytes())
    contact_import = ContactImport.objects.get()

    response = manager_client.post(
        reverse("leads:import-start", args=[contact_import.pk]),
        start_data(contact_import, campaign=str(campaign.pk), pool=str(pool.pk)),
    )

    contact_import.refresh_from_db()
    assert "Choose a campaign or a pool, not both" in response.content.decode()
    assert contact_import.state == ContactImport.State.PREVIEW
    assert Contact.objects.count() == 0
