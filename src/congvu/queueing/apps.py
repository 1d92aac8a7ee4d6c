from django.apps import AppConfig


class QueueingConfig(AppConfig):
    """Queue tickets, counters, the kiosk and the display board."""

    name = "congvu.queueing"
    label = "queueing"
    verbose_name = "Xếp hàng"
