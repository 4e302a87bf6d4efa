"""Two imports at once on PostgreSQL: the second checks for duplicates
against the first one's contacts, so no phone is imported twice."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from leads import importing
from leads.models import Contact

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def contact_file(path, first: int, count: int):
    rows = "".join(
        f"Lead {number};{26_000_000 + number}\r\n"
        for number in range(first, first + count)
    )
    path.write_text(f"Navn;Telefon\r\n{rows}", encoding="utf-8")
    return path


def test_two_overlapping_imports_at_once_import_each_phone_once(tmp_path, monkeypatch):
    # Many small batches, so that the two imports would interleave.
    monkeypatch.setattr(importing, "BATCH_ROWS", 100)
    files = {
        "Spring": contact_file(tmp_path / "a.csv", 0, 2_000),
        "Summer": contact_file(tmp_path / "b.csv", 1_000, 2_000),
    }
    start = threading.Barrier(len(files))
    errors = []

    def run(pool: str) -> None:
        try:
            start.wait()
            call_command(
                "import_contacts", str(files[pool]), "--pool", pool, stdout=StringIO()
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pool,)) for pool in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    repeated = (
        Contact.objects.values("phone").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    assert repeated == 0
    assert Contact.objects.count() == 3_000
