import pytest
from django.core.management import call_command
from django.urls import reverse

from adversus.models import ClientSettings, User
from campaigns.models import Campaign
from leads.models import LeadPool


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(reverse("dialer:overview"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_is_open(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200


def test_home_sends_each_role_to_its_work(client, manager, phoner):
    client.force_login(manager)
    assert client.get("/").url == reverse("campaigns:campaign-list")

    client.force_login(phoner)
    assert client.get("/").url == reverse("dialer:overview")


def test_phoner_cannot_open_manager_pages(client, phoner):
    client.force_login(phoner)

    response = client.get(reverse("campaigns:campaign-list"))

    assert response.status_code == 403


def test_there_is_one_default_pool(db):
    assert LeadPool.objects.filter(is_default=True).count() == 1
    assert LeadPool.default().is_default


def test_client_settings_has_a_single_row(db):
    first = ClientSettings.load()
    first.release_unsolved_after_hours = 5
    first.save()

    assert ClientSettings.load().release_unsolved_after_hours == 5
    assert ClientSettings.objects.count() == 1


def test_seed_demo_creates_the_logins_once(db, capsys):
    call_command("seed_demo", password="pw-123456")
    call_command("seed_demo", password="pw-123456")

    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": "admin",
        "manager": "manager",
        "phoner1": "phoner",
        "phoner2": "phoner",
    }
    assert "phoner2" in capsys.readouterr().out
    demo = Campaign.objects.get(name="Demo campaign")
    assert demo.leads.count() == 40
    assert set(demo.phoners.values_list("username", flat=True)) == {
        "phoner1",
        "phoner2",
    }


@pytest.mark.postgres
def test_ci_runs_on_postgresql(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
