from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "congvu.people"
    verbose_name = _("Inspections, discipline and training")
    default_auto_field = "django.db.models.BigAutoField"
