"""Uploads that are too big, not text, or named to escape the media folder.

Each is refused with a message that says what to do, stores nothing, and
leaves no file behind.
"""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.models import ContactImport

GOOD_CSV = "Telefon;Fornavn\r\n20 12 34 56;Ib\r\n".encode("cp1252")


def upload(client, name: str, content: bytes):
    return client.post(
        reverse("leads:import-upload"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def stored_files(settings) -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [path for path in media.rglob("*") if path.is_file()]


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_file_over_the_size_limit_is_refused_with_the_limit(manager_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    content = GOOD_CSV + b"20 12 34 57;Bo\r\n" * 80_000

    response = upload(manager_client, "big.csv", content)

    assert response.status_code == 400
    assert "at most 1 MB" in response.content.decode()
    assert not ContactImport.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        ("contacts.csv", xlsx_bytes()),
        ("contacts.csv", b"\x00\x01\x02\x03" * 100),
    ],
    ids=["png", "xlsx-renamed", "binary"],
)
def test_file_that_is_not_text_is_refused_and_not_kept(
    manager_client, settings, name, content
):
    response = upload(manager_client, name, content)

    assert response.status_code == 400
    page = response.content.decode()
    assert "errorlist" in page
    assert not ContactImport.objects.exists()
    assert stored_files(settings) == []


def test_empty_file_is_refused_with_a_hint(manager_client, settings):
    response = upload(manager_client, "empty.csv", b"")

    assert response.status_code == 400
    assert "The file is empty" in response.content.decode()
    assert stored_files(settings) == []


def test_upload_without_a_file_asks_for_one(manager_client):
    response = manager_client.post(reverse("leads:import-upload"), {})

    assert response.status_code == 400
    assert "Choose a CSV file" in response.content.decode()


def test_file_name_cannot_place_the_file_outside_the_media_folder(
    manager_client, settings
):
    response = upload(manager_client, "../../../../tmp/evil.csv", GOOD_CSV)

    assert response.status_code == 302
    contact_import = ContactImport.objects.get()
    stored = Path(contact_import.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert contact_import.file_name == "evil.csv"


def test_markup_in_a_file_name_is_shown_as_text(manager_client):
    upload(manager_client, "<img src=x onerror=alert(1)>.csv", GOOD_CSV)

    listing = manager_client.get(reverse("leads:import-list"))

    assert b"<img src=x onerror" not in listing.content
    assert b"&lt;img src=x onerror=alert(1)&gt;" in listing.content


HOSTILE_ROWS = (
    "Telefon;Fornavn;Note\r\n"
    '<script>alert(1)</script>;=HYPERLINK("http://example.invalid");@SUM(A1)\r\n'
    "20 12 34 56;<img src=x onerror=alert(2)>;-1+1\r\n"
)


def test_import_report_and_its_csv_keep_hostile_cells_harmless(
    manager_client, django_capture_on_commit_callbacks
):
    upload(manager_client, "hostile.csv", HOSTILE_ROWS.encode("cp1252"))
    contact_import = ContactImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("leads:import-start", args=[contact_import.pk]),
            {
                "new_pool_name": "Hostile",
                "default_country": "DK",
                "check_against": "all",
                "column_0": "phone",
                "column_1": "first_name",
                "column_2": "notes",
            },
        )

    report = manager_client.get(
        reverse("leads:import-detail", args=[contact_import.pk])
    )
    rejected = manager_client.get(
        reverse("leads:import-issues-csv", args=[contact_import.pk])
    )

    assert report.status_code == 200
    assert b"<script>alert(1)" not in report.content
    assert b"ROW_INVALID_PHONE" in report.content
    rows = csv.reader(io.StringIO(rejected.content.decode("utf-8-sig")), delimiter=";")
    cells = [cell for row in list(rows)[1:] for cell in row]
    assert "'@SUM(A1)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
