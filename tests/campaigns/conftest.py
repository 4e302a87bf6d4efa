import pytest
from django.utils import timezone

from campaigns.models import Campaign, Lead, LeadEvent, Status
from leads.models import Contact, LeadPool


def make_contacts(pool: LeadPool, count: int, start: int = 20000000, **extra):
    return Contact.objects.bulk_create(
        Contact(pool=pool, phone=f"+45{start + i}", **extra) for i in range(count)
    )


def make_lead(campaign: Campaign, phone: str, email: str = "", **fields) -> Lead:
    pool = LeadPool.objects.get_or_create(name="Story pool")[0]
    contact = Contact.objects.create(pool=pool, phone=phone, email=email)
    return Lead.objects.create(campaign=campaign, contact=contact, **fields)


def record_result(lead: Lead, actor, status: str, at=None) -> LeadEvent:
    event = LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.RESULT,
        actor=actor,
        from_status=Status.UNSOLVED,
        to_status=status,
    )
    if at is not None:
        LeadEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


@pytest.fixture
def pool(db) -> LeadPool:
    return LeadPool.objects.create(name="Spring fair")


@pytest.fixture
def now():
    return timezone.now()
