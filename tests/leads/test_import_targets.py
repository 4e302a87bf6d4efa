"""Which campaigns an upload may go to, through the import pages."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Lead
from leads.models import ContactImport, LeadPool
from tests.leads.conftest import CASES
from tests.leads.test_import_web import start_data, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def paused(db) -> Campaign:
    return Campaign.objects.create(name="Paused autumn push", is_active=False)


def uploaded(client) -> ContactImport:
    upload(client, (CASES / "bom_utf8.csv").read_bytes())
    return ContactImport.objects.get()


def test_the_mapping_step_offers_only_active_campaigns(
    manager_client, campaign, paused
):
    contact_import = uploaded(manager_client)

    response = manager_client.get(
        reverse("leads:import-preview", args=[contact_import.pk])
    )

    page = response.content.decode()
    assert campaign.name in page
    assert paused.name not in page


def test_an_upload_aimed_at_a_paused_campaign_is_refused_by_name(
    manager_client, paused
):
    contact_import = uploaded(manager_client)

    response = manager_client.post(
        reverse("leads:import-start", args=[contact_import.pk]),
        start_data(contact_import, campaign=str(paused.pk), new_pool_name=""),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "“Paused autumn push” is not active" in page
    assert "name a new pool" not in page
    contact_import.refresh_from_db()
    assert contact_import.state == ContactImport.State.PREVIEW
    assert not Lead.objects.exists()


def test_an_upload_aimed_at_a_deleted_campaign_says_so(manager_client):
    contact_import = uploaded(manager_client)

    response = manager_client.post(
        reverse("leads:import-start", args=[contact_import.pk]),
        start_data(contact_import, campaign="999999", new_pool_name=""),
    )

    assert response.status_code == 400
    assert "That campaign no longer exists" in response.content.decode()


def add_page(client, pool: LeadPool):
    return reverse("campaigns:pool-add-to-campaign", args=[pool.pk])


def test_add_to_campaign_offers_active_campaigns_and_preselects_none(
    manager_client, campaign, paused
):
    pool = LeadPool.objects.create(name="Spring fair")

    response = manager_client.get(add_page(manager_client, pool))

    page = response.content.decode()
    assert campaign.name in page
    assert paused.name not in page
    select = page.split('name="campaign"')[1].split("</select>")[0]
    assert '<option value="" selected>— choose a campaign —</option>' in select
    assert select.count("selected") == 1


def test_add_to_campaign_without_a_choice_asks_for_one(manager_client, campaign):
    pool = LeadPool.objects.create(name="Spring fair")

    response = manager_client.post(add_page(manager_client, pool), {"query": ""})

    assert "Choose the campaign the contacts should go to." in (
        response.content.decode()
    )
    assert not Lead.objects.exists()


def test_add_to_a_paused_campaign_is_refused_by_name(manager_client, paused):
    pool = LeadPool.objects.create(name="Spring fair")

    response = manager_client.post(
        add_page(manager_client, pool), {"campaign": str(paused.pk), "query": ""}
    )

    assert "“Paused autumn push” is not active" in response.content.decode()
    assert not Lead.objects.filter(campaign=paused).exists()
