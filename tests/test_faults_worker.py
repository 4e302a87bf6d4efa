"""A real Celery worker on Redis, killed in the middle of an import.

The import task is acks_late with reject_on_worker_lost: when the process
running it dies, the message goes back to the queue and the worker runs it
again. The file must then be imported exactly once, as if nothing happened.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from adversus.celery import app as celery_app
from leads.management.commands.bench_import import write_file
from leads.models import Contact, ContactImport, LeadPool
from leads.tasks import import_contacts

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).with_name("celery")
BROKER = os.environ.get("CELERY_BROKER_URL", "")
if not BROKER.startswith("redis://"):
    BROKER = "redis://127.0.0.1:6379/14"


def redis_is_up() -> bool:
    try:
        return redis.Redis.from_url(BROKER, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def worker(tmp_path, settings):
    """One worker process with one pool child, on its own queue."""
    if not redis_is_up():
        pytest.skip(f"needs Redis at {BROKER}")
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LOG_LEVEL": "INFO",
    }
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "adversus",
                "worker",
                "-Q",
                queue,
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{queue}@localhost",
                "--loglevel",
                "INFO",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: b"ready." in log.read_bytes(), 60, "the worker to start")
        yield process, queue, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def pool_children(worker_pid: int) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(worker_pid)], capture_output=True, text=True
    )
    return [int(pid) for pid in found.stdout.split()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_import_killed_mid_file_is_redelivered_and_imported_once(
    worker, settings, monkeypatch
):
    process, queue, log = worker
    media = Path(settings.MEDIA_ROOT)
    (media / "imports").mkdir(parents=True)
    expected = write_file(media / "imports" / "big.csv", 120_000)
    contact_import = ContactImport.objects.create(
        pool=LeadPool.default(), file="imports/big.csv", file_name="big.csv"
    )
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    with celery_app.connection_for_write(BROKER) as broker:
        import_contacts.apply_async(
            (contact_import.pk,), queue=queue, connection=broker
        )

    def running_halfway():
        state, done = ContactImport.objects.values_list("state", "rows_done").get(
            pk=contact_import.pk
        )
        return state == ContactImport.State.RUNNING and done >= 10_000

    wait_for(running_halfway, 120, "the import to be under way")
    (child,) = pool_children(process.pid)
    os.kill(child, signal.SIGKILL)
    killed_at = ContactImport.objects.get(pk=contact_import.pk)

    def finished():
        contact_import.refresh_from_db()
        return contact_import.state == ContactImport.State.DONE

    wait_for(finished, 240, "the redelivered import to finish")
    assert killed_at.state == ContactImport.State.RUNNING
    assert killed_at.rows_done < expected["imported"]
    assert b"WorkerLostError" in log.read_bytes()
    assert contact_import.imported == expected["imported"]
    assert contact_import.rejected == expected["rejected"]
    assert contact_import.duplicates == expected["duplicates"]
    assert Contact.objects.count() == expected["imported"]
    assert Contact.objects.values("phone").distinct().count() == expected["imported"]
