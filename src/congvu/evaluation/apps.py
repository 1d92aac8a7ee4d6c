from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "congvu.evaluation"
    verbose_name = _("Monthly evaluation of staff")
    default_auto_field = "django.db.models.BigAutoField"
