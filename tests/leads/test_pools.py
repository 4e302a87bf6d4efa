import csv
import io

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Lead
from campaigns.services import add_contacts_to_campaign
from leads.models import Contact, LeadPool
from tests.campaigns.conftest import make_contacts


@pytest.fixture
def pool(db) -> LeadPool:
    pool = LeadPool.objects.create(name="Spring fair")
    Contact.objects.create(pool=pool, phone="+4520000001", first_name="Søren",
                           last_name="Kierkegaard", company="Filosofi ApS",
                           email="soren@example.dk")  # fmt: skip
    Contact.objects.create(pool=pool, phone="+4520000002", first_name="Karen",
                           last_name="Blixen", company="Rungstedlund",
                           email="karen@example.dk")  # fmt: skip
    return pool


def test_pool_list_counts_contacts_and_campaigns(manager_client, pool, campaign):
    autumn = Campaign.objects.create(name="Autumn")
    add_contacts_to_campaign(campaign, pool.contacts.all())
    add_contacts_to_campaign(autumn, pool.contacts.filter(phone="+4520000001"))

    response = manager_client.get(reverse("leads:pool-list"))

    pools = {p.name: p for p in response.context["pools"]}
    assert (
        pools["Spring fair"].contact_count,
        pools["Spring fair"].campaign_count,
    ) == (
        2,
        2,
    )


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"name": "søren"}, ["Søren Kierkegaard"]),
        ({"phone": "0002"}, ["Karen Blixen"]),
        ({"phone": "20 00 00 02"}, ["Karen Blixen"]),
        ({"phone": "+45 2000 0001"}, ["Søren Kierkegaard"]),
        ({"email": "KAREN@"}, ["Karen Blixen"]),
        ({"company": "filosofi"}, ["Søren Kierkegaard"]),
        ({"sort": "-last_name"}, ["Søren Kierkegaard", "Karen Blixen"]),
        ({"sort": "company"}, ["Søren Kierkegaard", "Karen Blixen"]),
    ],
)
def test_pool_page_searches_and_sorts_contacts(manager_client, pool, params, names):
    response = manager_client.get(reverse("leads:pool-detail", args=[pool.pk]), params)

    rows = response.context["table"].keyset.rows
    assert [row.display_name for row in rows] == names


def test_pool_page_pages_with_htmx(manager_client, pool):
    make_contacts(pool, 60, start=30000000)
    url = reverse("leads:pool-detail", args=[pool.pk])

    first = manager_client.get(url)
    keyset = first.context["table"].keyset
    second = manager_client.get(url + keyset.next_link, headers={"HX-Request": "true"})

    seen = [c.pk for c in keyset.rows] + [
        c.pk for c in second.context["table"].keyset.rows
    ]
    assert sorted(seen) == list(
        pool.contacts.order_by("id").values_list("pk", flat=True)
    )
    assert second.content.decode().lstrip().startswith('<div class="table-container"')


def test_editing_a_contact_shows_in_every_campaign(manager_client, pool, campaign):
    contact = pool.contacts.get(first_name="Karen")
    lead = Lead.objects.create(campaign=campaign, contact=contact)

    response = manager_client.post(
        reverse("leads:contact-edit", args=[contact.pk]),
        {"phone": "20 30 40 50", "email": " Karen@Blixen.DK ", "first_name": "Karen",
         "last_name": "Blixen", "country": "DK"},
    )  # fmt: skip

    lead.refresh_from_db()
    assert response.status_code == 302
    assert lead.contact.phone == "+4520304050"
    assert lead.contact.email_key == "karen@blixen.dk"


def test_contact_with_an_unreadable_phone_is_explained(manager_client, pool):
    contact = pool.contacts.first()

    response = manager_client.post(
        reverse("leads:contact-edit", args=[contact.pk]), {"phone": "4,47401E+11"}
    )

    contact.refresh_from_db()
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert contact.phone == "+4520000001"


def test_delete_warning_names_contacts_leads_and_campaigns(
    manager_client, pool, campaign
):
    for contact in pool.contacts.all():
        Lead.objects.create(campaign=campaign, contact=contact)

    page = manager_client.get(
        reverse("leads:pool-delete-confirm", args=[pool.pk])
    ).content.decode()

    assert "<strong>2</strong> contacts" in page
    assert "<strong>2</strong> leads in <strong>1</strong> campaign," in page
    assert "The 2 leads\n    already in 1 campaign stay" in page


