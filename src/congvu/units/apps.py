from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UnitsConfig(AppConfig):
    """Administrative units (with history and merges), staff, job positions, roles and scoping."""

    name = "congvu.units"
    label = "units"
    verbose_name = "Đơn vị và cán bộ"

    def ready(self):
        post_migrate.connect(_sync_role_groups, dispatch_uid="congvu.units.sync_role_groups")


def _sync_role_groups(sender, using, **kwargs):
    # Sent once per installed app after migrate; each app's permissions exist only after its own
    # signal, so the groups are refreshed every time (a handful of queries) to include the latest.
    from congvu.units.services import sync_role_groups

    if using == "default":
        sync_role_groups()
