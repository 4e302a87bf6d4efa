"""Release under real concurrency: PostgreSQL row locks, real threads.

Each thread opens its own database connection and closes it at the end.
"""

import os
import re
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from adversus.models import ClientSettings
from campaigns.models import Lead, LeadEvent, Status
from dialer import release
from dialer.release import release_unsolved_leads
from dialer.services import LeadReleased, next_lead, save_result
from tests.dialer.held_leads import hold, make_leads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*jobs):
    """Start the jobs at the same instant; each returns its result or error."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, job))
        for index, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_releases_at_once_release_each_lead_once(campaign, phoner, monkeypatch):
    ClientSettings.load()
    monkeypatch.setattr(release, "BATCH_SIZE", 250)
    leads = make_leads(campaign, 3000)
    held_at = timezone.now() - timedelta(hours=5)
    # Spread the holds so both runs walk the same index range in turns.
    for offset in range(0, len(leads), 100):
        hold(leads[offset : offset + 100], phoner, held_at + timedelta(seconds=offset))

    counts = run_together(release_unsolved_leads, release_unsolved_leads)

    assert all(isinstance(count, int) for count in counts), counts
    assert sum(counts) == 3000
    events = LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED)
    per_lead = Counter(events.values_list("lead_id", flat=True))
    assert len(per_lead) == 3000
    assert set(per_lead.values()) == {1}
    assert not Lead.objects.filter(status=Status.UNSOLVED).exists()


def test_a_result_saved_during_the_release_is_either_saved_or_refused(
    campaign, phoner, monkeypatch
):
    ClientSettings.load()
    # Small batches: the release and the phoner take turns on the rows.
    monkeypatch.setattr(release, "BATCH_SIZE", 5)
    make_leads(campaign, 200)
    served_at = timezone.now() - timedelta(hours=3)
    held = []
    for second in range(200):
        with time_machine.travel(served_at + timedelta(seconds=second), tick=False):
            held.append(next_lead(phoner, campaign))
    outcome: dict[int, str] = {}

    def phoner_saves_newest_first():
        for lead in reversed(held):
            try:
                save_result(lead, phoner, Status.NOT_INTERESTED)
                outcome[lead.pk] = "saved"
            except LeadReleased:
                outcome[lead.pk] = "refused"

    results = run_together(phoner_saves_newest_first, release_unsolved_leads)

    assert not any(isinstance(result, Exception) for result in results), results
    assert len(outcome) == 200
    refused = {pk for pk, result in outcome.items() if result == "refused"}
    assert results[1] == len(refused)
    for lead in Lead.objects.filter(campaign=campaign):
        kinds = Counter(lead.events.values_list("kind", flat=True))
        if lead.pk in refused:
            assert (lead.status, lead.contact_attempts) == (Status.UNPROCESSED, 0)
            assert kinds == {"served": 1, "released": 1}
        else:
            assert (lead.status, lead.contact_attempts) == (
                Status.NOT_INTERESTED,
                1,
            )
            assert kinds == {"served": 1, "result": 1}


def test_two_release_commands_in_separate_processes_share_the_leads(campaign, phoner):
    ClientSettings.load()
    make_leads(campaign, 20000)
    Lead.objects.filter(campaign=campaign).update(
        status=Status.UNSOLVED,
        former_status=Status.UNPROCESSED,
        held_by=phoner,
        held_since=timezone.now() - timedelta(hours=3),
    )
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    command = [sys.executable, "manage.py", "release_unsolved_leads"]

    processes = [
        subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]

    assert [process.returncode for process in processes] == [0, 0]
    counts = [int(re.search(r"Released (\d+)", out).group(1)) for out in outputs]
    assert sum(counts) == 20000
    released = LeadEvent.objects.filter(kind=LeadEvent.Kind.RELEASED)
    assert released.count() == released.values("lead").distinct().count() == 20000