def test_deleting_a_pool_removes_its_contacts_and_their_leads(
    manager_client, pool, campaign
):
    other = LeadPool.objects.create(name="Customers")
    kept = Contact.objects.create(pool=other, phone="+4520000009")
    Lead.objects.create(campaign=campaign, contact=kept)
    for contact in pool.contacts.all():
        Lead.objects.create(campaign=campaign, contact=contact)

    response = manager_client.post(reverse("leads:pool-delete", args=[pool.pk]))

    assert response.status_code == 302
    assert not LeadPool.objects.filter(pk=pool.pk).exists()
    assert list(Lead.objects.values_list("contact", flat=True)) == [kept.pk]
    messages = manager_client.get(reverse("leads:pool-list")).content.decode()
    assert "2 contacts and 2 leads in 1 campaigns" in messages


def test_the_default_pool_cannot_be_deleted(manager_client):
    default = LeadPool.default()

    manager_client.post(reverse("leads:pool-delete", args=[default.pk]))

    assert LeadPool.objects.filter(pk=default.pk).exists()


def test_deactivated_pool_cannot_be_added_to_a_campaign(manager_client, pool, campaign):
    manager_client.post(
        reverse("leads:pool-set-active", args=[pool.pk]), {"active": "0"}
    )

    manager_client.post(
        reverse("campaigns:pool-add-to-campaign", args=[pool.pk]),
        {"campaign": campaign.pk},
    )

    pool.refresh_from_db()
    assert pool.is_active is False
    assert not Lead.objects.exists()


def test_adding_all_contacts_then_filtered_reports_counts(
    manager_client, pool, campaign
):
    url = reverse("campaigns:pool-add-to-campaign", args=[pool.pk])

    preview = manager_client.get(url, {"name": "karen"})
    filtered = manager_client.post(
        url, {"campaign": campaign.pk, "query": "name=karen"}, follow=True
    )
    everything = manager_client.post(url, {"campaign": campaign.pk}, follow=True)

    assert "<strong>1</strong> contact matching" in preview.content.decode()
    assert "1 lead added to “Winter sale”; 0 already there." in (
        filtered.content.decode()
    )
    assert "1 lead added to “Winter sale”; 1 already there." in (
        everything.content.decode()
    )
    assert Lead.objects.filter(campaign=campaign).count() == 2


def test_pool_export_is_excel_safe(manager_client, pool):
    Contact.objects.create(pool=pool, phone="+4520000003", notes="=1+1",
                           first_name="Åse")  # fmt: skip

    response = manager_client.get(
        reverse("leads:pool-export", args=[pool.pk]), {"name": "Åse"}
    )

    raw = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert raw.startswith(b"\xef\xbb\xbf")
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["First name"], row["Notes"], row["Phone"]) == (
        "Åse",
        "'=1+1",
        "'+4520000003",
    )


@pytest.mark.parametrize("name", ["leads:pool-list"])
def test_phoners_and_anonymous_stay_out(client, phoner, name):
    anonymous = client.get(reverse(name))
    client.force_login(phoner)

    assert anonymous.status_code == 302
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.postgres
def test_search_ignores_case_of_danish_letters_on_postgresql(manager_client, pool):
    Contact.objects.create(pool=pool, phone="+4520000003", first_name="Åse")

    response = manager_client.get(
        reverse("leads:pool-detail", args=[pool.pk]), {"name": "åse"}
    )

    assert [c.first_name for c in response.context["table"].keyset.rows] == ["Åse"]


def test_deactivating_keeps_leads_and_activating_again_allows_adding(
    manager_client, pool, campaign
):
    lead = Lead.objects.create(campaign=campaign, contact=pool.contacts.first())
    url = reverse("leads:pool-set-active", args=[pool.pk])

    manager_client.post(url, {"active": "0"})
    deactivated = LeadPool.objects.get(pk=pool.pk).is_active
    manager_client.post(url, {"active": "1"})

    assert deactivated is False
    assert LeadPool.objects.get(pk=pool.pk).is_active is True
    assert Lead.objects.filter(pk=lead.pk).exists()
