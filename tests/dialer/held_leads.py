"""Held leads for the release tests, in the state serving leaves them."""

from datetime import datetime

from adversus.models import User
from campaigns.models import Campaign, Lead, LeadEvent, Status
from leads.models import Contact, LeadPool


def make_leads(campaign: Campaign, count: int, status: str = Status.UNPROCESSED):
    pool, _ = LeadPool.objects.get_or_create(name="Release pool")
    start = 20000000 + Contact.objects.count()
    contacts = Contact.objects.bulk_create(
        Contact(pool=pool, phone=f"+45{start + i}") for i in range(count)
    )
    return Lead.objects.bulk_create(
        Lead(campaign=campaign, contact=contact, status=status) for contact in contacts
    )


def hold(leads: list[Lead], phoner: User, since: datetime) -> None:
    """What serving does: the lead turns unsolved and remembers its past."""
    for lead in leads:
        lead.former_status = lead.status
        lead.status = Status.UNSOLVED
        lead.held_by = phoner
        lead.held_since = since
    Lead.objects.bulk_update(
        leads, ["former_status", "status", "held_by", "held_since"]
    )


def released_events(lead: Lead):
    return LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.RELEASED)
