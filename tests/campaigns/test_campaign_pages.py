import pytest
from django.urls import reverse

from adversus.models import User
from campaigns.models import Campaign, Status
from tests.campaigns.conftest import make_lead


def test_campaign_list_shows_open_and_closed_counts(manager_client, campaign):
    make_lead(campaign, "+4520000001")
    make_lead(campaign, "+4520000002", status=Status.SUCCESS)
    # At the campaign's maximum (3) an open status counts as closed.
    make_lead(campaign, "+4520000003", status=Status.AUTOMATIC_REDIAL,
              contact_attempts=3)  # fmt: skip

    response = manager_client.get(reverse("campaigns:campaign-list"))

    page = response.content.decode()
    assert response.status_code == 200
    row = page[page.index("Winter sale") :]
    assert "<td>1</td>\n      <td>2</td>" in row


def test_manager_creates_a_campaign_with_only_phoners(manager_client, phoner, manager):
    response = manager_client.post(
        reverse("campaigns:campaign-create"),
        {
            "name": "Spring leads",
            "max_contact_attempts": "4",
            "redial_delay_minutes": "30",
            "callback_handover_hours": "24",
            "phoners": [phoner.pk],
            "is_active": "on",
        },
    )

    campaign = Campaign.objects.get(name="Spring leads")
    assert response.status_code == 302
    assert (campaign.max_contact_attempts, campaign.redial_delay_minutes) == (4, 30)
    assert campaign.callback_handover_hours == 24
    assert list(campaign.phoners.all()) == [phoner]


def test_a_manager_cannot_be_made_a_campaign_phoner(manager_client, manager):
    response = manager_client.post(
        reverse("campaigns:campaign-create"),
        {
            "name": "Spring leads",
            "max_contact_attempts": "4",
            "redial_delay_minutes": "30",
            "phoners": [manager.pk],
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Campaign.objects.filter(name="Spring leads").exists()


def test_editing_a_campaign_rejects_zero_attempts(manager_client, campaign):
    url = reverse("campaigns:campaign-edit", args=[campaign.pk])

    response = manager_client.post(
        url,
        {"name": campaign.name, "max_contact_attempts": "0",
         "redial_delay_minutes": "60"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "0 would close every lead" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.max_contact_attempts == 3


def test_campaign_page_shows_settings_phoners_and_leads(manager_client, campaign):
    lead = make_lead(campaign, "+4520000001")

    response = manager_client.get(
        reverse("campaigns:campaign-leads", args=[campaign.pk])
    )

    page = response.content.decode()
    assert "Per" in page and "Pia" in page
    assert reverse("campaigns:lead-detail", args=[lead.pk]) in page
    assert "+4520000001" in page


@pytest.mark.parametrize(
    "name",
    ["campaign-leads", "campaign-statistics", "campaign-export", "campaign-edit"],
)
def test_phoner_is_refused_and_anonymous_sent_to_login(client, campaign, name):
    url = reverse(f"campaigns:{name}", args=[campaign.pk])

    anonymous = client.get(url)
    client.force_login(User.objects.get(username="per"))
    phoner = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert phoner.status_code == 403


def test_htmx_request_gets_only_the_table(manager_client, campaign):
    make_lead(campaign, "+4520000001")
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    response = manager_client.get(url, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.lstrip().startswith('<div class="table-container"')
    assert "<html" not in page


def test_bad_filter_input_is_explained_not_a_crash(manager_client, campaign):
    url = reverse("campaigns:campaign-leads", args=[campaign.pk])

    response = manager_client.get(url, {"attempts": "1.5", "status": "nope"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a whole number" in page
    assert "Select a valid choice" in page
