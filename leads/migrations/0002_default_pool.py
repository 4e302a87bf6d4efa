from django.db import migrations


def create_default_pool(apps, schema_editor):
    LeadPool = apps.get_model("leads", "LeadPool")
    if not LeadPool.objects.filter(is_default=True).exists():
        LeadPool.objects.create(name="Default contact pool", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(create_default_pool, migrations.RunPython.noop)]
