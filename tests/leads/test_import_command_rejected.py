"""`manage.py import_contacts` leaves no new pool behind a rejected file."""

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Campaign, Lead
from leads.models import ContactImport, LeadPool

pytestmark = pytest.mark.django_db

NO_PHONE_COLUMN = "name;email\nIb;ib@example.dk\n"
GOOD = "phone;name\n20123456;Ib\n"


def test_a_rejected_file_leaves_no_new_pool(run_command, write_csv):
    status, report = run_command(write_csv(NO_PHONE_COLUMN), "--pool", "Spring")

    assert status == 1
    assert report["file_error"]["code"] == "FILE_MISSING_PHONE_COLUMN"
    assert not LeadPool.objects.filter(name="Spring").exists()
    rejected = ContactImport.objects.get()
    assert (rejected.state, rejected.pool) == (ContactImport.State.FAILED, None)


def test_a_rejected_file_keeps_an_existing_pool(run_command, write_csv):
    pool = LeadPool.objects.create(name="Spring")

    status, _ = run_command(write_csv(NO_PHONE_COLUMN), "--pool", "Spring")

    assert status == 1
    assert LeadPool.objects.filter(pk=pool.pk).exists()
    assert ContactImport.objects.get().pool == pool


def test_a_rejected_campaign_file_leaves_no_new_default_pool(
    run_command, write_csv, campaign
):
    LeadPool.objects.all().delete()

    status, _ = run_command(write_csv(NO_PHONE_COLUMN), "--campaign", campaign.name)

    assert status == 1
    assert not LeadPool.objects.exists()
    assert not Lead.objects.exists()


def test_a_rejected_campaign_file_keeps_the_default_pool(
    run_command, write_csv, campaign
):
    default = LeadPool.default()

    status, _ = run_command(write_csv(NO_PHONE_COLUMN), "--campaign", campaign.name)

    assert status == 1
    assert LeadPool.objects.filter(pk=default.pk).exists()


def test_an_accepted_file_keeps_its_new_pool(run_command, write_csv):
    status, report = run_command(write_csv(GOOD), "--pool", "Spring")

    assert (status, report["imported"]) == (0, 1)
    assert LeadPool.objects.get(name="Spring").contacts.count() == 1


def test_a_paused_campaign_is_refused_before_anything_is_made(write_csv):
    Campaign.objects.create(name="Paused", is_active=False)
    pools = set(LeadPool.objects.values_list("pk", flat=True))

    with pytest.raises(CommandError, match="'Paused' is not active"):
        call_command("import_contacts", str(write_csv(GOOD)), "--campaign", "Paused")

    assert set(LeadPool.objects.values_list("pk", flat=True)) == pools
    assert not ContactImport.objects.exists()
