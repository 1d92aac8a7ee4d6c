from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmulationConfig(AppConfig):
    name = "congvu.emulation"
    verbose_name = _("Emulation and commendation")
    default_auto_field = "django.db.models.BigAutoField"
