from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReformConfig(AppConfig):
    name = "congvu.reform"
    verbose_name = _("PAR index and external indices")
    default_auto_field = "django.db.models.BigAutoField"
