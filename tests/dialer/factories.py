"""Small builders for dialer tests."""

from datetime import datetime

from django.urls import reverse

from campaigns.models import Campaign, Lead, Status
from leads.models import Contact, LeadPool

_phone = iter(range(20_000_000, 99_999_999))


def make_lead(
    campaign: Campaign,
    status: str = Status.UNPROCESSED,
    *,
    next_contact_at: datetime | None = None,
    owner=None,
    attempts: int = 0,
    **contact_fields,
) -> Lead:
    contact = Contact.objects.create(
        pool=LeadPool.default(), phone=f"+45{next(_phone)}", **contact_fields
    )
    return Lead.objects.create(
        campaign=campaign,
        contact=contact,
        status=status,
        next_contact_at=next_contact_at,
        owner=owner,
        contact_attempts=attempts,
    )


def next_url(campaign) -> str:
    return reverse("dialer:lead-next", args=[campaign.pk])


def open_url(lead) -> str:
    return reverse("dialer:lead-open", args=[lead.pk])


def save_url(lead) -> str:
    return reverse("dialer:lead-save", args=[lead.pk])
