"""Background work of the leads app: running an uploaded contact import."""

import logging
from collections.abc import Callable

from celery import shared_task

from leads.importing import ImportFileError, fail_import, run_import
from leads.models import ContactImport

logger = logging.getLogger(__name__)


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


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_contacts(import_id: int) -> None:
    """Run one uploaded import; a retry or a second delivery is harmless."""
    contact_import = ContactImport.objects.filter(pk=import_id).first()
    if contact_import is None or contact_import.state in (
        ContactImport.State.DONE,
        ContactImport.State.FAILED,
        ContactImport.State.PREVIEW,
    ):
        logger.info("import skipped import_id=%s", import_id)
        return
    try:
        on_imported = campaign_step(contact_import.options.get("campaign_id"))
    except ImportFileError as error:
        fail_import(contact_import, error)
        return
    run_import(contact_import, on_imported=on_imported)
