"""A phoner's shift: keys only, a private callback, a tab closed mid-call."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from campaigns.models import Lead, Status
from leads.models import Contact, LeadPool
from tests.browser.conftest import log_in

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def three_leads(campaign) -> list[Lead]:
    people = [
        ("Anne", "Jensen", "+4520111111", "Jensen Tømrer ApS", "Odense"),
        ("Bo", "Nielsen", "+4520222222", "Nielsens Bageri", "Aarhus"),
        ("Camilla", "Hansen", "+4520333333", "Hansen & Søn", "Køge"),
    ]
    pool = LeadPool.default()
    return [
        Lead.objects.create(
            campaign=campaign,
            contact=Contact.objects.create(
                pool=pool,
                first_name=first,
                last_name=last,
                phone=phone,
                company=company,
                city=city,
                email=f"{first.lower()}@example.dk",
                notes="Spurgte til prisen på abonnement.",
            ),
        )
        for first, last, phone, company, city in people
    ]


def tomorrow_at_ten() -> datetime:
    day = datetime.now(COPENHAGEN).date() + timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=COPENHAGEN)


def test_phoner_works_leads_by_keyboard_and_finds_a_held_lead_again(
    new_page, phoner, campaign, three_leads, screenshot
):
    anne, bo, camilla = three_leads
    page = new_page()
    log_in(page, phoner.username)
    page.get_by_role("link", name=campaign.name).click()
    expect(page.get_by_role("link", name=campaign.name)).to_have_attribute(
        "aria-current", "page"
    )
    page.wait_for_load_state()
    card = page.locator("#lead-card")

    # n serves the first lead; 6 saves "Not interested".
    page.keyboard.press("n")
    expect(card.get_by_role("heading", name="Anne Jensen")).to_be_visible()
    page.keyboard.press("6")
    expect(page.get_by_role("status")).to_have_text(
        "Saved Anne Jensen: Not interested."
    )

    # A private callback needs its time; 3 then books it for Per.
    page.keyboard.press("n")
    expect(card.get_by_role("heading", name="Bo Nielsen")).to_be_visible()
    callback = tomorrow_at_ten()
    card.get_by_label("Call back at").fill(callback.strftime("%Y-%m-%dT%H:%M"))
    card.get_by_label("Note").fill("Ring efter frokost")
    card.get_by_role("heading", name="Bo Nielsen").click()
    page.keyboard.press("3")
    expect(page.get_by_role("status")).to_have_text(
        "Saved Bo Nielsen: Private callback."
    )
    expect(page.locator("ul.callbacks")).to_contain_text("Bo Nielsen")

    # The third lead is open when the tab is closed.
    page.keyboard.press("n")
    expect(card.get_by_role("heading", name="Camilla Hansen")).to_be_visible()
    screenshot(page, "dialer")
    page.context.close()

    page = new_page()
    log_in(page, phoner.username)
    held = page.locator("ul.held-leads")
    expect(held).to_contain_text("Camilla Hansen")
    screenshot(page, "dialer-held-lead")
    held.get_by_role("link", name="Camilla Hansen").click()
    card = page.locator("#lead-card")
    expect(card.get_by_role("heading", name="Camilla Hansen")).to_be_visible()
    page.wait_for_load_state()
    page.keyboard.press("5")
    expect(page.get_by_role("status")).to_have_text("Saved Camilla Hansen: Success.")
    expect(page.locator("ul.held-leads")).to_have_text("None.")

    for lead in three_leads:
        lead.refresh_from_db()
    assert anne.status == Status.NOT_INTERESTED
    assert (bo.status, bo.owner, bo.next_contact_at) == (
        Status.PRIVATE_REDIAL,
        phoner,
        callback,
    )
    assert bo.events.filter(note="Ring efter frokost").exists()
    assert (camilla.status, camilla.held_by) == (Status.SUCCESS, None)
    assert [lead.contact_attempts for lead in three_leads] == [1, 1, 1]
