import time

from django.core.management.base import BaseCommand

from adversus.models import ClientSettings
from dialer.release import release_unsolved_leads


class Command(BaseCommand):
    help = (
        "Put leads held unsolved longer than the client setting back to their "
        "former status, now, whatever the release interval."
    )

    def handle(self, *args, **options) -> None:
        if not ClientSettings.load().release_unsolved_enabled:
            self.stdout.write(
                "Automatic release is turned off in the client settings; "
                "nothing was released."
            )
            return

        started = time.monotonic()
        released = release_unsolved_leads()
        seconds = time.monotonic() - started

        self.stdout.write(f"Released {released} unsolved leads in {seconds:.2f} s.")
