"""The broker (Redis) away for a while.

Each test runs its own redis-server on a free local port and stops it, so
the shared Redis is never touched. Pages and the dialer must not need the
broker; an upload started while it is away must be kept and queued later.
"""

import shutil
import socket
import subprocess
import time
from datetime import timedelta

import kombu.pools
import pytest
import redis
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from adversus.celery import app as celery_app
from campaigns.models import Lead, Status
from leads.models import Contact, ContactImport, LeadPool
from leads.tasks import requeue_pending_imports

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A throwaway redis-server that can be stopped and started again."""

    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("own redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queued(self, queue: str = "celery") -> int:
        return redis.Redis(port=self.port, socket_timeout=1).llen(queue)


def forget_broker_connections() -> None:
    """Make the next publish connect to the broker configured now.

    Celery keeps its connection and producer pools, and kombu registers
    them globally by broker; closing one without clearing the registry
    leaves a closed pool for the next test to trip over.
    """
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path, monkeypatch):
    if REDIS_SERVER is None:
        pytest.skip("needs redis-server")
    own = OwnRedis(tmp_path)
    own.start()
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    # Celery reads CELERY_BROKER_URL from the environment before its
    # configuration (CI sets it), so both must name the broker of the test.
    monkeypatch.setenv("CELERY_BROKER_URL", own.url)
    monkeypatch.setitem(celery_app.conf, "broker_url", own.url)
    forget_broker_connections()
    yield own
    own.stop()
    forget_broker_connections()


@pytest.mark.django_db(transaction=True)
def test_pages_and_dialer_work_while_the_broker_is_away(
    broker, phoner, manager, campaign
):
    contact = Contact.objects.create(pool=LeadPool.default(), phone="+4520304050")
    lead = Lead.objects.create(campaign=campaign, contact=contact)
    broker.stop()
    dialer = Client()
    dialer.force_login(phoner)
    office = Client()
    office.force_login(manager)

    overview = dialer.get(reverse("dialer:overview"), {"campaign": campaign.pk})
    served = dialer.post(reverse("dialer:lead-next", args=[campaign.pk]))
    saved = dialer.post(
        reverse("dialer:lead-save", args=[lead.pk]), {"status": "not_interested"}
    )
    pages = [
        office.get(reverse(name))
        for name in ("campaigns:campaign-list", "leads:pool-list", "leads:import-list")
    ]

    assert overview.status_code == 200
    assert served.status_code == 302
    assert saved.status_code == 302
    assert [page.status_code for page in pages] == [200, 200, 200]
    lead.refresh_from_db()
    assert lead.status == Status.NOT_INTERESTED


def start_an_upload(client: Client) -> tuple[ContactImport, int]:
    """Upload a small file and start its import; the import and the answer."""
    content = "Telefon;Fornavn\r\n20 12 34 56;Ib\r\n".encode("cp1252")
    client.post(
        reverse("leads:import-upload"),
        {"file": SimpleUploadedFile("c.csv", content, content_type="text/csv")},
    )
    contact_import = ContactImport.objects.get()
    started = client.post(
        reverse("leads:import-start", args=[contact_import.pk]),
        {
            "new_pool_name": "Broker test",
            "default_country": "DK",
            "check_against": "all",
            "column_0": "phone",
            "column_1": "first_name",
        },
    )
    contact_import.refresh_from_db()
    return contact_import, started.status_code


@pytest.mark.django_db(transaction=True)
def test_upload_is_queued_on_a_running_broker(broker, manager):
    client = Client()
    client.force_login(manager)

    contact_import, answer = start_an_upload(client)

    assert answer == 302
    assert contact_import.state == ContactImport.State.PENDING
    assert broker.queued() == 1


@pytest.mark.django_db(transaction=True)
def test_upload_while_the_broker_is_away_is_kept_pending(broker, manager):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    broker.stop()

    contact_import, answer = start_an_upload(client)
    detail = client.get(reverse("leads:import-detail", args=[contact_import.pk]))

    assert answer == 302
    assert contact_import.state == ContactImport.State.PENDING
    assert detail.status_code == 200
    assert "will start when the background worker is reachable" in detail.text


@pytest.mark.django_db(transaction=True)
def test_upload_kept_while_the_broker_was_away_is_queued_when_it_is_back(
    broker, manager
):
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    broker.stop()
    contact_import, _ = start_an_upload(client)
    later = timezone.now() + timedelta(minutes=2)

    with time_machine.travel(later):
        while_away = requeue_pending_imports()
    broker.start()
    forget_broker_connections()
    with time_machine.travel(later):
        once_back = requeue_pending_imports()

    assert while_away == 0
    assert once_back == 1
    assert broker.queued() == 1
    contact_import.refresh_from_db()
    assert contact_import.state == ContactImport.State.PENDING
