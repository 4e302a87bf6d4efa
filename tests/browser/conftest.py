"""Playwright against Debian's Chromium and Django's live server.

Playwright never downloads a browser here: the tests use /usr/bin/chromium
(scripts/install-chromium installs it) and are skipped, saying why, when it
is missing. Screenshots go to tests/screenshots/ (ignored by git); set
SCREENSHOT_DIR=docs/screenshots to refresh the pictures the README shows.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def pytest_collection_modifyitems(config, items) -> None:
    here = Path(__file__).parent
    missing = shutil.which(CHROMIUM) is None
    for item in items:
        if here not in Path(item.fspath).parents:
            continue
        item.add_marker(pytest.mark.browser)
        if missing:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"no Chromium at {CHROMIUM}: run scripts/install-chromium"
                )
            )


@pytest.fixture
def browser(monkeypatch, live_server):
    """A headless Chromium for one test.

    Playwright's sync API keeps an event loop in the test thread, and Django
    refuses database calls from a thread with a running loop; the fixtures
    and assertions of these tests do run synchronously, so that check is
    lifted while the browser is open.
    """
    from playwright.sync_api import expect, sync_playwright

    # The shared CI machine is slow at times; a real failure still shows.
    expect.set_options(timeout=10_000)

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--disable-dev-shm-usage", "--no-sandbox"],
        )
        yield chromium
        chromium.close()
        # Queries made while Playwright runs use a connection of their own
        # context; left open, it keeps the test database from being dropped.
        connections.close_all()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies)."""
    contexts = []

    def open_page():
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 800},
            locale="da-DK",
            timezone_id="Europe/Copenhagen",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # Keyboard shortcuts work only once the page's scripts have run.
    page.wait_for_load_state()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under the screenshot folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "tests" / "screenshots"))
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
