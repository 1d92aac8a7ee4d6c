"""Load the shipped official overrides (official.py) so administrators see them in the admin and can edit
them. Idempotent: rows already present, edited or not, are left alone. Later official data ships with its own
data migration calling the same loop."""

from django.db import migrations

from congvu.workcal.official import OFFICIAL_OVERRIDES


def load(apps, schema_editor):
    model = apps.get_model("workcal", "CalendarOverride")
    for entry in OFFICIAL_OVERRIDES:
        model.objects.get_or_create(
            date=entry.day, kind=entry.kind.value, unit=None,
            defaults={"reason": entry.reason, "decision_number": entry.decision_number, "decision_date": entry.decision_date},
        )


def unload(apps, schema_editor):
    model = apps.get_model("workcal", "CalendarOverride")
    for entry in OFFICIAL_OVERRIDES:
        model.objects.filter(date=entry.day, kind=entry.kind.value, unit=None, decision_number=entry.decision_number).delete()


class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
