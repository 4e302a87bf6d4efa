"""Time the next-lead queue under concurrent phoners on PostgreSQL.

Fills a throwaway pool and campaign with INSERT ... SELECT over
generate_series, runs K phoners that claim and save as fast as they can
for S seconds, then runs the plainest possible claim with the same K
phoners in the same layout as a baseline, and deletes everything it made.

Layout: the K phoners are threads spread over P forked processes (default
one per CPU core); each phoner has its own database connection. Fifty
single-phoner processes on two cores spend their time switching between
processes; a few processes of many threads keep the cores on the work,
and the threads wait on the database with the GIL released. Latency is
timed around the claim alone (next_lead, or the baseline's one UPDATE);
the save that follows is not in it.
"""

import json
import multiprocessing
import os
import statistics
import threading
import time
import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, models, transaction
from django.utils import timezone

from adversus.models import User
from campaigns.bench_data import delete_bench_data, select_list
from campaigns.models import Campaign, Lead, LeadEvent, Status
from dialer.services import next_lead, save_result
from leads.models import Contact, LeadPool

BASELINE_CLAIM = (
    "UPDATE {table} SET status = 'unsolved', former_status = status,"
    " held_by_id = %s, held_since = now()"
    " WHERE id = (SELECT id FROM {table} WHERE campaign_id = %s"
    " AND status = 'unprocessed' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING id"
)
BASELINE_SAVE = (
    "UPDATE {table} SET status = 'not_interested', former_status = '',"
    " held_by_id = NULL, held_since = NULL,"
    " contact_attempts = contact_attempts + 1 WHERE id = %s"
)


class Command(BaseCommand):
    help = (
        "Benchmark the dialer queue on PostgreSQL: K phoners claim and save "
        "for S seconds on a campaign of N leads, beside a baseline of the "
        "plainest SKIP LOCKED claim run by the same K phoners. Each phoner is "
        "a thread with its own connection; the phoners are spread over "
        "--processes forked processes (default: one per CPU core). Claim "
        "latency is timed around the claim only. Cleans up after itself."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--leads", type=int, default=100_000)
        parser.add_argument("--phoners", type=int, default=10)
        parser.add_argument("--seconds", type=float, default=10.0)
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Worker processes the phoners are spread over, each phoner a "
            "thread with its own connection (default: one per CPU core, at "
            "most one per phoner). Both runs use the same layout.",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object."
        )

    def handle(
        self, *args, leads, phoners, seconds, processes, as_json, **options
    ) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_dialer needs PostgreSQL: set DATABASE_URL=postgres://..."
            )
        if leads < 1 or phoners < 1 or seconds <= 0:
            raise CommandError("--leads, --phoners and --seconds must be positive.")
        if processes is None:
            processes = os.cpu_count() or 1
        if processes < 1:
            raise CommandError("--processes must be positive.")
        processes = min(processes, phoners)

        tag = uuid.uuid4().hex[:8]
        pool = LeadPool.objects.create(name=f"Dialer bench {tag}")
        campaign = Campaign.objects.create(
            name=f"Dialer bench {tag}", max_contact_attempts=5
        )
        users = User.objects.bulk_create(
            User(username=f"bench-{tag}-{i}", role=User.Role.PHONER)
            for i in range(phoners)
        )
        campaign.phoners.set(users)
        try:
            started = time.monotonic()
            _fill(pool, campaign, leads)
            fill_seconds = time.monotonic() - started
            dialer = _run(_dialer_worker, campaign.pk, users, seconds, processes)
            served_twice = _served_twice(campaign)
            _reset(campaign)
            baseline = _run(_baseline_worker, campaign.pk, users, seconds, processes)
        finally:
            delete_bench_data(pool, campaign, users)

        figures = {
            "leads": leads,
            "phoners": phoners,
            "seconds": seconds,
            "processes": processes,
            "fill_seconds": round(fill_seconds, 2),
            **_summary(dialer, seconds),
            "served_twice": served_twice,
            **{
                f"baseline_{key}": value
                for key, value in _summary(baseline, seconds).items()
            },
        }
        if as_json:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"{leads} leads, {phoners} phoners, {seconds:g} s each run "
            f"(filled in {figures['fill_seconds']} s)\n"
            f"dialer:   {figures['claims_per_s']} claims/s, p50 "
            f"{figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 "
            f"{figures['p99_ms']} ms, served twice: {served_twice}\n"
            f"baseline: {figures['baseline_claims_per_s']} claims/s, p50 "
            f"{figures['baseline_p50_ms']} ms, p95 {figures['baseline_p95_ms']} ms,"
            f" p99 {figures['baseline_p99_ms']} ms"
        )


def _run(
    worker, campaign_id: int, users: list[User], seconds: float, processes: int
) -> list:
    """Run the phoners as threads spread over `processes` forked processes,
    each phoner with its own connection; their claim latencies in seconds."""
    # Forked children must not share the parent's database socket.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(users))
    results = context.Queue()
    groups = [
        [user.pk for user in users[start::processes]] for start in range(processes)
    ]
    children = [
        context.Process(
            target=_in_child,
            args=(worker, campaign_id, user_ids, seconds, barrier, results),
        )
        for user_ids in groups
    ]
    for child in children:
        child.start()
    latencies, cpu_seconds, server_cpu = [], 0.0, 0.0
    for _ in children:
        outcome = results.get()
        if isinstance(outcome, str):
            raise CommandError(f"A bench worker failed: {outcome}")
        latencies.extend(outcome[0])
        cpu_seconds += outcome[1]
        server_cpu = (
            None if None in (server_cpu, outcome[2]) else server_cpu + outcome[2]
        )
    for child in children:
        child.join()
    return latencies, cpu_seconds, server_cpu


