"""Seed the Vietnamese default text of every notification (kind × channel) for administrators to edit."""

from django.db import migrations


def seed(apps, schema_editor):
    from congvu.notify.defaults import seed_templates

    seed_templates(apps.get_model("notify", "NotificationTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
