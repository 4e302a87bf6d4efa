"""The product's own pages for a missing page and a server error, and its
icon, served from local static files."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from campaigns import views as campaign_views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings) -> None:
    settings.DEBUG = False


def test_a_missing_page_has_the_product_s_look(client, manager):
    client.force_login(manager)

    response = client.get("/no/such/page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page
    assert 'class="topbar"' in page
    assert reverse("campaigns:campaign-list") in page


def test_a_deleted_campaign_gives_the_same_page(client, manager):
    client.force_login(manager)

    response = client.get(reverse("campaigns:campaign-leads", args=[999999]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_server_error_shows_the_plain_error_page(manager, monkeypatch):
    def broken(campaigns):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(campaign_views, "open_and_closed", broken)
    client = Client(raise_request_exception=False)
    client.force_login(manager)

    response = client.get(reverse("campaigns:campaign-list"))

    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "the database went away" not in page


def test_the_error_page_renders_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        page = render_to_string("500.html")

    assert "Something went wrong" in page


def test_the_icon_is_served_from_local_static_files(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response.url == "/static/favicon.ico"
    icon = client.get(response.url)
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_every_page_names_the_icon(client, manager):
    client.force_login(manager)

    response = client.get(reverse("campaigns:campaign-list"))

    assert '<link rel="icon" href="/static/favicon.ico">' in (response.content.decode())
