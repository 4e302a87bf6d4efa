"""Time the contact import on a generated Danish Excel file.

The file has the shape of Danish Excel's "CSV (semikolonsepareret)":
cp1252, `;`, CRLF, header Fornavn;Efternavn;Telefon;Email. Every 1000th row
repeats the phone of the row 999 before it (a duplicate) and every 5000th
row, offset 4321, has a 7-digit phone (rejected). The import's figures are
printed beside two references on PostgreSQL: a bare COPY of the same file
into a plain table, and the database floor, which is what PostgreSQL alone
needs to store the imported contacts in the contact table.
"""

import json
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from leads.importing import CONTACT_COLUMNS, CONTACT_COPY, run_import
from leads.models import Contact, ContactImport, ImportIssue, LeadPool

GIVEN = ["Søren", "Åse", "Bjørn", "Mette", "Jørgen", "Ægir", "Birthe", "Kåre"]
FAMILY = ["Østergård", "Kjærgaard", "Læsø", "Holm", "Bøgh", "Smørum", "Kragh"]
FIRST_PHONE = 26_000_000


def write_file(path: Path, rows: int) -> dict:
    """Write the benchmark file; return the counts a correct import gives."""
    duplicates = rejected = 0
    with open(path, "w", encoding="cp1252", newline="") as out:
        out.write("Fornavn;Efternavn;Telefon;Email\r\n")
        for index in range(rows):
            if index % 1000 == 999:
                phone = f"+45{FIRST_PHONE + index - 999}"
                duplicates += 1
            elif index % 5000 == 4321:
                phone = "1234567"
                rejected += 1
            else:
                digits = str(FIRST_PHONE + index)
                phone = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
            given = GIVEN[index % len(GIVEN)]
            family = FAMILY[index // 3 % len(FAMILY)]
            out.write(f"{given};{family};{phone};lead{index}@example.dk\r\n")
    return {
        "imported": rows - duplicates - rejected,
        "rejected": rejected,
        "duplicates": duplicates,
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Generate a contact file, import it and compare with a bare COPY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=200_000)
        parser.add_argument("--file", type=Path, help="Import this file instead.")
        parser.add_argument("--keep", action="store_true", help="Keep the contacts.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = options["file"]
            expected = None
            if path is None:
                path = Path(folder) / "bench.csv"
                expected = write_file(path, options["rows"])
            elif not path.is_file():
                raise CommandError(f"No file at {path}.")
            result = self._bench(path, options["keep"])
        result["expected"] = expected
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        for key, value in result.items():
            self.stdout.write(f"{key:>16}: {value}")

    def _bench(self, path: Path, keep: bool) -> dict:
        pool = LeadPool.objects.create(name=f"Benchmark {time.time_ns()}")
        contact_import = ContactImport.objects.create(
            pool=pool, file_name=path.name, state=ContactImport.State.PENDING
        )
        rss_before = peak_rss_mb()

        started = time.perf_counter()
        cpu_started = time.process_time()
        contact_import = run_import(contact_import, path)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started

        rows = contact_import.rows_done
        peak_rss = peak_rss_mb()
        copy_seconds = self._bare_copy(path)
        floor_seconds = self._database_floor(contact_import)
        result = {
            "database": connection.vendor,
            "rows": rows,
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds) if seconds else None,
            # Time this process spent on the CPU: the Python share of the
            # import, less distorted than `seconds` on a busy machine.
            "python_cpu_seconds": round(cpu_seconds, 2),
            "peak_rss_mb": round(peak_rss, 1),
            "rss_before_mb": round(rss_before, 1),
            "bare_copy_seconds": copy_seconds,
            "ratio_to_copy": round(seconds / copy_seconds, 1) if copy_seconds else None,
            "database_floor_seconds": floor_seconds,
            "floor_ratio_to_copy": (
                round(floor_seconds / copy_seconds, 1) if floor_seconds else None
            ),
            "ratio_to_floor": round(seconds / floor_seconds, 2)
            if floor_seconds
            else None,
            "imported": contact_import.imported,
            "rejected": contact_import.rejected,
            "duplicates": contact_import.duplicates,
            "skipped_blank": contact_import.skipped_blank,
            "file_error": contact_import.file_error,
        }
        if not keep:
            self._remove(pool)
        return result

    def _remove(self, pool: LeadPool) -> None:
        """Delete what the run made in bulk: the ORM would load every row."""
        with transaction.atomic(), connection.cursor() as cursor:
            for model, column in (
                (
                    ImportIssue,
                    "contact_import_id IN (SELECT id FROM"
                    f" {ContactImport._meta.db_table} WHERE pool_id = %s)",
                ),
                (Contact, "pool_id = %s"),
                (ContactImport, "pool_id = %s"),
                (LeadPool, "id = %s"),
            ):
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE {column}", [pool.pk]
                )
        if connection.vendor == "postgresql":
            # A million dead rows would skew the next run's plans.
            with connection.cursor() as cursor:
                for model in (ImportIssue, Contact):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")

    def _bare_copy(self, path: Path) -> float | None:
        """Seconds to COPY the raw file into a plain table (PostgreSQL only)."""
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_bare_copy")
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_bare_copy"
                " (first TEXT, last TEXT, phone TEXT, email TEXT)"
            )
            started = time.perf_counter()
            sql = (
                "COPY bench_bare_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';',"
                " HEADER true, ENCODING 'WIN1252')"
            )
            with cursor.copy(sql) as copy, open(path, "rb") as data:
                while block := data.read(1 << 20):
                    copy.write(block)
            seconds = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_bare_copy")
        return round(seconds, 3)

    def _database_floor(self, contact_import: ContactImport) -> float | None:
        """Seconds PostgreSQL alone needs to store the imported contacts.

        The contacts the import stored are read back as COPY text, then
        COPYed into the contact table again, its indexes updated and the
        pool's foreign key checked, in a transaction that is rolled back.
        No file is read and no row checked in Python, so no import of this
        file can store its contacts faster on this database.
        """
        if connection.vendor != "postgresql" or not contact_import.imported:
            return None
        with tempfile.TemporaryFile() as stored:
            with connection.cursor() as cursor:
                out = (
                    f"COPY (SELECT {', '.join(CONTACT_COLUMNS)}"
                    f" FROM {Contact._meta.db_table}"
                    " WHERE contact_import_id = %s ORDER BY id) TO STDOUT"
                )
                with cursor.copy(out, [contact_import.pk]) as copy:
                    for block in copy:
                        stored.write(block)
            stored.seek(0)
            with transaction.atomic(), connection.cursor() as cursor:
                started = time.perf_counter()
                with cursor.copy(f"COPY {CONTACT_COPY} FROM STDIN") as copy:
                    while block := stored.read(1 << 20):
                        copy.write(block)
                # The pool's foreign key is checked at the commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                transaction.set_rollback(True)
        return round(seconds, 3)
