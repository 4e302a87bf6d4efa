"""PostgreSQL restarted while phoners work in the dialer through gunicorn.

Opt-in: it restarts the database server, so it runs only when
RESTART_POSTGRES holds the command that does it, e.g.
`RESTART_POSTGRES="pg_ctlcluster 15 main restart"`. Connections are reused
(CONN_MAX_AGE) and checked before each request (CONN_HEALTH_CHECKS), so
only requests made while the server is down may fail; every request after
it is back must succeed without restarting gunicorn.
"""

import http.cookiejar
import os
import shlex
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pytest
from django.db import connection

from adversus.models import User
from campaigns.models import Campaign, Lead
from leads.models import Contact, LeadPool
from tests.conftest import PASSWORD, make_user
from tests.test_deploy import GUNICORN, ROOT, free_port
from tests.test_faults_worker import database_url

RESTART = os.environ.get("RESTART_POSTGRES", "")
PHONERS = 4
SECONDS_BEFORE = 6.0
SECONDS_AFTER = 8.0

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not RESTART, reason="set RESTART_POSTGRES to run it"),
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Tally:
    ok: int = 0
    failed: list[tuple[float, str]] = field(default_factory=list)
    last_ok_at: float = 0.0


class Phoner:
    """One phoner's browser: a cookie jar and the dialer's two requests."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )
        self.username = username

    def request(self, path: str, data: dict | None = None):
        body = None if data is None else urllib.parse.urlencode(data).encode()
        headers = {"Referer": self.base + path}
        token = next((c.value for c in self.jar if c.name == "csrftoken"), None)
        if token:
            headers["X-CSRFToken"] = token
        request = urllib.request.Request(self.base + path, body, headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                response.read()
                return response.status, response.headers
        except urllib.error.HTTPError as error:
            error.read()
            error.close()
            return error.code, error.headers

    def log_in(self) -> None:
        self.request("/accounts/login/")
        status, _ = self.request(
            "/accounts/login/", {"username": self.username, "password": PASSWORD}
        )
        assert status == 302, status

    def call_one(self, campaign_id: int) -> None:
        """Take the next lead and save "not interested"; raise on failure."""
        status, headers = self.request(f"/dialer/campaigns/{campaign_id}/next/", {})
        if status != 302:
            raise RuntimeError(f"next lead answered {status}")
        location = headers["Location"]
        if "/dialer/leads/" not in location:
            return
        lead_id = location.rstrip("/").split("/")[-1]
        status, _ = self.request(
            f"/dialer/leads/{lead_id}/save/", {"status": "not_interested"}
        )
        if status != 302:
            raise RuntimeError(f"save answered {status}")


def work(phoner: Phoner, campaign_id: int, tally: Tally, stop: threading.Event):
    while not stop.is_set():
        try:
            phoner.call_one(campaign_id)
        except Exception as error:  # noqa: BLE001 - counted, not raised
            tally.failed.append((time.monotonic(), str(error)[:120]))
            time.sleep(0.1)
        else:
            tally.ok += 1
            tally.last_ok_at = time.monotonic()


@pytest.fixture
def gunicorn_on_test_database(tmp_path):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SECRET_KEY": "restart-test-" + "x" * 50,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
    }
    command = [str(GUNICORN), "adversus.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "--threads", "4"]
    with open(tmp_path / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=log)
    time.sleep(3)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_restart_costs_only_requests_made_while_postgresql_is_down(
    gunicorn_on_test_database,
):
    campaign = Campaign.objects.create(name="Restart", max_contact_attempts=3)
    users = [make_user(f"phoner{n}", User.Role.PHONER) for n in range(PHONERS)]
    campaign.phoners.set(users)
    pool = LeadPool.default()
    contacts = Contact.objects.bulk_create(
        Contact(pool=pool, phone=f"+452{n:07d}") for n in range(5000)
    )
    Lead.objects.bulk_create(Lead(campaign=campaign, contact=c) for c in contacts)
    phoners = [Phoner(gunicorn_on_test_database, user.username) for user in users]
    for phoner in phoners:
        phoner.log_in()
    tallies = [Tally() for _ in phoners]
    stop = threading.Event()
    threads = [
        threading.Thread(target=work, args=(phoner, campaign.pk, tally, stop))
        for phoner, tally in zip(phoners, tallies, strict=True)
    ]

    for thread in threads:
        thread.start()
    time.sleep(SECONDS_BEFORE)
    restart_began = time.monotonic()
    subprocess.run(shlex.split(RESTART), check=True, timeout=120)
    restart_ended = time.monotonic()
    time.sleep(SECONDS_AFTER)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    connection.close()
    failures = [moment for tally in tallies for moment, _ in tally.failed]
    print(
        f"restart took {restart_ended - restart_began:.1f}s;"
        f" {sum(t.ok for t in tallies)} calls ok, {len(failures)} failed,"
        f" failures from {min(failures, default=0) - restart_began:+.1f}s"
        f" to {max(failures, default=0) - restart_ended:+.1f}s after"
    )
    assert all(restart_began - 1 <= moment <= restart_ended + 2 for moment in failures)
    assert all(tally.last_ok_at > restart_ended + 2 for tally in tallies)
    assert not Lead.objects.filter(contact_attempts__gt=1).exists()
