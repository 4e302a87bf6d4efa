"""Each sample file of the import contract, through the command line."""

import pytest

from leads.models import Contact
from tests.leads.conftest import CASES

pytestmark = pytest.mark.django_db


def codes(report: dict) -> list[tuple[int, int, str]]:
    return [(r["row"], r["line"], r["code"]) for r in report["rows"]]


def contacts() -> list[Contact]:
    return list(Contact.objects.order_by("id"))


def counts(report: dict) -> tuple[int, int, int, int]:
    return (
        report["imported"],
        report["rejected"],
        report["duplicates"],
        report["skipped_blank"],
    )


def test_danish_excel_cp1252_file_is_decoded_as_cp1252(run_command):
    status, report = run_command(CASES / "semicolon_cp1252.csv", "--pool", "Leads")

    assert status == 0
    assert counts(report) == (3, 0, 0, 0)
    first, second, third = contacts()
    assert (first.first_name, first.last_name) == ("Søren", "Østergård")
    assert first.phone == "+4520123456"
    assert first.email == "soren.ostergaard@example.dk"
    assert first.address == "Vestergade 1, 2. tv"
    assert first.notes == "Ønsker tilbud – ring efter kl. 16"
    assert second.notes == "Budget 5.000 €"
    assert second.address == "Åboulevarden 12, st. th"
    assert third.email == ""
    assert third.notes == "Spurgte til 'Basis', 'Plus' eller 'Pro', ring i morgen"
    assert [c.phone for c in (second, third)] == ["+4531234567", "+4542123456"]


def test_utf8_bom_before_the_phone_header_is_dropped(run_command):
    status, report = run_command(CASES / "bom_utf8.csv", "--pool", "Leads")

    assert status == 0
    assert counts(report) == (3, 0, 0, 0)
    assert [(c.phone, c.first_name, c.last_name, c.email) for c in contacts()] == [
        ("+4526123456", "Jørn", "Bøgh", "jorn.bogh@example.dk"),
        ("+4527123456", "Åge", "Smørum", "aage@example.dk"),
        ("+4528123456", "Karen", "Ærøe", ""),
    ]


def test_excel_scientific_notation_is_rejected_not_guessed(run_command):
    status, report = run_command(CASES / "excel_sci_notation.csv", "--pool", "Leads")

    assert status == 0
    assert counts(report) == (3, 3, 0, 0)
    assert codes(report) == [
        (1, 2, "ROW_PHONE_SCIENTIFIC_NOTATION"),
        (2, 3, "ROW_PHONE_SCIENTIFIC_NOTATION"),
        (6, 7, "ROW_PHONE_SCIENTIFIC_NOTATION"),
    ]
    assert "Text" in report["rows"][0]["message"]
    assert [c.phone for c in contacts()] == [
        "+4520123456",
        "+4531234567",
        "+4520123458",
    ]


def test_unterminated_quote_rejects_the_whole_file(run_command):
    status, report = run_command(CASES / "unbalanced_quote.csv", "--pool", "Leads")

    assert status == 1
    assert counts(report) == (0, 0, 0, 0)
    assert report["file_error"]["code"] == "FILE_UNTERMINATED_QUOTE"
    assert report["file_error"]["line"] == 3
    assert (
        "quoted field starting on line 3, column 2 (last_name) is never closed"
        in report["file_error"]["message"]
    )
    assert not Contact.objects.exists()


def test_mixed_phone_formats_follow_libphonenumber(run_command):
    status, report = run_command(CASES / "mixed_phone_formats.csv", "--pool", "Leads")

    assert status == 0
    assert counts(report) == (13, 4, 0, 0)
    assert codes(report) == [
        (8, 9, "ROW_INVALID_PHONE"),
        (11, 12, "ROW_INVALID_PHONE"),
        (12, 13, "ROW_INVALID_PHONE"),
        (14, 15, "ROW_INVALID_PHONE"),
    ]
    assert "two numbers in one cell" in report["rows"][3]["message"]
    assert [c.phone for c in contacts()] == [
        "+4520123456",
        "+4531234567",
        "+4542123456",
        "+4552123456",
        "+4561234567",
        "+4571234567",
        "+46701234567",
        "+12015550123",
        "+12015550124",
        "+447400123456",
        "+4522334455",
        "+4520123457",
        "+46701234568",
    ]


def test_same_people_written_differently_are_duplicates(run_command):
    status, report = run_command(CASES / "duplicates_formatting.csv", "--pool", "Leads")

    assert status == 0
    assert counts(report) == (5, 0, 5, 0)
    assert codes(report) == [
        (2, 3, "ROW_DUPLICATE_IN_FILE"),
        (3, 4, "ROW_DUPLICATE_IN_FILE"),
        (5, 6, "ROW_DUPLICATE_IN_FILE"),
        (6, 7, "ROW_DUPLICATE_IN_FILE"),
        (9, 10, "ROW_DUPLICATE_IN_FILE"),
    ]
    messages = [r["message"] for r in report["rows"]]
    assert "row 1" in messages[0] and "phone" in messages[0]
    assert "row 4" in messages[2] and "e-mail" in messages[2]
    assert "row 4" in messages[3]
    assert "row 1" in messages[4]
    assert [(c.phone, c.email_key) for c in contacts()] == [
        ("+4520123456", "mette.holm@example.dk"),
        ("+4531234567", "jonas.friis@example.dk"),
        ("+4561234567", "ida.lund+tilbud@example.dk"),
        ("+4571234567", "ida.lund@example.dk"),
        ("+4522446688", "mette.h@example.com"),
    ]


def test_excel_trailing_junk_columns_and_blank_rows(run_command):
    status, report = run_command(CASES / "excel_trailing_junk.csv", "--pool", "Leads")

    assert status == 0
    assert counts(report) == (3, 1, 0, 5)
    assert codes(report) == [(7, 8, "ROW_EXTRA_VALUES")]
    assert "value 'X' in column 7, which has no header" in (
        report["rows"][0]["message"].replace("Value", "value")
    )
    assert [c.phone for c in contacts()] == [
        "+4520304050",
        "+4520304051",
        "+4520304052",
    ]
    assert all(c.extra == {} for c in contacts())
