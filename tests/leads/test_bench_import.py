import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from leads.models import Contact, ContactImport, ImportIssue, LeadPool


def run_bench(rows: int) -> dict:
    out = StringIO()
    call_command("bench_import", "--rows", str(rows), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db(transaction=True)
def test_bench_reports_the_generated_counts_and_leaves_nothing_behind():
    figures = run_bench(10_000)

    assert figures["rows"] == 10_000
    assert {key: figures[key] for key in ("imported", "rejected", "duplicates")} == (
        figures["expected"]
    )
    assert figures["expected"] == {"imported": 9_988, "rejected": 2, "duplicates": 10}
    assert figures["seconds"] > 0
    assert figures["peak_rss_mb"] >= figures["rss_before_mb"]
    assert not Contact.objects.exists()
    assert not ImportIssue.objects.exists()
    assert not ContactImport.objects.exists()
    assert not LeadPool.objects.filter(name__startswith="Benchmark").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_times_the_bare_copy_and_the_database_floor_without_keeping_rows():
    figures = run_bench(10_000)

    assert figures["bare_copy_seconds"] > 0
    assert figures["database_floor_seconds"] > 0
    assert figures["ratio_to_copy"] == pytest.approx(
        figures["seconds"] / figures["bare_copy_seconds"], rel=0.05
    )
    assert figures["ratio_to_floor"] == pytest.approx(
        figures["seconds"] / figures["database_floor_seconds"], rel=0.05
    )
    # The floor's copy of the contacts is rolled back with everything else.
    assert not Contact.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_bare_copy')")
        assert cursor.fetchone() == (None,)