def _in_child(worker, campaign_id, user_ids, seconds, barrier, results) -> None:
    """One thread per phoner; Django gives each thread its own connection."""
    latencies, errors, server_cpu = [], [], []

    def phoner(user_id: int) -> None:
        try:
            latencies.extend(worker(campaign_id, user_id, seconds, barrier))
            server_cpu.append(_backend_cpu_seconds())
        except Exception as error:  # noqa: BLE001 - sent back to the parent
            barrier.abort()
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=phoner, args=(pk,)) for pk in user_ids]
    started = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # CPU of the whole process (all its phoners), set-up included.
    cpu_seconds = time.process_time() - started
    server = None if None in server_cpu else sum(server_cpu)
    results.put(errors[0] if errors else (latencies, cpu_seconds, server))


def _backend_cpu_seconds() -> float | None:
    """CPU time of this thread's PostgreSQL backend since it started, read
    from /proc when the server runs on this machine; None otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime, the 14th and 15th fields of the whole line.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _dialer_worker(campaign_id, user_id, seconds, barrier) -> list[float]:
    campaign = Campaign.objects.get(pk=campaign_id)
    phoner = User.objects.get(pk=user_id)
    latencies = []
    barrier.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        lead = next_lead(phoner, campaign)
        latencies.append(time.perf_counter() - started)
        if lead is None:
            break
        save_result(lead, phoner, Status.NOT_INTERESTED)
    return latencies


def _baseline_worker(campaign_id, user_id, seconds, barrier) -> list[float]:
    table = Lead._meta.db_table
    claim = BASELINE_CLAIM.format(table=table)
    save = BASELINE_SAVE.format(table=table)
    latencies = []
    with connection.cursor() as cursor:
        barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            cursor.execute(claim, [user_id, campaign_id])
            row = cursor.fetchone()
            latencies.append(time.perf_counter() - started)
            if row is None:
                break
            cursor.execute(save, [row[0]])
    return latencies


def _summary(run: tuple, seconds: float) -> dict:
    latencies, cpu_seconds, server_cpu = run
    if len(latencies) < 2:
        return {"claims": len(latencies), "claims_per_s": 0.0}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    per_claim = 1000 / len(latencies)
    return {
        "claims": len(latencies),
        "claims_per_s": round(len(latencies) / seconds, 1),
        "client_cpu_ms_per_claim": round(cpu_seconds * per_claim, 3),
        "server_cpu_ms_per_claim": (
            None if server_cpu is None else round(server_cpu * per_claim, 3)
        ),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }


def _served_twice(campaign: Campaign) -> int:
    return (
        LeadEvent.objects.filter(lead__campaign=campaign, kind=LeadEvent.Kind.SERVED)
        .values("lead")
        .annotate(times=models.Count("id"))
        .filter(times__gt=1)
        .count()
    )


def _reset(campaign: Campaign) -> None:
    """Put the campaign back to unprocessed so the baseline starts alike."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {LeadEvent._meta.db_table} WHERE lead_id IN"
            f" (SELECT id FROM {Lead._meta.db_table} WHERE campaign_id = %s)",
            [campaign.pk],
        )
        cursor.execute(
            f"UPDATE {Lead._meta.db_table} SET status = 'unprocessed',"
            " former_status = '', held_by_id = NULL, held_since = NULL,"
            " contact_attempts = 0, next_contact_at = NULL,"
            " last_contacted_at = NULL, last_contacted_by_id = NULL"
            " WHERE campaign_id = %s AND status <> 'unprocessed'",
            [campaign.pk],
        )
    _vacuum()


def _fill(pool: LeadPool, campaign: Campaign, count: int) -> None:
    """Contacts and leads from generate_series, in one transaction."""
    now = timezone.now()
    contact_columns, contact_values, contact_params = select_list(
        Contact,
        {
            "pool": ("%s", [pool.pk]),
            "phone": ("'+45' || (10000000 + n)::text", []),
            "created_at": ("%s", [now]),
        },
    )
    lead_columns, lead_values, lead_params = select_list(
        Lead,
        {
            "campaign": ("%s", [campaign.pk]),
            "contact": ("c.id", []),
            "created_at": ("%s", [now]),
        },
    )

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Contact._meta.db_table} ({contact_columns})"
            f" SELECT {contact_values} FROM generate_series(1, %s) AS s(n)"
            " ORDER BY n",
            [*contact_params, count],
        )
        cursor.execute(
            f"INSERT INTO {Lead._meta.db_table} ({lead_columns})"
            f" SELECT {lead_values} FROM {Contact._meta.db_table} AS c"
            " WHERE c.pool_id = %s ORDER BY c.id",
            [*lead_params, pool.pk],
        )
    _vacuum()


def _vacuum() -> None:
    """Both runs start from a vacuumed, analyzed table (VACUUM cannot run
    in a transaction; the connection is in autocommit here)."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Lead._meta.db_table}")
