"""Contact data written to attack the people who read it.

Uploaded files are written by anyone; their cells reach phoners' and
managers' browsers and, through exports, their spreadsheets. Markup must be
shown as text, and a cell must never start a spreadsheet formula.
"""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Lead, LeadEvent, Status
from leads.models import Contact, LeadPool

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
RAW_MARKUP = (b"<script>alert(1)", b"<img src=x onerror")
SHOWN_AS_TEXT = b"&lt;script&gt;alert(1)&lt;/script&gt;"
FORMULAS = {
    "company": '=HYPERLINK("http://example.invalid","click")',
    "city": "@SUM(1+1)*cmd|' /C calc'!A0",
    "email": "+1+1@example.dk",
    "notes": "-2+3",
}


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hostile_lead(campaign, phoner) -> Lead:
    """A lead the phoner holds, every text field hostile."""
    contact = Contact.objects.create(
        pool=LeadPool.default(),
        phone="+4520304050",
        first_name=SCRIPT,
        last_name=IMG,
        name=SCRIPT,
        address=IMG,
        extra={"Kommentar": SCRIPT, SCRIPT: "header cell"},
        **FORMULAS,
    )
    lead = Lead.objects.create(
        campaign=campaign,
        contact=contact,
        status=Status.UNSOLVED,
        former_status=Status.UNPROCESSED,
        held_by=phoner,
        held_since=timezone.now(),
    )
    LeadEvent.objects.create(
        lead=lead, kind=LeadEvent.Kind.SERVED, actor=phoner, note=SCRIPT
    )
    return lead


def assert_markup_shown_as_text(response) -> None:
    assert response.status_code == 200
    for raw in RAW_MARKUP:
        assert raw not in response.content, raw
    assert SHOWN_AS_TEXT in response.content


def test_dialer_shows_hostile_contact_as_text(client, phoner, hostile_lead):
    client.force_login(phoner)

    card = client.get(reverse("dialer:lead-open", kwargs={"lead_id": hostile_lead.pk}))
    partial = client.get(
        reverse("dialer:lead-open", kwargs={"lead_id": hostile_lead.pk}),
        headers={"HX-Request": "true"},
    )

    assert_markup_shown_as_text(card)
    assert_markup_shown_as_text(partial)


def test_dialer_overview_lists_held_hostile_lead_as_text(client, phoner, hostile_lead):
    client.force_login(phoner)

    response = client.get(
        reverse("dialer:overview"), {"campaign": hostile_lead.campaign_id}
    )

    assert_markup_shown_as_text(response)


@pytest.mark.parametrize(
    ("url_name", "kwargs_of"),
    [
        ("campaigns:campaign-leads", lambda lead: {"pk": lead.campaign_id}),
        ("campaigns:lead-detail", lambda lead: {"pk": lead.pk}),
        ("leads:pool-detail", lambda lead: {"pk": lead.contact.pool_id}),
        ("leads:contact-edit", lambda lead: {"pk": lead.contact_id}),
    ],
)
def test_manager_pages_show_hostile_contact_as_text(
    client, manager, hostile_lead, url_name, kwargs_of
):
    client.force_login(manager)

    response = client.get(reverse(url_name, kwargs=kwargs_of(hostile_lead)))

    assert_markup_shown_as_text(response)


@pytest.mark.parametrize(
    ("url_name", "args_of"),
    [
        ("admin:leads_contact_changelist", lambda lead: []),
        ("admin:leads_contact_change", lambda lead: [lead.contact_id]),
        ("admin:campaigns_lead_changelist", lambda lead: []),
        ("admin:campaigns_lead_change", lambda lead: [lead.pk]),
    ],
)
def test_admin_shows_hostile_contact_as_text(
    client, admin_user, hostile_lead, url_name, args_of
):
    client.force_login(admin_user)

    response = client.get(reverse(url_name, args=args_of(hostile_lead)))

    assert_markup_shown_as_text(response)


def exported_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


@pytest.mark.parametrize(
    ("url_name", "kwargs_of"),
    [
        ("campaigns:campaign-export", lambda lead: {"pk": lead.campaign_id}),
        ("leads:pool-export", lambda lead: {"pk": lead.contact.pool_id}),
    ],
)
def test_exports_never_start_a_cell_with_a_formula(
    client, manager, hostile_lead, url_name, kwargs_of
):
    client.force_login(manager)

    response = client.get(reverse(url_name, kwargs=kwargs_of(hostile_lead)))

    assert response.status_code == 200
    cells = [cell for row in exported_rows(response) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    exported = set(cells)
    assert "'" + FORMULAS["company"] in exported
    assert "'" + FORMULAS["city"] in exported
    assert "'" + FORMULAS["email"] in exported
