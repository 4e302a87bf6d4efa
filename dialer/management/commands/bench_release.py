import json
import time
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from adversus.models import ClientSettings
from campaigns.bench_data import delete_bench_data, select_list
from campaigns.models import Campaign, Lead, Status
from dialer.release import release_unsolved_leads
from leads.models import Contact, LeadPool


class Command(BaseCommand):
    help = (
        "Time the release of unsolved leads: hold N leads in a throwaway pool "
        "and campaign, release them, print the figures, delete it all. Run it "
        "on a bench database: leads held elsewhere and due are released too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--leads", type=int, default=100_000, help="Held leads to release."
        )
        parser.add_argument(
            "--other-leads",
            type=int,
            default=0,
            help="Leads nobody holds, in the same campaign: a big table.",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print JSON."
        )

    def handle(
        self, *args, leads: int, other_leads: int, as_json: bool, **options
    ) -> None:
        if leads < 1 or other_leads < 0:
            raise CommandError(
                "--leads must be at least 1 and --other-leads at least 0."
            )
        client_settings = ClientSettings.load()
        if not client_settings.release_unsolved_enabled:
            raise CommandError(
                "Automatic release is turned off in the client settings; "
                "turn it on to run the bench."
            )

        name = f"Release bench {uuid.uuid4().hex[:8]}"
        pool = LeadPool.objects.create(name=name)
        campaign = Campaign.objects.create(name=name, is_active=False)
        try:
            started = time.monotonic()
            held_since = timezone.now() - timedelta(
                hours=client_settings.release_unsolved_after_hours, minutes=1
            )
            _fill(pool, campaign, leads, other_leads, held_since)
            fill_seconds = time.monotonic() - started

            started = time.monotonic()
            released = release_unsolved_leads()
            seconds = time.monotonic() - started
        finally:
            delete_bench_data(pool, campaign)

        self._report(
            {
                "database": connection.vendor,
                "leads": leads,
                "other_leads": other_leads,
                "released": released,
                "fill_seconds": round(fill_seconds, 3),
                "seconds": round(seconds, 3),
                "leads_per_second": round(released / seconds) if seconds else None,
            },
            as_json=as_json,
        )

    def _report(self, figures: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"Released {figures['released']} of {figures['leads']} held leads "
            f"(beside {figures['other_leads']} not held) "
            f"in {figures['seconds']:.2f} s "
            f"({figures['leads_per_second']} leads/s) on {figures['database']}; "
            f"filling took {figures['fill_seconds']:.2f} s."
        )


def _fill(
    pool: LeadPool, campaign: Campaign, held: int, other: int, held_since
) -> None:
    """Leads nobody holds, then the held ones, each INSERT ... SELECT."""
    not_held = {
        "status": ("%s", [Status.UNPROCESSED]),
    }
    holding = {
        "status": ("%s", [Status.UNSOLVED]),
        "former_status": ("%s", [Status.UNPROCESSED]),
        "held_since": ("%s", [held_since]),
    }
    with transaction.atomic():
        _insert_leads(pool, campaign, other, not_held)
        _insert_leads(pool, campaign, held, holding)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Lead._meta.db_table}")


def _insert_leads(
    pool: LeadPool, campaign: Campaign, count: int, lead_state: dict
) -> None:
    """`count` new contacts in `pool`, each made a lead in `campaign`."""
    if not count:
        return
    now = timezone.now()
    first_new = (
        Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ) + 1
    contact_values = {
        "pool": ("%s", [pool.pk]),
        "phone": ("'+45' || CAST(%s + n AS TEXT)", [50_000_000 + first_new]),
        "created_at": ("%s", [now]),
    }
    lead_values = {
        "campaign": ("%s", [campaign.pk]),
        "contact": ("c.id", []),
        "created_at": ("%s", [now]),
        **lead_state,
    }
    columns, values, params = select_list(Contact, contact_values)
    if connection.vendor == "postgresql":
        series = "generate_series(1, %s) AS s(n)"
    else:
        series = (
            "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL"
            " SELECT n + 1 FROM s WHERE n < %s) SELECT n FROM s) AS s"
        )
    contact_sql = (
        f"INSERT INTO {Contact._meta.db_table} ({columns})"
        f" SELECT {values} FROM {series} ORDER BY n"
    )
    lead_columns, lead_select, lead_params = select_list(Lead, lead_values)
    lead_sql = (
        f"INSERT INTO {Lead._meta.db_table} ({lead_columns})"
        f" SELECT {lead_select} FROM {Contact._meta.db_table} AS c"
        " WHERE c.pool_id = %s AND c.id >= %s ORDER BY c.id"
    )

    with connection.cursor() as cursor:
        cursor.execute(contact_sql, [*params, count])
        cursor.execute(lead_sql, [*lead_params, pool.pk, first_new])
