"""Seed one retention period per kind of personal data (the defaults and their reasons: privacy/retention.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from congvu.privacy.retention import DEFAULT_MONTHS, NOTES

    RetentionPolicy = apps.get_model("privacy", "RetentionPolicy")
    for data_type, months in DEFAULT_MONTHS.items():
        RetentionPolicy.objects.get_or_create(data_type=data_type.value, defaults={"months": months, "note": NOTES[data_type]})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
