"""A campaign allows at least one contact attempt per lead."""

import re

import pytest
from django.urls import reverse

from campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def test_the_campaign_form_asks_for_at_least_one_attempt(manager_client):
    response = manager_client.get(reverse("campaigns:campaign-create"))

    field = re.search(
        r'<input[^>]*name="max_contact_attempts"[^>]*>', (response.content.decode())
    )
    assert field is not None
    assert 'min="1"' in field.group()


def test_zero_attempts_are_refused_with_the_reason(manager_client):
    response = manager_client.post(
        reverse("campaigns:campaign-create"),
        {"name": "Spring leads", "max_contact_attempts": "0",
         "redial_delay_minutes": "30"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "0 would close every lead before its first call" in (
        response.content.decode()
    )
    assert not Campaign.objects.filter(name="Spring leads").exists()


def test_one_attempt_is_enough(manager_client):
    manager_client.post(
        reverse("campaigns:campaign-create"),
        {"name": "One call", "max_contact_attempts": "1",
         "redial_delay_minutes": "30"},
    )  # fmt: skip

    assert Campaign.objects.get(name="One call").max_contact_attempts == 1
