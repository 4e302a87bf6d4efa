import logging
import time

from celery import shared_task

from adversus.models import ClientSettings
from dialer import release

logger = logging.getLogger(__name__)


@shared_task(name="dialer.tasks.release_unsolved_leads", ignore_result=True)
def release_unsolved_leads() -> int:
    """Beat wakes this often; it releases at the client setting's interval.

    Running it twice at once is harmless: the run is claimed in the
    database, and each lead is released once whoever gets there first.
    """
    if not ClientSettings.load().release_unsolved_enabled:
        logger.info("release skipped reason=disabled")
        return 0
    if not release.claim_scheduled_release():
        logger.debug("release skipped reason=not_due")
        return 0

    started = time.monotonic()
    released = release.release_unsolved_leads()
    seconds = time.monotonic() - started

    logger.info("release finished released=%s seconds=%.3f", released, seconds)
    return released
