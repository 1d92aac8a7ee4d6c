"""The account security log: who issued or revoked an API token, who enrolled or reset a second factor, and
when a password-reset mail went out. Sign-in failures and lockouts are django-axes' own tables."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountAction(models.TextChoices):
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("Two-factor authentication set up")
    SECOND_FACTOR_RESET = "second_factor_reset", _("Two-factor authentication reset by an administrator")
    PASSWORD_RESET_MAILED = "password_reset_mailed", _("Password-reset e-mail sent")


class AccountEvent(models.Model):
    """Append-only: nothing edits or deletes these rows (the admin shows them read-only)."""

    action = models.CharField(_("action"), max_length=30, choices=AccountAction.choices)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    token = models.ForeignKey(
        "units.ApiToken", verbose_name=_("API token"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("account security event")
        verbose_name_plural = _("account security events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject", "action", "at"], name="accounts_event_subject")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} — {self.at:%Y-%m-%d %H:%M}"
