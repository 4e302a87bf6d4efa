"""Files built to hurt the import: huge cells, odd sep= lines, exotic
whitespace, unnamed columns the manager maps, C1 controls in refused rows."""

import csv
import io
from html import unescape

import pytest
from django.urls import reverse

from leads.models import Contact, ImportIssue
from tests.leads.test_import_web import run_upload, upload

pytestmark = pytest.mark.django_db


def test_a_phone_cell_of_spaces_is_refused_at_once_with_a_short_message(
    run_command, write_csv
):
    # Quadratic backtracking made a cell like this take many minutes.
    cell = "2" + " " * 200_000 + "x"
    status, report = run_command(
        write_csv(f"Navn;Telefon\r\nIb;{cell}\r\nBo;20123456\r\n"), "--pool", "P"
    )

    assert (status, report["imported"], report["rejected"]) == (0, 1, 1)
    [row] = report["rows"]
    assert row["code"] == "ROW_INVALID_PHONE"
    assert "200002 characters long" in row["message"]
    assert len(row["message"]) < 200


def test_a_note_longer_than_the_csv_module_default_is_imported(run_command, write_csv):
    note = "x" * 300_000
    status, report = run_command(
        write_csv(
            f'Navn;Telefon;Note\r\nIb;20123456;"{note}"\r\nBo;31234567;{note}\r\n'
        ),
        "--pool",
        "P",
    )

    assert (status, report["imported"], report["file_error"]) == (0, 2, None)
    assert {len(c.notes) for c in Contact.objects.all()} == {300_000}


@pytest.mark.parametrize(
    ("sep", "label"), [(" ", "space"), ("\\", "'\\'"), ("€", "'€'"), (":", "':'")]
)
def test_a_sep_line_naming_an_unusual_character_is_previewed_and_used(
    manager_client,
    django_capture_on_commit_callbacks,
    sep,
    label,
):
    content = f"sep={sep}\r\nNavn{sep}Telefon\r\nIb{sep}20123456\r\n".encode()

    response = upload(manager_client, content)
    page = manager_client.get(response["Location"])

    assert page.status_code == 200
    assert f"<strong>{label}</strong>" in unescape(page.content.decode())


@pytest.mark.parametrize("sep", ['"', "a", "7"])
def test_a_sep_line_naming_a_quote_or_letter_is_refused_clearly(
    manager_client,
    sep,
):
    content = f"sep={sep}\r\nNavn;Telefon\r\nIb;20123456\r\n".encode()

    response = upload(manager_client, content)

    assert response.status_code == 400
    assert "cannot be one" in response.content.decode()
    assert "sep=;" in response.content.decode()


def test_rows_of_exotic_whitespace_are_blank_and_names_are_trimmed(
    run_command, write_csv
):
    spaces = "\u2002\u2007\u202f\u2009\u205f\u200e"
    content = (
        "Navn;Telefon\r\n"
        f"{spaces};\u2003\r\n"
        f"\u2002Ann\u2003;20123456\r\n"
        f"\u202fHolm\u2009\u200f;31234567\r\n"
    )

    status, report = run_command(write_csv(content), "--pool", "P")

    assert (report["imported"], report["skipped_blank"], report["rejected"]) == (
        2,
        1,
        0,
    )
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Ann", "Holm"]


def test_an_email_with_a_direction_mark_is_the_same_address(run_command, write_csv):
    content = (
        "Navn;Telefon;Email\r\n"
        "Ann;20123456;ann@example.dk\r\n"
        "Ann igen;31234567;ann@example.dk\u200e\r\n"
    )

    status, report = run_command(write_csv(content), "--pool", "P")

    assert (report["imported"], report["duplicates"]) == (1, 1)


def test_a_column_without_header_that_the_manager_maps_is_imported(
    manager_client,
    django_capture_on_commit_callbacks,
):
    content = b"phone,,first_name\r\n20123456,VIP,Ann\r\n31234567,,Bo\r\n"

    contact_import = run_upload(
        manager_client, content, django_capture_on_commit_callbacks, column_1="notes"
    )

    assert (contact_import.imported, contact_import.rejected) == (2, 0)
    assert Contact.objects.get(first_name="Ann").notes == "VIP"


def test_a_column_without_header_left_unmapped_still_refuses_its_values(
    run_command, write_csv
):
    status, report = run_command(
        write_csv("phone,,first_name\r\n20123456,VIP,Ann\r\n"), "--pool", "P"
    )

    assert [row["code"] for row in report["rows"]] == ["ROW_EXTRA_VALUES"]


def test_refused_rows_keep_no_c1_controls_in_the_report(run_command, write_csv):
    content = "Navn;Telefon\r\nA\u0085nn\u009b;123\r\n".encode("utf-8")

    status, report = run_command(write_csv(content), "--pool", "P")

    assert report["rejected"] == 1
    [issue] = ImportIssue.objects.all()
    assert issue.values == ["Ann", "123"]


def test_empty_lines_above_the_header_are_named(manager_client):
    response = upload(manager_client, b"\r\n\r\nNavn;Telefon\r\nIb;20123456\r\n")

    assert response.status_code == 400
    assert "The first line of the file is empty" in response.content.decode()


def test_wide_files_are_read_in_smaller_batches(run_command, write_csv, monkeypatch):
    from leads import importing

    sizes = []
    process = importing.Importer._process

    def counting(self, checker, batch):
        sizes.append(len(batch))
        return process(self, checker, batch)

    monkeypatch.setattr(importing.Importer, "_process", counting)
    header = "Telefon;" + ";".join(f"c{i}" for i in range(999))
    rows = "".join(f"{26000000 + i};" + ";" * 998 + "\r\n" for i in range(450))

    status, report = run_command(write_csv(f"{header}\r\n{rows}"), "--pool", "P")

    assert report["imported"] == 450
    assert max(sizes) == importing.BATCH_CELLS // 1000


def test_a_file_too_wide_for_the_mapping_form_is_refused_at_upload(
    manager_client,
):
    header = "Telefon;" + ";".join(f"c{i}" for i in range(1_000))

    response = upload(manager_client, f"{header}\r\n20123456\r\n".encode())

    assert response.status_code == 400
    assert "This file has 1,001 columns" in response.content.decode()
    assert "import_contacts" in response.content.decode()


def test_report_download_neutralises_formulas_behind_spaces(
    manager_client,
    django_capture_on_commit_callbacks,
):
    content = 'first_name,phone\r\n" =1+1",123\r\n"\u00a0=2+2",456\r\n'.encode()
    contact_import = run_upload(
        manager_client, content, django_capture_on_commit_callbacks
    )

    body = manager_client.get(
        reverse("leads:import-issues-csv", args=[contact_import.pk])
    ).content.decode()

    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["' =1+1", "'\u00a0=2+2"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_named(manager_client, encoding):
    content = "Navn;Telefon\r\nIb;20123456\r\n".encode(encoding)

    response = upload(manager_client, content)

    assert response.status_code == 400
    assert "UTF-16 text without the byte order mark" in response.content.decode()


def test_preview_of_a_header_only_file_says_there_are_no_rows(manager_client):
    response = upload(manager_client, b"Navn;Telefon\r\n")
    page = manager_client.get(response["Location"]).content.decode()

    assert "The file has no data rows after its header." in page
    assert "first 0 rows" not in page


def test_preview_of_one_row_speaks_of_one_row(manager_client):
    response = upload(manager_client, b"Navn;Telefon\r\nIb;20123456\r\n")
    page = manager_client.get(response["Location"]).content.decode()

    assert "Below is the first 1 row as the import will read it." in page
