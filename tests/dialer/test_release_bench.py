import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from adversus.models import ClientSettings
from campaigns.models import Campaign, Lead, LeadEvent
from leads.models import Contact, LeadPool


def test_bench_releases_every_lead_it_held_and_cleans_up(db):
    call_command(
        "bench_release", "--leads", "120", "--json", stdout=(out := StringIO())
    )

    figures = json.loads(out.getvalue())
    assert (figures["leads"], figures["released"]) == (120, 120)
    assert figures["seconds"] >= 0
    assert not Campaign.objects.exists()
    assert not LeadPool.objects.filter(name__startswith="Release bench").exists()
    assert (Contact.objects.count(), Lead.objects.count()) == (0, 0)
    assert not LeadEvent.objects.exists()


def test_bench_leaves_leads_nobody_holds_alone(db):
    out = StringIO()

    call_command(
        "bench_release", "--leads", "30", "--other-leads", "70", "--json", stdout=out
    )

    figures = json.loads(out.getvalue())
    assert (figures["released"], figures["other_leads"]) == (30, 70)
    assert not Lead.objects.exists()


def test_bench_prints_a_readable_line(db):
    call_command("bench_release", "--leads", "10", stdout=(out := StringIO()))

    assert out.getvalue().startswith("Released 10 of 10 held leads (beside 0 not ")


def test_bench_refuses_when_release_is_turned_off(db):
    ClientSettings.objects.create(release_unsolved_enabled=False)

    with pytest.raises(CommandError, match="turned off"):
        call_command("bench_release", "--leads", "10")


def test_bench_refuses_a_count_below_one(db):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("bench_release", "--leads", "0")
    with pytest.raises(CommandError, match="at least 0"):
        call_command("bench_release", "--other-leads", "-1")
