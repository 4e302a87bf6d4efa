"""The admin's delete page for a pool counts what goes instead of listing
every contact."""

import pytest
from django.urls import reverse

from leads.models import Contact, LeadPool

pytestmark = pytest.mark.django_db


def test_admin_pool_delete_page_counts_contacts_and_deletes(client, admin_user):
    pool = LeadPool.objects.create(name="Old list")
    Contact.objects.bulk_create(
        Contact(pool=pool, phone=f"+45{26000000 + i}", first_name=f"Name{i}")
        for i in range(300)
    )
    client.force_login(admin_user)
    url = reverse("admin:leads_leadpool_delete", args=[pool.pk])

    page = client.get(url).content.decode()

    assert "Old list: 300 contacts, 0 leads in 0 campaigns" in page
    assert "Name17" not in page
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not LeadPool.objects.filter(pk=pool.pk).exists()
    assert not Contact.objects.exists()
