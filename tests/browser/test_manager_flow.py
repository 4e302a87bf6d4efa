"""A manager's morning: upload a Danish Excel file, start a campaign on it."""

import re

import pytest
from playwright.sync_api import expect

from adversus.celery import app as celery_app
from campaigns.models import Campaign
from leads.models import ContactImport
from leads.tasks import import_contacts
from tests.browser.conftest import log_in
from tests.test_faults_broker import forget_broker_connections

# What Danish Excel saves as "CSV (semikolonsepareret)": cp1252, ';', CRLF.
# Row 4 has a number no Danish phone has; row 5 repeats row 1's phone.
DANISH_EXCEL_ROWS = [
    "Fornavn;Efternavn;Telefon;Email;Adresse;Virksomhedsnavn;Note",
    "Søren;Østergård;20 12 34 56;soren.ostergaard@example.dk;"
    "Vestergade 1, 2. tv;Østergård ApS;Ønsker tilbud – ring efter kl. 16",
    "Åse;Kjærgaard;+45 31 23 45 67;aase@example.dk;Åboulevarden 12, st. th;"
    "Kjærgaard & Co;Budget 5.000 €",
    "Bjørn;Læsø;0045 42 12 34 56;;Æblehaven 3, 1. sal;;"
    "Spurgte til 'Basis', 'Plus' eller 'Pro'",
    "Mette;Holm;12 34 56 78;mette@example.dk;Havnegade 4;;",
    "Søren;Østergård;20123456;;;;",
]


@pytest.fixture
def danish_excel_file(tmp_path):
    path = tmp_path / "kunder forår.csv"
    path.write_bytes(("\r\n".join(DANISH_EXCEL_ROWS) + "\r\n").encode("cp1252"))
    return path


@pytest.fixture
def queue_in_memory(monkeypatch):
    """Queue tasks without running them, so the page shows them waiting."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # Celery reads CELERY_BROKER_URL from the environment before its
    # configuration (CI sets it), so both must name the broker of the test.
    monkeypatch.setenv("CELERY_BROKER_URL", "memory://")
    monkeypatch.setitem(celery_app.conf, "broker_url", "memory://")
    forget_broker_connections()
    yield
    forget_broker_connections()


def test_manager_uploads_a_file_and_starts_a_campaign_on_it(
    new_page, manager, phoner, danish_excel_file, queue_in_memory, screenshot
):
    page = new_page()
    log_in(page, manager.username)

    # Upload and preview: the file is read as Windows-1252 with semicolons.
    page.get_by_role("link", name="Uploads").click()
    page.get_by_label("CSV file").set_input_files(danish_excel_file)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_text("Windows-1252 (cp1252)")).to_be_visible()
    expect(page.get_by_role("cell", name="Østergård ApS")).to_be_visible()
    expect(page.get_by_role("cell", name="Vestergade 1, 2. tv")).to_be_visible()
    company_column = page.locator('select[name="column_5"]')
    expect(company_column).to_have_value("extra")
    company_column.select_option("company")
    page.get_by_label("New pool name").fill("Forår 2026")
    screenshot(page, "upload-preview")
    page.get_by_role("button", name="Import").click()

    # The import waits for a worker; the page polls its progress.
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_text("Waiting for a worker")).to_be_visible()
    screenshot(page, "upload-progress")
    import_contacts(ContactImport.objects.get().pk)
    expect(page.get_by_text("Rows not imported")).to_be_visible(timeout=15_000)
    expect(page.locator(".stats .card")).to_have_text(
        ["3 imported", "1 rejected", "1 duplicates", "0 blank rows skipped"],
        use_inner_text=True,
    )
    expect(page.get_by_role("cell", name="ROW_INVALID_PHONE")).to_be_visible()
    screenshot(page, "upload-report")

    # A campaign with the pool's contacts as leads, dialled by Per.
    page.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("Forårskampagne")
    page.get_by_label("Max contact attempts").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Campaign “Forårskampagne” created.")).to_be_visible()
    page.get_by_role("link", name="Pools").click()
    page.get_by_role("link", name="Forår 2026").click()
    expect(page.get_by_role("cell", name="Østergård ApS")).to_be_visible()
    page.get_by_role("link", name="Add all contacts to a campaign").click()
    page.get_by_label("Campaign").select_option(label="Forårskampagne")
    page.get_by_role("button", name="Add leads").click()
    expect(page.get_by_text("3 leads added to “Forårskampagne”")).to_be_visible()
    page.get_by_role("link", name="Edit settings").click()
    page.get_by_label(str(phoner)).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Campaign settings saved.")).to_be_visible()
    expect(page.locator("dl.settings")).to_contain_text(str(phoner))
    screenshot(page, "campaign")

    campaign = Campaign.objects.get(name="Forårskampagne")
    assert list(campaign.phoners.all()) == [phoner]
    assert sorted(campaign.leads.values_list("contact__phone", flat=True)) == [
        "+4520123456",
        "+4531234567",
        "+4542123456",
    ]
    assert campaign.leads.get(contact__phone="+4520123456").contact.company == (
        "Østergård ApS"
    )
    assert re.search(r"/campaigns/\d+/$", page.url)
