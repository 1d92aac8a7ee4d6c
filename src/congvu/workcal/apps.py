from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalConfig(AppConfig):
    name = "congvu.workcal"
    label = "workcal"
    verbose_name = _("Working calendar")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import services

        services.connect_signals()
