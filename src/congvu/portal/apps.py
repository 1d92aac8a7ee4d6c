from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Citizen-facing pages: dossier lookup and online filing."""

    name = "congvu.portal"
    label = "portal"
    verbose_name = "Cổng dịch vụ công"
