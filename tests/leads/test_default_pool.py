"""The default contact pool stays active: campaign uploads land in it."""

import pytest
from django.urls import reverse

from leads.models import LeadPool

pytestmark = pytest.mark.django_db


def test_a_manager_cannot_deactivate_the_default_pool(client, manager):
    client.force_login(manager)
    default = LeadPool.default()

    response = client.post(
        reverse("leads:pool-set-active", args=[default.pk]),
        {"active": "0"},
        follow=True,
    )

    default.refresh_from_db()
    assert default.is_active is True
    assert "The default contact pool cannot be deactivated" in (
        response.content.decode()
    )


def test_the_delete_page_offers_no_deactivation_for_the_default_pool(client, manager):
    client.force_login(manager)
    default = LeadPool.default()

    response = client.get(reverse("leads:pool-delete-confirm", args=[default.pk]))

    page = response.content.decode()
    assert "Deactivate pool" not in page
    assert "so it stays active" in page


def admin_change(pool: LeadPool, **changes) -> dict:
    data = {
        "name": pool.name,
        "purpose": pool.purpose,
        "is_default": "on" if pool.is_default else "",
        "is_active": "on" if pool.is_active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_the_admin_refuses_to_deactivate_the_default_pool(client, admin_user):
    client.force_login(admin_user)
    default = LeadPool.default()

    response = client.post(
        reverse("admin:leads_leadpool_change", args=[default.pk]),
        admin_change(default, is_active=""),
    )

    default.refresh_from_db()
    assert response.status_code == 200
    assert "The default contact pool cannot be deactivated" in (
        response.content.decode()
    )
    assert default.is_active is True


def test_the_admin_still_deactivates_other_pools(client, admin_user):
    client.force_login(admin_user)
    pool = LeadPool.objects.create(name="Spring fair")

    response = client.post(
        reverse("admin:leads_leadpool_change", args=[pool.pk]),
        admin_change(pool, is_active=""),
    )

    pool.refresh_from_db()
    assert response.status_code == 302
    assert pool.is_active is False
