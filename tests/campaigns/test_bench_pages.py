import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from adversus.models import User
from campaigns.models import Campaign, Lead
from leads.models import Contact


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_times_every_page_and_leaves_nothing_behind():
    out = StringIO()

    call_command("bench_pages", "--leads", "300", "--runs", "1", "--json", stdout=out)

    figures = json.loads(out.getvalue())
    pages = {row["page"]: row for row in figures["pages"]}
    assert figures["leads"] == 300
    assert {"leads: first page", "sort: attempts, deep in", "statistics"} <= set(pages)
    assert all(row["ms"] > 0 for row in pages.values())
    assert not Campaign.objects.exists()
    assert not Lead.objects.exists()
    assert not Contact.objects.exists()
    assert not User.objects.exists()


def test_bench_refuses_sqlite_with_advice(db):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("checks the SQLite message")

    with pytest.raises(CommandError, match="set DATABASE_URL"):
        call_command("bench_pages", "--leads", "300")
