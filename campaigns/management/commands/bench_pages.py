"""Time the manager's pages on a large campaign, server-side.

1. Fill a throwaway pool and campaign with N contacts and leads in two
   INSERT ... SELECT statements over generate_series, with a spread of
   statuses, attempts, owners and next contact times, plus one result event
   per hundred leads; VACUUM ANALYZE so plans and index-only scans are those
   of a settled table.
2. Request each page through Django's test Client as a manager (the time is
   the whole request inside the server process: middleware, queries,
   templates), a warm-up run and then the median of --runs.
3. Print the timings against their budgets and delete everything again.
"""

import json
import statistics
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from adversus.models import User
from campaigns.bench_data import delete_bench_data, select_list
from campaigns.models import Campaign, Lead, LeadEvent, PoolCampaign
from leads.models import Contact, LeadPool
from leads.tables import Sort, encode_cursor

PAGE_BUDGET_MS = 300
STATS_BUDGET_MS = 500

# id %% 20 -> status: half unprocessed, the rest spread over the others.
STATUS_CASE = """CASE
    WHEN n %% 20 < 10 THEN 'unprocessed'
    WHEN n %% 20 < 13 THEN 'automatic_redial'
    WHEN n %% 20 = 13 THEN 'common_redial'
    WHEN n %% 20 = 14 THEN 'private_redial'
    WHEN n %% 20 = 15 THEN 'vip_redial'
    WHEN n %% 20 = 16 THEN 'success'
    WHEN n %% 20 = 17 THEN 'not_interested'
    WHEN n %% 20 = 18 THEN 'unqualified'
    WHEN n %% 5000 = 19 THEN 'unsolved'
    ELSE 'invalid' END"""


