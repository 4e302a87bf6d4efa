"""Background work of the leads app: running an uploaded contact import."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import shared_task
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from leads.importing import ImportFileError, fail_import, run_import
from leads.models import Contact, ContactImport

logger = logging.getLogger(__name__)

# An import still pending this long after its upload lost its message (the
# broker was away when it was started, or lost its queue): queue it again.
REQUEUE_AFTER = timedelta(minutes=1)
# An import this big changes the contacts' statistics noticeably.
ANALYZE_AFTER = 10_000
# First key of the advisory lock that one running import holds.
IMPORT_LOCK = 7301


def campaign_step(campaign_id: int | None) -> Callable[[ContactImport], None] | None:
    """What to do with the imported contacts when the target is a campaign.

    `leads` must not depend on `campaigns` at import time (the dependency
    points the other way), so the campaign rule is imported here, only when
    an import targets a campaign, and handed to the importer as a callback
    that runs inside the import's transaction.
    """
    if campaign_id is None:
        return None
    from campaigns.models import Campaign
    from campaigns.services import add_contacts_to_campaign

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise ImportFileError(
            "IMPORT_CAMPAIGN_GONE",
            "The campaign chosen for this upload was deleted before the import "
            "ran, so nothing was imported. Upload the file again.",
        )

    def add_to_campaign(contact_import: ContactImport) -> None:
        add_contacts_to_campaign(campaign, contact_import.contacts.all())

    return add_to_campaign


@contextmanager
def running_alone(import_id: int) -> Iterator[bool]:
    """Whether this process may run the import: no other one is running it.

    A requeued import can have two messages in the queue; two workers
    importing the same file at once would both insert its contacts. A
    session advisory lock on PostgreSQL lets one through, and the database
    drops it when a killed worker's connection goes. SQLite runs one
    writer at a time anyway.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK, import_id])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK, import_id]
                )


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def import_contacts(task, import_id: int) -> None:
    """Run one uploaded import; a retry or a second delivery is harmless."""
    if _runnable(import_id) is None:
        logger.info("import skipped import_id=%s", import_id)
        return
    with running_alone(import_id) as alone:
        if not alone:
            # Either a duplicate message, or the redelivery of a killed run
            # whose connection the database has not dropped yet: look again
            # later, when the state says which.
            logger.info("import busy elsewhere import_id=%s", import_id)
            raise task.retry(countdown=5, max_retries=None)
        _import_contacts(import_id)


def _runnable(import_id: int) -> ContactImport | None:
    """The import, unless it is gone, finished, or still being mapped."""
    return (
        ContactImport.objects.filter(pk=import_id)
        .exclude(
            state__in=[
                ContactImport.State.DONE,
                ContactImport.State.FAILED,
                ContactImport.State.PREVIEW,
            ]
        )
        .first()
    )


def _import_contacts(import_id: int) -> None:
    # Read again under the lock: another run may have finished meanwhile.
    contact_import = _runnable(import_id)
    if contact_import is None:
        logger.info("import skipped import_id=%s", import_id)
        return
    try:
        on_imported = campaign_step(contact_import.options.get("campaign_id"))
    except ImportFileError as error:
        fail_import(contact_import, error)
        return
    contact_import = run_import(contact_import, on_imported=on_imported)
    if contact_import.imported >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # The pool list estimates big pools' sizes from these statistics;
        # autovacuum would refresh them only after a while.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Contact._meta.db_table}")


def queue_import(import_id: int) -> bool:
    """Send the import to the worker; False when the broker is unreachable.

    The import stays pending in the database either way, and
    `requeue_pending_imports` sends it again once the broker answers, so a
    broker outage never loses an upload nor fails the page that started it.
    """
    try:
        import_contacts.delay(import_id)
    except OperationalError:
        logger.exception("import not queued, broker away import_id=%s", import_id)
        return False
    return True


def _orphaned(import_ids: list[int]) -> list[int]:
    """The running imports that no worker runs any more.

    A whole worker killed mid-import (host lost, main process and pool
    killed) leaves its message unacknowledged in Redis for the visibility
    timeout, an hour, and the import "running" meanwhile. Its advisory lock
    went with its connection, so a free lock tells it apart from an import
    still at work. SQLite keeps no such lock: there the redelivery decides.
    """
    if connection.vendor != "postgresql":
        return []
    free = []
    with connection.cursor() as cursor:
        for import_id in import_ids:
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK, import_id]
            )
            if cursor.fetchone()[0]:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK, import_id]
                )
                free.append(import_id)
    return free


@shared_task
def requeue_pending_imports() -> int:
    """Queue again imports whose message was lost; how many were queued.

    Lost means pending a minute after upload (the broker was away), or
    running with no worker holding it. Safe to run twice: a second message
    for an import is skipped once the import is done, and waits while it
    runs.
    """
    # Measured from the upload, as no start time is kept: an import started
    # after a long column mapping may get a second message, which is
    # harmless.
    cutoff = timezone.now() - REQUEUE_AFTER
    old = ContactImport.objects.filter(created_at__lt=cutoff)
    stale = list(
        old.filter(state=ContactImport.State.PENDING).values_list("pk", flat=True)
    )
    running = old.filter(state=ContactImport.State.RUNNING)
    stale += _orphaned(list(running.values_list("pk", flat=True)))
    queued = 0
    for import_id in stale:
        if not queue_import(import_id):
            break
        logger.info("import requeued import_id=%s", import_id)
        queued += 1
    return queued
