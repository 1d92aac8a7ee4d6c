"""Install the Decision 766 scheme as the national portal scores it (INDEX766.md), in force from the Decision's date,
so that a fresh installation can score a unit at once. A reform office installs later versions in the admin."""

import datetime as dt

from django.db import migrations

EFFECTIVE_FROM = dt.date(2022, 6, 23)


def install(apps, schema_editor):
    from congvu.indices.scoring import default_scheme_data, load_scheme

    data = default_scheme_data()
    scheme = load_scheme(data)
    IndicatorScheme = apps.get_model("indices", "IndicatorScheme")
    IndicatorScheme.objects.get_or_create(
        effective_from=EFFECTIVE_FROM,
        defaults={"name": scheme.name, "definition": data, "legal_basis": scheme.legal_basis[:255]},
    )


def uninstall(apps, schema_editor):
    apps.get_model("indices", "IndicatorScheme").objects.filter(effective_from=EFFECTIVE_FROM).delete()


class Migration(migrations.Migration):
    dependencies = [("indices", "0001_rollups")]
    operations = [migrations.RunPython(install, uninstall)]
