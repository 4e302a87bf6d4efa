"""The manager's tables of campaigns' leads."""

import django_tables2 as tables
from django.utils import timezone

from adversus.clock import client_time_zone
from campaigns.models import Lead
from leads.tables import KeysetTable

LEAD_SORTS = {
    "id": "id",
    "status": "status",
    "contact_attempts": "contact_attempts",
    "next_contact_at": "next_contact_at",
}


class LeadTable(KeysetTable):
    id = tables.Column(
        verbose_name="#", linkify=("campaigns:lead-detail", {"pk": tables.A("pk")})
    )
    contact = tables.Column(orderable=False)
    phone = tables.Column(accessor="contact__phone", orderable=False)
    status = tables.Column()
    contact_attempts = tables.Column(verbose_name="Attempts")
    next_contact_at = tables.DateTimeColumn(
        verbose_name="Next contact", format="Y-m-d H:i"
    )
    owner = tables.Column(orderable=False)

    class Meta(KeysetTable.Meta):
        model = Lead
        fields = (
            "id",
            "contact",
            "phone",
            "status",
            "contact_attempts",
            "next_contact_at",
            "owner",
        )
        empty_text = "No leads match."

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Times show in the zone callbacks are typed in, as on the lead page.
        self.zone = client_time_zone()

    def render_next_contact_at(self, value):
        return timezone.localtime(value, self.zone).strftime("%Y-%m-%d %H:%M")
