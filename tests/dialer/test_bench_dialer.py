import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from adversus.models import User
from campaigns.models import Campaign, Lead, LeadEvent
from leads.models import Contact


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_dialer_reports_figures_and_cleans_up(capsys):
    call_command("bench_dialer", leads=300, phoners=2, seconds=0.5, as_json=True)

    figures = json.loads(capsys.readouterr().out)
    assert figures["claims"] > 0 and figures["baseline_claims"] > 0
    assert figures["served_twice"] == 0
    for key in ("claims_per_s", "p50_ms", "p95_ms", "p99_ms", "baseline_p99_ms"):
        assert figures[key] >= 0
    assert not Campaign.objects.exists()
    assert not Lead.objects.exists() and not LeadEvent.objects.exists()
    assert not Contact.objects.filter(pool__name__startswith="Dialer bench").exists()
    assert not User.objects.filter(username__startswith="bench-").exists()


@pytest.mark.django_db
def test_bench_dialer_explains_it_needs_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("checks the message shown on SQLite")

    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench_dialer", leads=10, phoners=1, seconds=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_dialer_runs_several_phoners_per_process(capsys):
    call_command(
        "bench_dialer", leads=200, phoners=3, seconds=0.3, processes=1, as_json=True
    )

    figures = json.loads(capsys.readouterr().out)
    assert figures["processes"] == 1
    assert figures["claims"] > 0 and figures["served_twice"] == 0
    assert figures["client_cpu_ms_per_claim"] > 0
    # The test server runs on this machine, so its backends' CPU is readable.
    assert figures["server_cpu_ms_per_claim"] > 0


@pytest.mark.django_db
def test_bench_dialer_refuses_a_process_count_below_one():
    if connection.vendor != "postgresql":
        pytest.skip("the database is checked first")

    with pytest.raises(CommandError, match="--processes must be positive"):
        call_command("bench_dialer", leads=10, phoners=1, seconds=1, processes=0)
