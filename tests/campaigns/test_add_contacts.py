from campaigns.models import Lead
from campaigns.services import add_contacts_to_campaign
from leads.models import Contact, LeadPool


def make_contacts(pool: LeadPool, count: int, start: int = 20000000) -> None:
    Contact.objects.bulk_create(
        Contact(pool=pool, phone=f"+45{start + i}") for i in range(count)
    )


def test_adding_a_pool_twice_never_duplicates_a_lead(campaign):
    pool = LeadPool.objects.create(name="Spring fair")
    make_contacts(pool, 5)

    first = add_contacts_to_campaign(campaign, pool.contacts.all())
    make_contacts(pool, 2, start=30000000)
    second = add_contacts_to_campaign(campaign, pool.contacts.all())

    assert (first.added, first.already_there) == (5, 0)
    assert (second.added, second.already_there) == (2, 5)
    assert Lead.objects.filter(campaign=campaign).count() == 7


def test_leads_keep_upload_order(campaign):
    pool = LeadPool.objects.create(name="Ordered")
    make_contacts(pool, 4)

    add_contacts_to_campaign(campaign, pool.contacts.order_by("-id"))

    leads = Lead.objects.filter(campaign=campaign).order_by("id")
    contact_ids = [lead.contact_id for lead in leads]
    assert contact_ids == sorted(contact_ids)
    assert {lead.status for lead in leads} == {"unprocessed"}
