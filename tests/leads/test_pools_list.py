"""The pool list's counts stay right without counting millions of rows."""

import pytest
from django.db import connection
from django.urls import reverse

from campaigns.models import Campaign
from leads.models import LeadPool
from leads.views import pools as pool_views
from tests.campaigns.conftest import make_contacts


def listed(client) -> dict[str, tuple]:
    response = client.get(reverse("leads:pool-list"))
    assert response.status_code == 200
    return {
        pool.name: (pool.contact_count, pool.campaign_count)
        for pool in response.context["pools"]
    }


def add_pool(client, pool: LeadPool, campaign: Campaign) -> None:
    url = reverse("campaigns:pool-add-to-campaign", args=[pool.pk])
    response = client.post(url, {"campaign": campaign.pk})
    assert response.status_code == 302


@pytest.mark.django_db
def test_pool_counts_each_campaign_it_was_added_to_once(manager_client, campaign):
    spring = LeadPool.objects.create(name="Spring")
    unused = LeadPool.objects.create(name="Unused")
    make_contacts(spring, 3)
    make_contacts(unused, 2, start=30000000)
    autumn = Campaign.objects.create(name="Autumn")

    add_pool(manager_client, spring, campaign)
    add_pool(manager_client, spring, campaign)
    add_pool(manager_client, spring, autumn)

    counts = listed(manager_client)
    assert counts["Spring"] == (3, 2)
    assert counts["Unused"] == (2, 0)


@pytest.mark.django_db
def test_deleting_a_campaign_drops_it_from_its_pools(manager_client, campaign):
    spring = LeadPool.objects.create(name="Spring")
    make_contacts(spring, 2)
    add_pool(manager_client, spring, campaign)

    campaign.delete()

    assert listed(manager_client)["Spring"] == (2, 0)


@pytest.mark.django_db
def test_removing_a_pools_last_duplicate_leads_drops_the_campaign(
    manager_client, campaign
):
    first = LeadPool.objects.create(name="First")
    repeat = LeadPool.objects.create(name="Repeat")
    make_contacts(first, 2)
    make_contacts(repeat, 2)
    add_pool(manager_client, first, campaign)
    add_pool(manager_client, repeat, campaign)
    before = listed(manager_client)

    manager_client.post(
        reverse("campaigns:duplicate-check"), {"campaigns": [campaign.pk]}
    )

    after = listed(manager_client)
    assert (before["First"], before["Repeat"]) == ((2, 1), (2, 1))
    assert sorted([after["First"][1], after["Repeat"][1]]) == [0, 1]


@pytest.mark.django_db
def test_small_pools_are_counted_exactly(manager_client, monkeypatch):
    pool = LeadPool.objects.create(name="Spring")
    make_contacts(pool, 5)
    monkeypatch.setattr(pool_views, "EXACT_COUNT_UP_TO", 5)

    page = manager_client.get(reverse("leads:pool-list")).content.decode()

    assert listed(manager_client)["Spring"] == (5, 0)
    assert "about 5" not in page


@pytest.mark.postgres
@pytest.mark.django_db
def test_big_pool_shows_an_estimate_from_fresh_statistics(manager_client, monkeypatch):
    pool = LeadPool.objects.create(name="Big")
    make_contacts(pool, 400)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_contact")
    monkeypatch.setattr(pool_views, "EXACT_COUNT_UP_TO", 50)

    response = manager_client.get(reverse("leads:pool-list"))

    (big,) = [p for p in response.context["pools"] if p.name == "Big"]
    assert big.contact_count_estimated
    assert 300 <= big.contact_count <= 500
    assert f"about {big.contact_count}" in response.content.decode()
