"""Requests a careless or hostile browser may send.

The URL list and who may use each URL come from tests/test_access.py, so a
new page is covered here as soon as it has its access rule.
"""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from adversus.settings import client_address_from_proxy
from tests.conftest import PASSWORD
from tests.test_access import RULES, URLS, story_fixture, url_of  # noqa: F401

# Bookkeeping that any request may write: sessions and login records.
NOT_STATE = {"sessions.session", "axes.accessattempt", "axes.accesslog"}
NOT_STATE |= {"axes.accessfailurelog"}


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def database_state() -> dict[str, list[dict]]:
    """Every row of every model except the bookkeeping above."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label not in NOT_STATE:
            state[label] = list(model.objects.order_by("pk").values())
    return state


def first_role(roles) -> str:
    for role in ("manager", "admin", "phoner", "outsider"):
        if role in roles:
            return role
    raise AssertionError("rule allows nobody")


def signed_in(role: str, story, **client_options) -> Client:
    client = Client(**client_options)
    client.force_login(story["users"][role])
    return client


GET_URLS = sorted(name for name, rule in RULES.items() if name in URLS and rule.get)
POST_URLS = sorted(name for name, rule in RULES.items() if name in URLS and rule.post)


@pytest.mark.parametrize("name", GET_URLS)
def test_get_changes_nothing(name, story):
    rule = RULES[name]
    client = signed_in(first_role(rule.get), story)
    before = database_state()

    client.get(url_of(name, story))

    assert database_state() == before


HTML_GET_URLS = [name for name in GET_URLS if not name.endswith(("-export", "-csv"))]


@pytest.mark.parametrize("name", HTML_GET_URLS)
def test_page_titles_are_plain_text(name, story):
    rule = RULES[name]
    client = signed_in(first_role(rule.get), story)

    response = client.get(url_of(name, story))

    page = response.content.decode()
    if response.status_code == 200 and "<title>" in page:
        title = page.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title and len(title) < 200, title


@pytest.mark.parametrize("name", POST_URLS)
def test_post_without_csrf_token_is_refused_and_changes_nothing(name, story):
    rule = RULES[name]
    client = signed_in(first_role(rule.post), story, enforce_csrf_checks=True)
    before = database_state()

    response = client.post(url_of(name, story), {})

    assert response.status_code == 403
    assert database_state() == before


def test_every_view_that_only_changes_refuses_get(story):
    refused = {}
    for name, rule in RULES.items():
        if name in URLS and rule.get is None:
            client = signed_in(first_role(rule.post), story)
            refused[name] = client.get(url_of(name, story)).status_code

    assert refused
    assert set(refused.values()) == {405}, refused


def failed_login(client: Client, username: str):
    return client.post(
        reverse("login"), {"username": username, "password": "wrong-password"}
    )


def test_login_is_locked_after_the_failure_limit(client, phoner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        failed_login(client, phoner.username)

    response = client.post(
        reverse("login"), {"username": phoner.username, "password": PASSWORD}
    )

    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_login_works_below_the_failure_limit(client, phoner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        failed_login(client, phoner.username)

    response = client.post(
        reverse("login"), {"username": phoner.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(phoner.pk)


def test_lockout_of_one_user_leaves_others_able_to_log_in(
    client, phoner, other_phoner, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        failed_login(client, phoner.username)

    response = client.post(
        reverse("login"), {"username": other_phoner.username, "password": PASSWORD}
    )

    assert response.status_code == 302


def test_login_never_redirects_to_another_site(client, phoner):
    response = client.post(
        reverse("login"),
        {
            "username": phoner.username,
            "password": PASSWORD,
            "next": "https://evil.example.net/phish",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_uploaded_files_are_not_served(client, manager, story):
    contact_import = story["import_done"]
    client.force_login(manager)

    for url in (
        f"/media/{contact_import.file.name}",
        f"/{contact_import.file.name}",
        f"/static/../{contact_import.file.name}",
    ):
        assert client.get(url).status_code == 404, url


def log_in_through_proxy(client, username: str, password: str, client_address: str):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        headers={"X-Forwarded-For": client_address},
    )


def test_behind_the_proxy_a_lockout_holds_only_the_guessing_address(
    client, phoner, settings
):
    settings.AXES_CLIENT_IP_CALLABLE = client_address_from_proxy
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in_through_proxy(client, phoner.username, "wrong", "203.0.113.5")

    spoofed = log_in_through_proxy(
        Client(), phoner.username, PASSWORD, "198.51.100.7, 203.0.113.5"
    )
    colleague = log_in_through_proxy(
        Client(), phoner.username, PASSWORD, "198.51.100.7"
    )

    assert spoofed.status_code == 429
    assert colleague.status_code == 302
