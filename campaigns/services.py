"""Rules for campaigns that views, tasks, commands and the admin share."""

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import Campaign, Lead, Status
from leads.models import Contact

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddedLeads:
    added: int
    already_there: int


def add_contacts_to_campaign(
    campaign: Campaign, contacts: QuerySet[Contact]
) -> AddedLeads:
    """Make leads of `contacts` in `campaign`, in one INSERT ... SELECT.

    A contact already in the campaign is left alone (the unique constraint
    and ON CONFLICT DO NOTHING), so the call can be repeated safely. Leads
    are inserted in contact order, which keeps unprocessed leads in upload
    order.
    """
    contact_sql, params = contacts.order_by().values("id").query.sql_with_params()
    lead_table = Lead._meta.db_table
    now = timezone.now()
    sql = (
        f"INSERT INTO {lead_table} (campaign_id, contact_id, status, former_status,"
        " contact_attempts, created_at)"
        f" SELECT %s, c.id, %s, '', 0, %s FROM ({contact_sql}) AS c"
        # WHERE true: SQLite otherwise reads the upsert's ON as a join's.
        " WHERE true ORDER BY c.id"
        " ON CONFLICT (campaign_id, contact_id) DO NOTHING"
    )

    with transaction.atomic(), connection.cursor() as cursor:
        total = contacts.count()
        cursor.execute(sql, [campaign.pk, Status.UNPROCESSED, now, *params])
        added = cursor.rowcount

    logger.info(
        "leads added campaign_id=%s added=%s already_there=%s",
        campaign.pk,
        added,
        total - added,
    )
    return AddedLeads(added=added, already_there=total - added)
