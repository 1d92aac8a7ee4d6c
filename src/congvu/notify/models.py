"""Notification templates and the outbox.

An `OutboxMessage` is written in the transaction of the event that causes it, already rendered, and is
delivered later by the worker (`congvu worker`). Its `idempotency_key` is unique: queueing the same
notification twice adds nothing, and the key travels with every delivery attempt (the e-mail's Message-ID,
the SMS gateway's Idempotency-Key header) so that a receiver can drop a resend after a crash.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    RECEIVED = "received", _("Dossier received")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    PAYMENT_DUE = "payment_due", _("Payment due")
    RESULT_READY = "result_ready", _("Result ready")
    APOLOGY = "apology", _("Apology with a new date")
    REFUSED = "refused", pgettext_lazy("notification", "Refused")
    FEEDBACK_ANSWERED = "feedback_answered", _("Feedback answered")


class Channel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("notification", "Email")
    SMS = "sms", _("SMS")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Failed")


class Transport(models.TextChoices):
    SMTP = "smtp", _("SMTP server")
    SMS_GATEWAY = "sms_gateway", _("SMS gateway")
    MAILBOX = "mailbox", _("Demo mailbox")


# Rows the worker still has to look at: waiting ones, and ones being sent whose lease may run out.
OPEN_STATUSES = (Status.PENDING, Status.SENDING)


class NotificationTemplate(models.Model):
    """The Vietnamese text of one kind of notification on one channel, in Django template syntax. Seeded with
    the defaults of `congvu.notify.defaults`; deleting a row puts the default back."""

    kind = models.CharField(_("notification"), max_length=30, choices=Kind.choices)
    channel = models.CharField(pgettext_lazy("notification", "channel"), max_length=10, choices=Channel.choices)
    subject = models.CharField(
        _("subject"), max_length=255, blank=True, help_text=_("E-mail subject line; SMS messages have none."),
    )
    body = models.TextField(_("text"))
    enabled = models.BooleanField(_("enabled"), default=True, help_text=_("When off, this notification is not sent on this channel."))
    updated_at = models.DateTimeField(pgettext_lazy("notification", "updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["kind", "channel"]
        constraints = [models.UniqueConstraint(fields=["kind", "channel"], name="notify_template_kind_channel_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_channel_display()}"


class OutboxMessage(models.Model):
    kind = models.CharField(_("notification"), max_length=30, choices=Kind.choices)
    channel = models.CharField(pgettext_lazy("notification", "channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("dossier"), null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the row is next due: the retry time while pending, the end of the worker's lease while sending.
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    transport = models.CharField(_("delivered through"), max_length=12, choices=Transport.choices, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    retried_at = models.DateTimeField(_("retried by an administrator at"), null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("retried by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's query: open rows by due time. Sent and failed rows, the vast majority, are not in it.
            models.Index(fields=["next_attempt_at"], condition=Q(status__in=["pending", "sending"]), name="notify_outbox_due"),
            models.Index(fields=["status", "created_at"], name="notify_outbox_status_created"),
            models.Index(fields=["created_at"], name="notify_outbox_created"),
            models.Index(fields=["transport", "sent_at"], name="notify_outbox_transport_sent"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} → {self.recipient}"

    @property
    def can_retry(self) -> bool:
        return self.status == Status.DEAD
