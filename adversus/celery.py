"""The Celery app: the worker runs imports, beat runs periodic jobs."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adversus.settings")

app = Celery("adversus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_periodic_jobs(sender: Celery, **kwargs) -> None:
    from django.conf import settings

    every = settings.RELEASE_UNSOLVED_EVERY_MINUTES * 60.0
    # A tick not picked up before the next one is useless: let it expire
    # rather than pile up while the worker is down.
    sender.add_periodic_task(
        every,
        sender.signature(
            "dialer.tasks.release_unsolved_leads", options={"expires": every}
        ),
        name="release unsolved leads",
    )
    # Imports started while the broker was away wait in the database.
    sender.add_periodic_task(
        60.0,
        sender.signature(
            "leads.tasks.requeue_pending_imports", options={"expires": 60}
        ),
        name="requeue pending imports",
    )
