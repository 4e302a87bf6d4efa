from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from adversus.forms import ClientSettingsForm
from adversus.models import ClientSettings
from tests.dialer.held_leads import hold, make_leads

URL = reverse("client-settings")
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def valid_form(**changes) -> dict:
    data = {
        "release_unsolved_enabled": "on",
        "release_unsolved_after_hours": "2",
        "release_unsolved_every_minutes": "5",
        "time_zone": "Europe/Copenhagen",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_manager_changes_the_release_settings(client, manager):
    client.force_login(manager)

    response = client.post(
        URL,
        valid_form(
            release_unsolved_after_hours="6",
            release_unsolved_every_minutes="15",
            release_unsolved_enabled=None,
        ),
    )

    assert response.status_code == 302
    saved = ClientSettings.load()
    assert saved.release_unsolved_after_hours == 6
    assert saved.release_unsolved_every_minutes == 15
    assert saved.release_unsolved_enabled is False
    assert "Settings saved." in client.get(URL).content.decode()


def test_admin_may_use_the_settings_page(client, admin_user):
    client.force_login(admin_user)

    response = client.post(URL, valid_form(release_unsolved_after_hours="3"))

    assert response.status_code == 302
    assert ClientSettings.load().release_unsolved_after_hours == 3


@pytest.mark.parametrize("method", ["get", "post"])
def test_phoner_may_not_see_or_change_the_settings(client, phoner, method):
    client.force_login(phoner)

    response = getattr(client, method)(
        URL, valid_form(release_unsolved_after_hours="9")
    )

    assert response.status_code == 403
    assert ClientSettings.load().release_unsolved_after_hours == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("release_unsolved_after_hours", "0", "greater than or equal to 1"),
        ("release_unsolved_after_hours", "721", "less than or equal to 720"),
        ("release_unsolved_after_hours", "two", "Enter a whole number"),
        ("release_unsolved_every_minutes", "0", "greater than or equal to 1"),
        ("release_unsolved_every_minutes", "1441", "less than or equal to 1440"),
        ("time_zone", "Mars/Olympus", "Select a valid choice"),
    ],
)
def test_bad_values_are_refused_with_a_message(client, manager, field, value, message):
    client.force_login(manager)

    response = client.post(URL, valid_form(**{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    saved = ClientSettings.load()
    assert (
        saved.release_unsolved_after_hours,
        saved.release_unsolved_every_minutes,
    ) == (
        2,
        5,
    )


def test_htmx_save_answers_with_the_form_only(client, manager):
    client.force_login(manager)

    response = client.post(
        URL,
        valid_form(release_unsolved_after_hours="4"),
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Settings saved." in body
    assert "<html" not in body
    assert ClientSettings.load().release_unsolved_after_hours == 4


def test_saving_the_form_keeps_a_last_run_written_meanwhile(db):
    loaded = ClientSettings.load()
    form = ClientSettingsForm(
        valid_form(release_unsolved_after_hours="5"), instance=loaded
    )
    ClientSettings.objects.filter(pk=1).update(release_unsolved_last_run_at=NOW)

    assert form.is_valid(), form.errors
    form.save()

    saved = ClientSettings.load()
    assert saved.release_unsolved_after_hours == 5
    assert saved.release_unsolved_last_run_at == NOW


def test_page_shows_how_many_leads_are_held_and_since_when(
    client, manager, campaign, phoner, other_phoner
):
    leads = make_leads(campaign, 4)
    hold(leads[:3], phoner, NOW - timedelta(hours=3))
    hold(leads[3:], other_phoner, NOW - timedelta(minutes=20))
    client.force_login(manager)

    with time_machine.travel(NOW, tick=False):
        response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>4</strong> leads held" in body
    assert "3\xa0hours" in body
    assert "3 are past the release limit" in body
    assert "Per" in body and "Pia" in body


def test_page_says_when_nothing_is_held(client, manager):
    client.force_login(manager)

    response = client.get(URL)

    assert "No lead is held right now." in response.content.decode()


def test_settings_link_is_in_the_managers_menu(client, manager):
    client.force_login(manager)

    response = client.get(reverse("campaigns:campaign-list"))

    assert f'href="{URL}"' in response.content.decode()


def test_admin_edits_client_settings_in_django_admin(client, admin_user):
    ClientSettings.load()
    client.force_login(admin_user)

    page = client.get(reverse("admin:adversus_clientsettings_change", args=[1]))

    assert page.status_code == 200
    assert "release_unsolved_every_minutes" in page.content.decode()


def test_admin_edits_the_release_settings(client, admin_user):
    ClientSettings.load()
    url = reverse("admin:adversus_clientsettings_change", args=[1])
    client.force_login(admin_user)
    page = client.get(url)

    response = client.post(
        url,
        {
            "release_unsolved_enabled": "on",
            "release_unsolved_after_hours": "7",
            "release_unsolved_every_minutes": "5",
            "time_zone": "Europe/Copenhagen",
        },
    )

    assert (page.status_code, response.status_code) == (200, 302)
    assert ClientSettings.load().release_unsolved_after_hours == 7


def test_hold_times_show_in_the_clients_time_zone(
    client, manager, campaign, phoner, settings
):
    settings.TIME_ZONE = "UTC"
    [lead] = make_leads(campaign, 1)
    hold([lead], phoner, datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    client.force_login(manager)

    with time_machine.travel(NOW, tick=False):
        response = client.get(URL)

    assert "since 4 Dec 2026 10:00" in response.content.decode()


def test_an_empty_post_says_which_fields_are_missing(client, manager):
    client.force_login(manager)

    response = client.post(URL, {}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in body
    assert "Settings saved." not in body


def test_form_offers_region_zones_and_the_bounds_to_the_browser(client, manager):
    client.force_login(manager)

    body = client.get(URL).content.decode()

    assert 'name="release_unsolved_after_hours" value="2" min="1" max="720"' in body
    assert '<option value="Europe/Copenhagen" selected>' in body
    assert 'value="localtime"' not in body


def test_held_lead_figures_refresh_on_their_own(client, manager, campaign, phoner):
    client.force_login(manager)
    page = client.get(URL).content.decode()
    [lead] = make_leads(campaign, 1)
    hold([lead], phoner, NOW)

    response = client.get(
        URL, headers={"HX-Request": "true", "HX-Target": "held-leads"}
    )

    body = response.content.decode()
    assert 'hx-trigger="every 30s, settings-saved from:body"' in page
    assert "<strong>1</strong> lead held" in body
    assert "<form" not in body


def test_htmx_save_tells_the_page_to_refresh_the_figures(client, manager):
    client.force_login(manager)

    saved = client.post(URL, valid_form(), headers={"HX-Request": "true"})
    refused = client.post(
        URL,
        valid_form(release_unsolved_after_hours="0"),
        headers={"HX-Request": "true"},
    )

    assert saved["HX-Trigger"] == "settings-saved"
    assert "HX-Trigger" not in refused


def test_a_refused_form_does_not_show_its_values_as_stored(
    client, manager, campaign, phoner
):
    [lead] = make_leads(campaign, 1)
    hold([lead], phoner, NOW - timedelta(hours=5))
    client.force_login(manager)

    with time_machine.travel(NOW, tick=False):
        response = client.post(
            URL,
            valid_form(release_unsolved_after_hours="0", release_unsolved_enabled=None),
        )

    body = response.content.decode()
    assert "greater than or equal to 1" in body
    assert "will be released at the next run" in body
    assert "automatic release is off" not in body
