from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Lead, Status
from leads.models import Contact, LeadPool
from leads.tables import MAX_OFFSET_PAGE, PAGE_SIZE

LEADS = 2 * PAGE_SIZE + 17


@pytest.fixture
def many_leads(campaign, phoner):
    """Leads with many equal sort values and NULL next contact times."""
    pool = LeadPool.objects.create(name="Many")
    contacts = Contact.objects.bulk_create(
        Contact(pool=pool, phone=f"+4530{i:06d}") for i in range(LEADS)
    )
    soon = timezone.now().replace(microsecond=0)
    Lead.objects.bulk_create(
        Lead(
            campaign=campaign,
            contact=contact,
            contact_attempts=i % 3,
            status=Status.AUTOMATIC_REDIAL if i % 2 else Status.UNPROCESSED,
            next_contact_at=None if i % 4 == 0 else soon + timedelta(hours=i % 5),
            owner=phoner if i % 7 == 0 else None,
        )
        for i, contact in enumerate(contacts)
    )
    return list(Lead.objects.filter(campaign=campaign))


def page_ids(response) -> list[int]:
    return [row.pk for row in response.context["table"].keyset.rows]


def walk(client, url, params, direction="next"):
    """Follow next (or previous) links to the end; return ids in order."""
    response = client.get(url, params)
    ids = page_ids(response)
    keyset = response.context["table"].keyset
    while keyset.has_next:
        response = client.get(url + keyset.next_link)
        ids += page_ids(response)
        keyset = response.context["table"].keyset
    if direction == "next":
        return ids
    back: list[int] = page_ids(response)
    while keyset.has_previous:
        response = client.get(url + keyset.previous_link)
        back = page_ids(response) + back
        keyset = response.context["table"].keyset
    return back


def expected(leads, field, descending):
    def key(lead):
        value = getattr(lead, field)
        missing = value is None
        # NULLs after values ascending, before them descending.
        return (missing, value if not missing else 0, lead.pk)

    ordered = sorted(leads, key=key, reverse=descending)
    return [lead.pk for lead in ordered]


@pytest.mark.parametrize(
    "sort",
    [
        "id",
        "-id",
        "contact_attempts",
        "-contact_attempts",
        "next_contact_at",
        "-next_contact_at",
        "status",
        "-status",
    ],
)
def test_paging_never_repeats_or_skips_leads(
    manager_client, campaign, many_leads, sort
):
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])
    field, descending = sort.lstrip("-"), sort.startswith("-")

    forward = walk(manager_client, url, {"sort": sort})
    backward = walk(manager_client, url, {"sort": sort}, direction="previous")

    assert forward == expected(many_leads, field, descending)
    assert backward == forward


def test_page_numbers_work_for_the_first_pages(manager_client, campaign, many_leads):
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    second = manager_client.get(url, {"page": 2, "sort": "contact_attempts"})

    ids = expected(many_leads, "contact_attempts", False)
    assert page_ids(second) == ids[PAGE_SIZE : 2 * PAGE_SIZE]
    assert second.context["table"].keyset.number == 2


def test_deep_page_number_says_to_use_next_links(manager_client, campaign, many_leads):
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    response = manager_client.get(url, {"page": MAX_OFFSET_PAGE + 1})

    assert response.status_code == 200
    assert "use the next and previous links" in response.content.decode()
    assert page_ids(response) == sorted(lead.pk for lead in many_leads)[:PAGE_SIZE]


def test_a_mangled_cursor_is_explained(manager_client, campaign, many_leads):
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    response = manager_client.get(url, {"after": "not-a-cursor!", "sort": "status"})

    assert response.status_code == 200
    assert "page position is unreadable" in response.content.decode()
    assert page_ids(response) == expected(many_leads, "status", False)[:PAGE_SIZE]


def test_filters_by_status_owner_attempts_and_due_time(
    manager_client, campaign, many_leads, phoner
):
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])
    cutoff = timezone.localtime(timezone.now() + timedelta(hours=2, minutes=30))

    response = manager_client.get(
        url,
        {
            "status": "automatic_redial",
            "attempts": "1",
            "due_before": cutoff.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    owned = manager_client.get(url, {"owner": phoner.pk})

    wanted = [
        lead.pk
        for lead in many_leads
        if lead.status == "automatic_redial"
        and lead.contact_attempts == 1
        and lead.next_contact_at is not None
        and lead.next_contact_at < cutoff
    ]
    assert wanted and page_ids(response) == sorted(wanted)
    assert page_ids(owned) == sorted(
        lead.pk for lead in many_leads if lead.owner_id == phoner.pk
    )


def test_sort_header_links_keep_the_filter_and_drop_the_cursor(
    manager_client, campaign, many_leads
):
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    response = manager_client.get(url, {"status": "unprocessed", "after": ""})

    page = response.content.decode()
    assert "?status=unprocessed&amp;sort=contact_attempts" in page
    assert 'hx-get="?status=unprocessed&amp;sort=contact_attempts"' in page
