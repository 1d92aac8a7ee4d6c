from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared web layer: layouts, text folding for search, PDF and Excel rendering, staff login."""

    name = "congvu.core"
    label = "core"
    verbose_name = "Chung"
