"""Switching off automatic release in the client settings quiets the job."""

import logging

import pytest

from adversus.models import ClientSettings
from dialer.tasks import release_unsolved_leads

pytestmark = pytest.mark.django_db


def test_a_switched_off_release_logs_only_that_it_skipped(caplog):
    client_settings = ClientSettings.load()
    client_settings.release_unsolved_enabled = False
    client_settings.save()

    with caplog.at_level(logging.DEBUG, logger="dialer"):
        released = release_unsolved_leads.delay().get()

    lines = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("dialer")
    ]
    assert released == 0
    assert lines == ["release skipped reason=disabled"]
