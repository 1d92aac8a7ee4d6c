from django.apps import AppConfig


class UnitsConfig(AppConfig):
    """Administrative units (with history and merges), staff, job positions, roles and scoping."""

    name = "congvu.units"
    label = "units"
    verbose_name = "Đơn vị và cán bộ"
