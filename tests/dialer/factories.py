"""Small builders for dialer tests."""

from datetime import datetime

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
