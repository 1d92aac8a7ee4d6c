from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "congvu.sync"
    verbose_name = _("National portal sync")
    default_auto_field = "django.db.models.BigAutoField"
