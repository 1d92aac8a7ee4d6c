"""The outbound sync to the national public-service portal (Cổng DVCQG).

- `PortalSync`: one row per dossier — where its sync stands (pending / sent / acknowledged / failed with the
  adapter's code and message), what the portal already has (the hash of the last acknowledged record, the
  last acknowledged history item) and the worker's lease. The lease is per dossier, not per change: a
  dossier's changes must reach the portal in order (never its history before its record), so one worker
  takes all of a dossier's due changes at once and no other worker touches that dossier meanwhile.
- `PortalChange`: the queue. One row per dossier event, written in the event's transaction (so a change
  exists exactly when its event does), plus "resync" rows that ask for the full record and all history
  again (`sync_portal --since`, an administrator's resend). Each keeps its attempts, last error and the
  portal's answer.
- `AdapterSession`: the adapter's session token, cached in the database (every worker process shares it).
- `PortalCall`: every call made to the adapter (service, request, answer, HTTP status, time), so that an
  administrator can see exactly what was sent and what came back.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SyncState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("portal sync", "Waiting to sync")
    SENT = "sent", pgettext_lazy("portal sync", "Being sent")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("portal sync", "Synced")
    FAILED = "failed", pgettext_lazy("portal sync", "Sync failed")


class Origin(models.TextChoices):
    LOCAL = "local", _("Filed in the province's one-stop system")
    NATIONAL_PORTAL = "national_portal", _("Filed on the national portal")


class ChangeKind(models.TextChoices):
    EVENT = "event", pgettext_lazy("portal sync", "Dossier event")
    RESYNC = "resync", _("Full resend (record and all history)")


class ChangeState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("portal change", "Waiting")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("portal change", "Accepted by the portal")
    FAILED = "failed", pgettext_lazy("portal change", "Failed")


class PortalSync(models.Model):
    dossier = models.OneToOneField("dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="portal_sync")
    state = models.CharField(pgettext_lazy("portal sync", "sync state"), max_length=14, choices=SyncState.choices, default=SyncState.PENDING)
    origin = models.CharField(_("filed on"), max_length=16, choices=Origin.choices, default=Origin.LOCAL)
    national_code = models.CharField(_("national dossier code (MaHoSo)"), max_length=60, blank=True)
    # None: not asked yet (TraCuuHoSo first); True: the portal has it (update); False: it has not (create).
    on_portal = models.BooleanField(_("known to the portal"), null=True, blank=True)
    attempts = models.PositiveIntegerField(pgettext_lazy("portal sync", "attempts since the last success"), default=0)
    error_code = models.CharField(_("adapter error code"), max_length=40, blank=True)
    error_message = models.TextField(_("adapter error message"), blank=True)
    last_payload_hash = models.CharField(_("hash of the last acknowledged record"), max_length=64, blank=True)
    acked_seq = models.PositiveIntegerField(_("last history item acknowledged (event number)"), default=0)
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    last_acked_at = models.DateTimeField(_("last acknowledged at"), null=True, blank=True)
    # Due time: the retry time while waiting, the end of a worker's lease while one holds it; None = nothing due.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    resent_at = models.DateTimeField(_("resent by an administrator at"), null=True, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resent by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("portal sync of a dossier")
        verbose_name_plural = _("portal sync of dossiers")
        indexes = [
            # The worker's query: dossiers with something due. Synced ones (almost all) are not in it.
            models.Index(fields=["next_attempt_at"], condition=Q(next_attempt_at__isnull=False), name="sync_portalsync_due"),
            models.Index(fields=["state", "updated_at"], name="sync_portalsync_state"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.state}"

    @property
    def portal_code(self) -> str:
        """MaHoSo on the portal: the national one for a dossier filed there, else ours."""
        return self.national_code or self.dossier.code


class PortalChange(models.Model):
    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="portal_changes")
    # No database constraint: on PostgreSQL the events are partitioned by month and their key is (id, at), so
    # nothing unique on id alone can be referenced. The change is written in its event's transaction and events
    # are never deleted, so the reference cannot dangle.
    event = models.ForeignKey("dossiers.DossierEvent", verbose_name=_("event"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              db_constraint=False)
    seq = models.PositiveIntegerField(_("event number"), default=0)
    kind = models.CharField(_("kind of change"), max_length=8, choices=ChangeKind.choices, default=ChangeKind.EVENT)
    state = models.CharField(pgettext_lazy("portal change", "state"), max_length=14, choices=ChangeState.choices, default=ChangeState.PENDING)
    attempts = models.PositiveIntegerField(pgettext_lazy("portal change", "attempts"), default=0)
    # The claim of the worker batch that last took this change (the dossier's lease holds the real lock).
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    answer = models.JSONField(_("portal answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    acked_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("portal sync change")
        verbose_name_plural = _("portal sync changes")
        ordering = ["dossier_id", "id"]
        constraints = [models.UniqueConstraint(fields=["event"], condition=Q(event__isnull=False), name="sync_change_event_unique")]
        indexes = [models.Index(fields=["dossier", "state", "id"], name="sync_change_dossier_state")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.seq}"


class AdapterSession(models.Model):
    """The session the adapter gave at login, shared by every process; replaced when the adapter rejects it."""

    key = models.CharField(max_length=255, unique=True, help_text="adapter URL and user name")
    session = models.TextField()
    obtained_at = models.DateTimeField()

    class Meta:
        verbose_name = _("adapter session")
        verbose_name_plural = _("adapter sessions")


class PortalCall(models.Model):
    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("dossier"), null=True, blank=True, on_delete=models.CASCADE, related_name="portal_calls")
    service = models.CharField(_("service"), max_length=60)
    url = models.CharField(max_length=500, blank=True)
    request = models.JSONField(pgettext_lazy("portal call", "request"), default=dict)
    answer = models.JSONField(pgettext_lazy("portal call", "answer"), null=True, blank=True)
    answer_text = models.TextField(_("raw answer"), blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    error = models.TextField(pgettext_lazy("portal call", "error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    at = models.DateTimeField(pgettext_lazy("portal call", "at"), db_index=True)

    class Meta:
        verbose_name = _("adapter call")
        verbose_name_plural = _("adapter calls")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["dossier", "at"], name="sync_call_dossier_at")]

    def __str__(self) -> str:
        return f"{self.service} {self.at:%Y-%m-%d %H:%M:%S}"


class ResendRecord(models.Model):
    """Who asked for a dossier to be sent again, when, and what that queued (the audit of "Gửi lại")."""

    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="portal_resends")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resent by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(pgettext_lazy("portal call", "at"))
    previous_state = models.CharField(_("state before"), max_length=14, choices=SyncState.choices)
    retried_changes = models.PositiveIntegerField(_("changes retried"), default=0)
    full_resend = models.BooleanField(_("full resend queued"), default=False)

    class Meta:
        verbose_name = _("portal resend")
        verbose_name_plural = _("portal resends")
        ordering = ["-at", "-id"]
