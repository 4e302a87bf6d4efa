"""Markup in contact data stays text in a real browser: no script ever runs."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import Lead, LeadEvent, Status
from leads.models import Contact, LeadPool
from tests.browser.conftest import log_in

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


@pytest.fixture
def hostile_lead(campaign, phoner) -> Lead:
    contact = Contact.objects.create(
        pool=LeadPool.default(),
        phone="+4520304050",
        first_name=SCRIPT,
        last_name=IMG,
        company=IMG,
        notes=SCRIPT,
        extra={"Kommentar": IMG},
    )
    lead = Lead.objects.create(
        campaign=campaign,
        contact=contact,
        status=Status.UNSOLVED,
        former_status=Status.UNPROCESSED,
        held_by=phoner,
        held_since=timezone.now(),
    )
    LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.SERVED, actor=phoner)
    return lead


def test_hostile_contact_runs_no_script_in_dialer_or_manager_pages(
    new_page, phoner, manager, hostile_lead
):
    dialogs = []
    page = new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, phoner.username)

    page.locator("ul.held-leads a").click()
    card = page.locator("#lead-card")
    expect(card.locator("h2")).to_have_text(f"{SCRIPT} {IMG}")
    expect(card.locator("dd").first).to_have_text(IMG)
    page.context.close()
    page = new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, manager.username)
    for url in (
        reverse("campaigns:lead-detail", args=[hostile_lead.pk]),
        reverse("campaigns:campaign-leads", args=[hostile_lead.campaign_id]),
        reverse("leads:pool-detail", args=[hostile_lead.contact.pool_id]),
    ):
        page.goto(url)
        expect(page.get_by_text(IMG).first).to_be_visible()

    assert dialogs == []
    assert page.locator("img[src=x]").count() == 0
