"""A manager who edits a table or statistics link by hand is told what
was not understood, and sees the default instead of a silent change."""

import pytest
from django.urls import reverse

from leads.models import LeadPool
from tests.campaigns.conftest import make_contacts, make_lead

pytestmark = pytest.mark.django_db

UNKNOWN_SORT = "Unknown sort &#x27;bogus&#x27;; showing the default order."


def test_an_unknown_sort_of_a_campaign_s_leads_is_named(manager_client, campaign):
    make_lead(campaign, "+4520000001")
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    response = manager_client.get(url, {"sort": "bogus"})

    assert response.status_code == 200
    assert UNKNOWN_SORT in response.content.decode()
    assert "sort=bogus" not in response.context["table"].keyset.next_link


def test_an_unknown_sort_is_named_in_the_htmx_partial_too(manager_client, campaign):
    make_lead(campaign, "+4520000001")
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    response = manager_client.get(url, {"sort": "-bogus"}, HTTP_HX_REQUEST="true")

    assert "Unknown sort &#x27;-bogus&#x27;" in response.content.decode()


def test_a_known_sort_gives_no_message(manager_client, campaign):
    make_lead(campaign, "+4520000001")
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    response = manager_client.get(url, {"sort": "-status"})

    assert "Unknown sort" not in response.content.decode()


def test_an_unknown_sort_of_a_pool_s_contacts_is_named(manager_client):
    pool = LeadPool.objects.create(name="Spring fair")
    make_contacts(pool, 3)

    response = manager_client.get(
        reverse("leads:pool-detail", args=[pool.pk]), {"sort": "bogus"}
    )

    assert response.status_code == 200
    assert UNKNOWN_SORT in response.content.decode()


def test_an_unreadable_statistics_start_is_named(manager_client, campaign):
    url = reverse("campaigns:campaign-statistics", args=[campaign.pk])

    response = manager_client.get(url, {"start": "garbage"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "The start is not a date (write e.g. 2026-05-04)." in page
    assert "Showing the last 7 days instead." in page


def test_an_unreadable_statistics_end_is_named_in_the_htmx_partial(
    manager_client, campaign
):
    url = reverse("campaigns:campaign-statistics", args=[campaign.pk])

    response = manager_client.get(
        url, {"start": "2026-05-01", "end": "soon"}, HTTP_HX_REQUEST="true"
    )

    assert "The end is not a date" in response.content.decode()


def test_an_end_before_the_start_is_named_in_the_htmx_partial(manager_client, campaign):
    url = reverse("campaigns:campaign-statistics", args=[campaign.pk])

    response = manager_client.get(
        url, {"start": "2026-05-04", "end": "2026-05-01"}, HTTP_HX_REQUEST="true"
    )

    assert "The end date must be on or after the start." in response.content.decode()
