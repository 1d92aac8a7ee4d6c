from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """The outbox and its delivery: e-mail and SMS to citizens, written in the same transaction as the event."""

    name = "congvu.notify"
    label = "notify"
    verbose_name = "Thông báo"
