"""A web upload into a new pool whose file the worker rejects leaves no
empty pool behind; the upload stays listed with the pool it asked for."""

import pytest
from django.urls import reverse

from leads.models import ContactImport, LeadPool
from tests.leads.test_import_web import run_upload

pytestmark = pytest.mark.django_db

GOOD_ROWS = "".join(f"Name {i},2012{i:04d}\r\n" for i in range(30))
# The preview reads the first rows only; the broken quote comes later.
BROKEN = f'name,phone\r\n{GOOD_ROWS}"Broken,20999999\r\n'.encode()


def test_a_new_pool_is_removed_when_the_worker_rejects_the_file(
    manager_client, django_capture_on_commit_callbacks
):
    contact_import = run_upload(
        manager_client, BROKEN, django_capture_on_commit_callbacks
    )

    assert contact_import.state == ContactImport.State.FAILED
    assert contact_import.pool is None
    assert not LeadPool.objects.filter(name="Spring leads").exists()
    listing = manager_client.get(reverse("leads:import-list")).content.decode()
    assert 'Spring leads <span class="muted">(not kept)</span>' in listing
    detail = manager_client.get(
        reverse("leads:import-detail", args=[contact_import.pk])
    ).content.decode()
    assert "the new pool Spring leads (not kept, as the file was rejected)" in detail


def test_the_same_pool_name_can_be_used_again_after_a_rejected_file(
    manager_client, django_capture_on_commit_callbacks
):
    run_upload(manager_client, BROKEN, django_capture_on_commit_callbacks)
    ContactImport.objects.all().delete()

    fixed = run_upload(
        manager_client,
        f"name,phone\r\n{GOOD_ROWS}".encode(),
        django_capture_on_commit_callbacks,
    )

    assert fixed.state == ContactImport.State.DONE
    assert (fixed.pool.name, fixed.imported) == ("Spring leads", 30)


def test_a_chosen_existing_pool_is_kept_when_the_file_is_rejected(
    manager_client, django_capture_on_commit_callbacks
):
    pool = LeadPool.objects.create(name="Customers")

    contact_import = run_upload(
        manager_client,
        BROKEN,
        django_capture_on_commit_callbacks,
        pool=str(pool.pk),
        new_pool_name="",
    )

    assert contact_import.state == ContactImport.State.FAILED
    assert contact_import.pool == pool
    assert LeadPool.objects.filter(pk=pool.pk).exists()
