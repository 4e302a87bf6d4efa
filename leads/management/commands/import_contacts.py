"""Import a CSV file of contacts into a pool (and optionally a campaign)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leads.importing import NEW_POOL, run_import
from leads.models import ContactImport, LeadPool
from leads.phones import REGIONS
from leads.tasks import campaign_step


class Command(BaseCommand):
    help = (
        "Import contacts from a CSV file. Exit status 0 when the file could "
        "be read (rows may still be rejected), 1 when the file was rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--pool", help="Pool name; created when missing.")
        parser.add_argument("--campaign", help="Also add the contacts to it.")
        parser.add_argument("--country", default="DK", help="Default country.")
        parser.add_argument(
            "--check-pools",
            default="all",
            help="Duplicate check against 'all' pools, 'none', or NAME,NAME.",
        )
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        country = options["country"].upper()
        if country not in REGIONS:
            raise CommandError(f"Unknown country code {country!r}; use e.g. DK, SE.")
        check_pool_ids = self._check_pool_ids(options["check_pools"])
        on_imported, campaign_id = self._campaign(options["campaign"])
        pool, pool_is_new = self._pool(options["pool"], campaign_id)

        contact_import = ContactImport.objects.create(
            pool=pool,
            file_name=path.name,
            state=ContactImport.State.PENDING,
            options={
                "default_country": country,
                "check_pool_ids": check_pool_ids,
                "campaign_id": campaign_id,
                **({NEW_POOL: pool.name} if pool_is_new else {}),
            },
        )
        contact_import = run_import(contact_import, path, on_imported)

        self._report(contact_import, options["json"])
        if contact_import.file_error:
            raise SystemExit(1)

    def _check_pool_ids(self, value: str) -> list[int] | None:
        if value.lower() == "all":
            return None
        if value.lower() == "none":
            return []
        names = [name.strip() for name in value.split(",") if name.strip()]
        pools = dict(LeadPool.objects.filter(name__in=names).values_list("name", "id"))
        missing = [name for name in names if name not in pools]
        if missing:
            raise CommandError(
                f"No pool named {', '.join(map(repr, missing))}; "
                "use all, none, or existing pool names separated by commas."
            )
        return list(pools.values())

    def _campaign(self, name: str | None):
        if not name:
            return None, None
        from campaigns.models import Campaign

        campaign = Campaign.objects.filter(name=name).first()
        if campaign is None:
            raise CommandError(f"No campaign named {name!r}.")
        if not campaign.is_active:
            raise CommandError(
                f"Campaign {name!r} is not active; activate it first, or "
                "import into a pool."
            )
        return campaign_step(campaign.pk), campaign.pk

    def _pool(self, name: str | None, campaign_id: int | None) -> tuple[LeadPool, bool]:
        """The target pool, and whether this run created it."""
        if name:
            return LeadPool.objects.get_or_create(name=name.strip())
        if campaign_id is not None:
            existed = LeadPool.objects.filter(is_default=True).exists()
            return LeadPool.default(), not existed
        raise CommandError("Give --pool NAME, or --campaign NAME for the default pool.")

    def _report(self, contact_import: ContactImport, as_json: bool) -> None:
        if as_json:
            self.stdout.write(
                json.dumps(import_summary(contact_import), ensure_ascii=False)
            )
            return
        if contact_import.file_error:
            error = contact_import.file_error
            self.stderr.write(f"File rejected ({error['code']}): {error['message']}")
            return
        self.stdout.write(
            f"imported={contact_import.imported} rejected={contact_import.rejected}"
            f" duplicates={contact_import.duplicates}"
            f" skipped_blank={contact_import.skipped_blank}"
        )
        for issue in contact_import.issues.iterator(chunk_size=2000):
            self.stdout.write(
                f"row {issue.row} (line {issue.line}) {issue.code}: {issue.message}"
            )


def import_summary(contact_import: ContactImport) -> dict:
    return {
        "imported": contact_import.imported,
        "rejected": contact_import.rejected,
        "duplicates": contact_import.duplicates,
        "skipped_blank": contact_import.skipped_blank,
        "file_error": contact_import.file_error,
        "rows": [
            {"row": i.row, "line": i.line, "code": i.code, "message": i.message}
            for i in contact_import.issues.iterator(chunk_size=2000)
        ],
    }
