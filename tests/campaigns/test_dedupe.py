from django.urls import reverse

from campaigns.dedupe import KEEP_ORDER, find_duplicates, remove_duplicates
from campaigns.models import Campaign, Lead, LeadRemoval, Status
from leads.models import Contact
from tests.campaigns.conftest import make_lead


def check_url(*campaigns) -> str:
    query = "&".join(f"campaigns={c.pk}" for c in campaigns)
    return reverse("campaigns:duplicate-check") + "?" + query


def test_the_lead_that_got_furthest_is_kept(manager_client, manager, campaign):
    autumn = Campaign.objects.create(name="Autumn")
    fresh = make_lead(campaign, "+4520000001")
    callback = make_lead(autumn, "+4520000001", status=Status.VIP_REDIAL)
    sold = make_lead(autumn, "+4520000001", status=Status.SUCCESS)
    alone = make_lead(campaign, "+4520000002")

    response = manager_client.post(
        reverse("campaigns:duplicate-check"), {"campaigns": [campaign.pk, autumn.pk]}
    )

    assert response.status_code == 302
    assert set(Lead.objects.values_list("pk", flat=True)) == {sold.pk, alone.pk}
    assert Contact.objects.count() == 4
    removal = LeadRemoval.objects.get()
    assert removal.removed_by == manager
    assert removal.removed_count == 2
    assert {entry["lead"] for entry in removal.removed} == {fresh.pk, callback.pk}
    assert {entry["kept_lead"] for entry in removal.removed} == {sold.pk}


def test_keep_rule_follows_the_status_order_then_the_oldest(campaign, manager):

    leads = [
        make_lead(campaign, f"+452000{i:04d}", status=status)
        for i, status in enumerate(reversed(KEEP_ORDER))
    ]
    # Give every contact the same e-mail in another case.
    Contact.objects.update(email_key="same@example.dk")
    twin = make_lead(campaign, "+4529999999", status=Status.SUCCESS)
    Contact.objects.filter(pk=twin.contact_id).update(email_key="same@example.dk")

    duplicates = find_duplicates([campaign])

    success = next(lead for lead in leads if lead.status == Status.SUCCESS)
    assert {d.kept_lead_id for d in duplicates} == {success.pk}
    assert {d.lead_id for d in duplicates} == (
        {lead.pk for lead in leads} - {success.pk}
    ) | {twin.pk}
    assert {d.reason for d in duplicates} == {"e-mail"}


def test_a_held_lead_is_never_removed(campaign, phoner, manager):

    held = make_lead(
        campaign,
        "+4520000001",
        status=Status.UNSOLVED,
        former_status=Status.UNPROCESSED,
        held_by=phoner,
    )
    winner = make_lead(campaign, "+4520000001", status=Status.NOT_INTERESTED)

    removal = remove_duplicates([campaign], manager)

    assert removal.removed_count == 0
    assert set(Lead.objects.values_list("pk", flat=True)) == {held.pk, winner.pk}


def test_preview_lists_what_would_go_and_removes_nothing(manager_client, campaign):
    autumn = Campaign.objects.create(name="Autumn")
    first = make_lead(campaign, "+4520000001", email="Mette@Firma.dk")
    second = make_lead(autumn, "+4520000002", email="mette@firma.dk")

    response = manager_client.get(check_url(campaign, autumn))

    page = response.content.decode()
    assert "1 of 2 leads would be removed" in page
    [group] = response.context["groups"]
    assert group.kept == first
    assert group.removed == [(second, "e-mail")]
    assert Lead.objects.count() == 2


def test_only_the_chosen_campaigns_are_compared(manager_client, campaign):
    autumn = Campaign.objects.create(name="Autumn")
    make_lead(campaign, "+4520000001")
    make_lead(autumn, "+4520000001")

    manager_client.post(
        reverse("campaigns:duplicate-check"), {"campaigns": [campaign.pk]}
    )

    assert Lead.objects.count() == 2


def test_choosing_no_campaign_is_explained(manager_client):
    response = manager_client.post(reverse("campaigns:duplicate-check"), {})

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_earlier_removals_are_listed(manager_client, manager, campaign):
    make_lead(campaign, "+4520000001")
    make_lead(campaign, "+4520000001")
    remove_duplicates([campaign], manager)

    page = manager_client.get(reverse("campaigns:duplicate-check")).content.decode()

    assert page.count("Earlier removals") == 1
    assert "<td>2</td><td>1</td>" in page
