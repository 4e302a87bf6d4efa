"""Rules of the import contract on files of the same kinds as the samples."""

import pytest
from django.core.management import call_command

from campaigns.models import Lead
from leads.models import Contact, ContactImport, ImportIssue, LeadPool

pytestmark = pytest.mark.django_db


def test_sep_line_names_the_delimiter_and_is_not_the_header(run_command, write_csv):
    path = write_csv("sep=,\r\nname,phone\r\nAnna;B,20123456\r\n")

    status, report = run_command(path, "--pool", "Leads")

    assert (status, report["imported"]) == (0, 1)
    assert Contact.objects.get().name == "Anna;B"


def test_utf16_file_with_tabs_is_read(run_command, write_csv):
    text = "Telefon\tNavn\r\n20123456\tÅse Ørum\r\n"
    path = write_csv(text.encode("utf-16"))

    status, report = run_command(path, "--pool", "Leads")

    assert (status, report["imported"]) == (0, 1)
    assert Contact.objects.get().name == "Åse Ørum"


def test_cr_only_line_endings_and_newline_inside_quotes(run_command, write_csv):
    path = write_csv('phone,notes\r20123456,"first\r\nsecond"\r20123457,x\r')

    status, report = run_command(path, "--pool", "Leads")

    assert (status, report["imported"]) == (0, 2)
    assert Contact.objects.order_by("id").first().notes == "first\nsecond"


def test_lines_after_a_multiline_field_keep_their_physical_number(
    run_command, write_csv
):
    path = write_csv('phone,notes\n20123456,"a\nb\nc"\n123,x\n')

    _, report = run_command(path, "--pool", "Leads")

    assert report["rows"] == [
        {
            "row": 2,
            "line": 5,
            "code": "ROW_INVALID_PHONE",
            "message": report["rows"][0]["message"],
        }
    ]


def test_two_columns_for_one_field_reject_the_file(run_command, write_csv):
    path = write_csv("Telefon,Mobil\r\n20123456,31234567\r\n")

    status, report = run_command(path, "--pool", "Leads")

    assert status == 1
    assert report["file_error"]["code"] == "FILE_DUPLICATE_HEADER"
    assert not Contact.objects.exists()


def test_missing_phone_column_rejects_the_file(run_command, write_csv):
    path = write_csv("name,email\r\nAnna,anna@example.dk\r\n")

    status, report = run_command(path, "--pool", "Leads")

    assert status == 1
    assert report["file_error"]["code"] == "FILE_MISSING_PHONE_COLUMN"
    assert "'name', 'email'" in report["file_error"]["message"]


def test_empty_file_is_a_file_error(run_command, write_csv):
    status, report = run_command(write_csv(b""), "--pool", "Leads")

    assert status == 1
    assert report["file_error"]["code"] == "FILE_EMPTY"


def test_headers_match_danish_aliases_ignoring_case_and_spaces(run_command, write_csv):
    header = " FORNAVN ;efternavn;Tlf;Firma;E-mail;Adresse;Postnr;By;Land;Bemærkning"
    row = "Åse;Holm;20123456;Holm ApS;AASE@EXAMPLE.DK;Gade 1;8000;Aarhus;DK;Ring"
    path = write_csv(f"{header}\r\n{row}\r\n")

    _, report = run_command(path, "--pool", "Leads")

    contact = Contact.objects.get()
    assert report["imported"] == 1
    assert (contact.first_name, contact.last_name, contact.company) == (
        "Åse",
        "Holm",
        "Holm ApS",
    )
    assert (contact.address, contact.zip_code, contact.city) == (
        "Gade 1",
        "8000",
        "Aarhus",
    )
    assert (contact.country, contact.notes) == ("DK", "Ring")
    assert (contact.email, contact.email_key) == ("AASE@EXAMPLE.DK", "aase@example.dk")


def test_invisible_characters_are_cleaned_and_formulas_stored_literally(
    run_command, write_csv
):
    row = "\u200b20\u200b12 34 56\u00a0,\ufeffanna@\u2060example.dk ,=SUM(A1)\u00a0"
    path = write_csv(f"phone,email,name\r\n{row}\r\n")

    run_command(path, "--pool", "Leads")

    contact = Contact.objects.get()
    assert contact.phone == "+4520123456"
    assert contact.email == "anna@example.dk"
    assert contact.name == "=SUM(A1)"


def test_no_replacement_or_c1_characters_are_stored(run_command, write_csv):
    path = write_csv("phone,name\r\n20123456,A\u0085nna\ufffd\r\n")

    run_command(path, "--pool", "Leads")

    assert Contact.objects.get().name == "Anna"


