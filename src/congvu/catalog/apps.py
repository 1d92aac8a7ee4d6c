from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """The procedure catalogue: procedures, their versions by publishing decision, fees, required documents,
    workflows, and the recorded completion of what the national portal leaves out."""

    name = "congvu.catalog"
    label = "catalog"
    verbose_name = _("Procedure catalogue")
