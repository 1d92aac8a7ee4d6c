from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """The outbox and its delivery: e-mail and SMS to citizens, written in the same transaction as the event."""

    name = "congvu.notify"
    label = "notify"
    verbose_name = "Thông báo"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from congvu.notify.models import NotificationTemplate
        from congvu.notify.rendering import template_changed

        post_save.connect(template_changed, sender=NotificationTemplate, dispatch_uid="notify_template_saved")
        post_delete.connect(template_changed, sender=NotificationTemplate, dispatch_uid="notify_template_deleted")
