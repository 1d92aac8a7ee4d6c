from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicesConfig(AppConfig):
    name = "congvu.indices"
    verbose_name = _("Indicators and dashboards")
    default_auto_field = "django.db.models.BigAutoField"