def test_invalid_email_and_missing_phone_reject_only_their_row(run_command, write_csv):
    path = write_csv(
        "phone,email\r\n20123456,anna@@example\r\n,bo@example.dk\r\n20123457,\r\n"
    )

    _, report = run_command(path, "--pool", "Leads")

    assert [(r["row"], r["code"]) for r in report["rows"]] == [
        (1, "ROW_INVALID_EMAIL"),
        (2, "ROW_MISSING_PHONE"),
    ]
    assert report["imported"] == 1


def test_country_option_sets_the_default_region(run_command, write_csv):
    path = write_csv("phone\r\n070-123 45 67\r\n")

    _, report = run_command(path, "--pool", "Leads", "--country", "SE")

    assert report["imported"] == 1
    assert Contact.objects.get().phone == "+46701234567"


def test_duplicate_of_existing_contact_names_contact_and_pool(run_command, write_csv):
    customers = LeadPool.objects.create(name="Customers")
    known = Contact.objects.create(
        pool=customers, phone="+4520123456", first_name="Mette"
    )
    path = write_csv("phone,email\r\n20 12 34 56,\r\n31234567,\r\n")

    _, report = run_command(path, "--pool", "New")

    assert report["imported"] == 1
    assert report["rows"][0]["code"] == "ROW_DUPLICATE_EXISTING"
    assert f"#{known.pk}" in report["rows"][0]["message"]
    assert "Mette" in report["rows"][0]["message"]
    assert "'Customers'" in report["rows"][0]["message"]


def test_existing_duplicate_row_does_not_block_a_later_row(run_command, write_csv):
    Contact.objects.create(
        pool=LeadPool.objects.create(name="Old"), phone="+4520123456"
    )
    path = write_csv(
        "phone,email\r\n20123456,a@example.dk\r\n31234567,a@example.dk\r\n"
    )

    _, report = run_command(path, "--pool", "New")

    assert (report["imported"], report["duplicates"]) == (1, 1)
    assert Contact.objects.get(pool__name="New").phone == "+4531234567"


def test_check_pools_none_and_named(run_command, write_csv):
    customers = LeadPool.objects.create(name="Customers")
    old = LeadPool.objects.create(name="Old")
    Contact.objects.create(pool=customers, phone="+4520123456")
    Contact.objects.create(pool=old, phone="+4531234567")
    path = write_csv("phone\r\n20123456\r\n31234567\r\n")

    _, unchecked = run_command(path, "--pool", "A", "--check-pools", "none")
    _, named = run_command(path, "--pool", "B", "--check-pools", "Customers")

    assert (unchecked["imported"], unchecked["duplicates"]) == (2, 0)
    assert (named["imported"], named["duplicates"]) == (1, 1)


def test_campaign_without_pool_uses_the_default_pool(run_command, write_csv, campaign):
    path = write_csv("phone\r\n20123456\r\n31234567\r\n")

    status, report = run_command(path, "--campaign", campaign.name)

    assert (status, report["imported"]) == (0, 2)
    assert set(Contact.objects.values_list("pool", flat=True)) == {
        LeadPool.default().pk
    }
    assert Lead.objects.filter(campaign=campaign).count() == 2


def test_command_refuses_unknown_pool_in_check_pools(write_csv):
    from django.core.management.base import CommandError

    path = write_csv("phone\r\n20123456\r\n")

    with pytest.raises(CommandError, match="No pool named 'Nope'"):
        call_command(
            "import_contacts", str(path), "--pool", "A", "--check-pools", "Nope"
        )


def test_plain_output_lists_counts_and_rows(write_csv, capsys):
    path = write_csv("phone\r\n20123456\r\n123\r\n")

    call_command("import_contacts", str(path), "--pool", "Leads")

    out = capsys.readouterr().out
    assert "imported=1 rejected=1" in out
    assert "row 2 (line 3) ROW_INVALID_PHONE" in out
    assert ContactImport.objects.get().pool.name == "Leads"


def test_nul_characters_are_dropped_from_contacts_and_the_report(
    run_command, write_csv
):
    # Only UTF-16 files get past the binary check with a NUL in them.
    path = write_csv(
        "phone;name\r\n20123456;An\x00ne\r\n123\x00;Bo\r\n".encode("utf-16")
    )

    _, report = run_command(path, "--pool", "Leads")

    assert (report["imported"], report["rejected"]) == (1, 1)
    assert Contact.objects.get().name == "Anne"
    assert ImportIssue.objects.get().values == ["123", "Bo"]