class Command(BaseCommand):
    help = (
        "Build a throwaway campaign of --leads leads on PostgreSQL, time the "
        "manager's pages (first page, deep pages, filters, sorts, statistics) "
        "through the test client, print the figures and delete it all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--leads", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print JSON."
        )

    def handle(self, *args, leads: int, runs: int, as_json: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_pages measures PostgreSQL; set DATABASE_URL to a "
                "PostgreSQL database made for benchmarks."
            )
        if leads < 100 or runs < 1:
            raise CommandError("Use --leads 100 or more and --runs 1 or more.")
        # Not setup_test_environment(): its template instrumentation would
        # add its own cost to every page timed.
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        suffix = uuid.uuid4().hex[:8]
        manager = User.objects.create_user(
            f"bench-manager-{suffix}", role=User.Role.MANAGER
        )
        phoner = User.objects.create_user(
            f"bench-phoner-{suffix}", role=User.Role.PHONER
        )
        pool = LeadPool.objects.create(name=f"Page bench {suffix}")
        campaign = Campaign.objects.create(
            name=f"Page bench {suffix}", max_contact_attempts=5, is_active=False
        )

        try:
            started = time.perf_counter()
            _fill(pool, campaign, phoner, leads)
            fill_seconds = time.perf_counter() - started
            client = Client()
            client.force_login(manager)
            timings = [
                _time(client, label, url, budget, runs)
                for label, url, budget in _pages(campaign, phoner)
            ]
        finally:
            delete_bench_data(pool, campaign, [manager, phoner])

        figures = {
            "leads": leads,
            "fill_seconds": round(fill_seconds, 1),
            "runs": runs,
            "pages": timings,
        }
        self._report(figures, as_json)

    def _report(self, figures: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        self.stdout.write(
            f"{figures['leads']} leads, filled in {figures['fill_seconds']} s; "
            f"median of {figures['runs']} runs after a warm-up:"
        )
        self.stdout.write(
            f"{'page':<44} {'ms':>8} {'sql ms':>8} {'budget':>7} {'queries':>8}"
        )
        for row in figures["pages"]:
            mark = "ok" if row["ms"] <= row["budget_ms"] else "SLOW"
            self.stdout.write(
                f"{row['page']:<44} {row['ms']:>8.1f} {row['sql_ms']:>8.1f}"
                f" {row['budget_ms']:>7}"
                f" {row['queries']:>8}  {mark}"
            )


def _pages(campaign: Campaign, phoner: User) -> list[tuple[str, str, int]]:
    leads_url = reverse("campaigns:campaign-leads", args=[campaign.pk])
    middle = _middle_lead(campaign)
    by_id = encode_cursor(middle, Sort("id"))
    by_attempts = encode_cursor(middle, Sort("contact_attempts"))
    by_next = encode_cursor(middle, Sort("next_contact_at", descending=True))
    pool_url = reverse("leads:pool-detail", args=[middle.contact.pool_id])
    by_contact = encode_cursor(middle.contact, Sort("id"))
    soon = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    page = PAGE_BUDGET_MS
    return [
        ("campaign list", reverse("campaigns:campaign-list"), page),
        ("leads: first page", leads_url, page),
        ("leads: page 20 (?page=)", f"{leads_url}?page=20", page),
        ("leads: deep in (cursor, middle)", f"{leads_url}?after={by_id}", page),
        ("leads: last page (sort -id)", f"{leads_url}?sort=-id", page),
        ("filter: status=success", f"{leads_url}?status=success", page),
        (
            "filter: status=success, deep in",
            f"{leads_url}?status=success&after={by_id}",
            page,
        ),
        ("filter: owner", f"{leads_url}?owner={phoner.pk}", page),
        ("filter: attempts=3", f"{leads_url}?attempts=3", page),
        ("filter: due within 3 h", f"{leads_url}?due_before={soon}", page),
        ("sort: attempts", f"{leads_url}?sort=contact_attempts", page),
        (
            "sort: attempts, deep in",
            f"{leads_url}?sort=contact_attempts&after={by_attempts}",
            page,
        ),
        ("sort: -next contact", f"{leads_url}?sort=-next_contact_at", page),
        (
            "sort: -next contact, deep in",
            f"{leads_url}?sort=-next_contact_at&after={by_next}",
            page,
        ),
        ("sort: status", f"{leads_url}?sort=status", page),
        (
            "filter+sort: automatic redial by next",
            f"{leads_url}?status=automatic_redial&sort=next_contact_at",
            page,
        ),
        ("htmx table swap", f"{leads_url}?sort=status&htmx", page),
        (
            "lead page",
            reverse("campaigns:lead-detail", args=[middle.pk]),
            page,
        ),
        (
            "statistics",
            reverse("campaigns:campaign-statistics", args=[campaign.pk]),
            STATS_BUDGET_MS,
        ),
        ("pool list", reverse("leads:pool-list"), page),
        ("pool: first page", pool_url, page),
        ("pool: deep in (cursor, middle)", f"{pool_url}?after={by_contact}", page),
        ("pool: phone search", f"{pool_url}?phone=2012345", page),
    ]


def _middle_lead(campaign: Campaign) -> Lead:
    bounds = Lead.objects.filter(campaign=campaign).aggregate(
        low=models.Min("id"), high=models.Max("id")
    )
    middle_id = (bounds["low"] + bounds["high"]) // 2
    return Lead.objects.filter(campaign=campaign, pk__gte=middle_id).order_by("id")[0]


def _time(client: Client, label: str, url: str, budget: int, runs: int) -> dict:
    headers = {"HX-Request": "true"} if url.endswith("&htmx") else {}
    response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise CommandError(f"{label}: {url} answered {response.status_code}")
    durations, sql = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.get(url, headers=headers)
            durations.append((time.perf_counter() - started) * 1000)
        sql.append(sum(float(query["time"]) for query in queries) * 1000)
    return {
        "page": label,
        "url": url,
        "ms": round(statistics.median(durations), 1),
        "sql_ms": round(statistics.median(sql), 1),
        "budget_ms": budget,
        "queries": len(queries),
    }


def _fill(pool: LeadPool, campaign: Campaign, phoner: User, count: int) -> None:
    now = timezone.now()
    contacts = {
        "pool": ("%s", [pool.pk]),
        "phone": ("'+45' || (20000000 + n)::text", []),
        "email": ("'lead' || n || '@example.dk'", []),
        "email_key": ("'lead' || n || '@example.dk'", []),
        "first_name": ("'Søren'", []),
        "last_name": ("'Æbelø ' || n", []),
        "company": ("'Firma ' || (n %% 997)", []),
        "created_at": ("%s", [now]),
    }
    # Lead values are computed from n, the contact's place in the series.
    leads = {
        "campaign": ("%s", [campaign.pk]),
        "contact": ("c.id", []),
        "status": (STATUS_CASE, []),
        "former_status": (
            "CASE WHEN n %% 5000 = 19 THEN 'unprocessed' ELSE '' END",
            [],
        ),
        "contact_attempts": ("CASE WHEN n %% 20 < 10 THEN 0 ELSE n %% 6 END", []),
        "next_contact_at": (
            "CASE WHEN n %% 20 BETWEEN 10 AND 15"
            " THEN %s + (n %% 10000) * interval '1 minute' END",
            [now],
        ),
        "owner": (
            "CASE WHEN n %% 20 IN (14, 15) OR n %% 97 = 0 THEN %s END",
            [phoner.pk],
        ),
        "held_by": ("CASE WHEN n %% 5000 = 19 THEN %s END", [phoner.pk]),
        "held_since": ("CASE WHEN n %% 5000 = 19 THEN %s END", [now]),
        "created_at": ("%s", [now]),
    }
    columns, values, params = select_list(Contact, contacts)
    lead_columns, lead_values, lead_params = select_list(Lead, leads)
    lead_table, contact_table = Lead._meta.db_table, Contact._meta.db_table
    event_table = LeadEvent._meta.db_table

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {contact_table} ({columns}) SELECT {values}"
            " FROM generate_series(1, %s) AS s(n) ORDER BY n",
            [*params, count],
        )
        cursor.execute(
            f"INSERT INTO {lead_table} ({lead_columns}) SELECT {lead_values}"
            f" FROM (SELECT id, row_number() OVER (ORDER BY id) AS n"
            f" FROM {contact_table} WHERE pool_id = %s) AS c ORDER BY c.id",
            [*lead_params, pool.pk],
        )
        cursor.execute(
            f"INSERT INTO {event_table} (lead_id, kind, actor_id, created_at,"
            " from_status, to_status, note)"
            " SELECT id, 'result', %s, %s - (id %% 14) * interval '1 day',"
            " 'unsolved', status, ''"
            f" FROM {lead_table} WHERE campaign_id = %s AND id %% 100 = 0"
            " AND status IN ('automatic_redial', 'common_redial', 'success',"
            " 'not_interested', 'unqualified', 'invalid')",
            [phoner.pk, now, campaign.pk],
        )
        PoolCampaign.objects.create(pool=pool, campaign=campaign)
    with connection.cursor() as cursor:
        for table in (contact_table, lead_table, event_table):
            cursor.execute(f"VACUUM ANALYZE {table}")
