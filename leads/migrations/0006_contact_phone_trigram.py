"""A trigram index so that part of a phone number is found without reading
the whole contact table (PostgreSQL only; SQLite keeps scanning)."""

from django.db import migrations

INDEX = "contact_phone_trgm_idx"


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON leads_contact"
        " USING gin (phone gin_trgm_ops)"
    )


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_contact_import_link_unchecked"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
