"""Personal data protection records (Decree 13/2023/NĐ-CP on personal data protection).

- `AccessLogEntry`: every view of a person's full record — who, when, which record, why (art. 27: the
  controller keeps a log of processing; art. 9 gives the data subject the right to know who processed what).
- `DataRequest`: the register of data subjects' requests (access, export, correction, deletion, objection,
  restriction; art. 9, 14–18), received at a counter, by letter or through the citizen portal.
- `RetentionPolicy`: how long each kind of personal data is kept after the record it belongs to ends
  (art. 3 principle of storage limitation; art. 16 deletion when the purpose is over).
- `PurgeRun`: the audit of each run of `purge_personal_data`, what it anonymised or deleted and under which
  periods.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    """Why someone opened a person's full record. The list is short on purpose: a reason must be one the
    inspector reading the log can check against the person's duties."""

    PROCESSING = "processing", _("Processing the dossier or record")
    CONTACT = "contact", _("Contacting the person about their dossier")
    RESULT = "result", _("Returning the result or printing a letter")
    COMPLAINT = "complaint", _("Handling a complaint or feedback")
    EVALUATION = "evaluation", _("Evaluating, approving or deciding as their leader")
    INSPECTION = "inspection", _("Inspection or audit")
    DATA_REQUEST = "data_request", _("Answering the person's data request")
    OTHER = "other", _("Other (explain)")


class RecordKind(models.TextChoices):
    DOSSIER = "dossier", _("Dossier applicant")
    FEEDBACK = "feedback", _("Feedback sender")
    EVALUATION_SHEET = "evaluation_sheet", _("Staff evaluation sheet")
    DISCIPLINE = "discipline", _("Staff discipline record")
    CITIZEN_EXPORT = "citizen_export", _("Citizen data export")


class AccessLogEntry(models.Model):
    """One view of one person's full record. Append-only: the log is what an inspector trusts."""

    at = models.DateTimeField(_("when"), db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as text too: the log must still say who it was after the account is removed.
    user_name = models.CharField(_("who (name)"), max_length=200)
    record_kind = models.CharField(_("record kind"), max_length=20, choices=RecordKind.choices)
    record_key = models.CharField(_("record"), max_length=60, db_index=True)
    # The unit the record belongs to, so an inspector reads the log of the units in their scope only.
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    reason_text = models.CharField(_("explanation"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "at"]),
            models.Index(fields=["unit", "at"]),
            models.Index(fields=["record_kind", "record_key", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_name} {self.record_kind}:{self.record_key}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the access log is append-only")
        super().save(*args, **kwargs)


class RequestKind(models.TextChoices):
    ACCESS = "access", _("See or receive a copy of their data")
    CORRECTION = "correction", _("Correct their data")
    DELETION = "deletion", _("Delete their data")
    RESTRICTION = "restriction", _("Restrict the processing")
    OBJECTION = "objection", _("Object to the processing")
    WITHDRAW_CONSENT = "withdraw_consent", _("Withdraw consent")


class RequestChannel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    LETTER = "letter", _("By letter or e-mail")
    PORTAL = "portal", _("Through the citizen portal (signed in)")


class RequestState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class DataRequest(models.Model):
    """One request of a data subject (Decree 13 art. 9). The answer is due 72 hours after receipt for access,
    correction and deletion (art. 14.3, 15.1, 16.3), which is the due time the register shows."""

    personal_id = models.CharField(_("personal identification number"), max_length=12, db_index=True)
    full_name = models.CharField(_("full name"), max_length=200)
    kind = models.CharField(_("request"), max_length=20, choices=RequestKind.choices)
    channel = models.CharField(_("received"), max_length=10, choices=RequestChannel.choices)
    details = models.TextField(_("details"), blank=True)
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received at"), db_index=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField(_("answer due"))
    state = models.CharField(_("status"), max_length=10, choices=RequestState.choices, default=RequestState.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["unit", "received_at"]), models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class DataType(models.TextChoices):
    """The kinds of personal data the purge knows how to anonymise or delete."""

    DOSSIER_APPLICANT = "dossier_applicant", _("Applicant's details on finished dossiers")
    INTAKE_APPLICANT = "intake_applicant", _("Applicant's details on counter visits without a dossier")
    FEEDBACK_SENDER = "feedback_sender", _("Sender's details on closed feedback")
    RATING_COMMENT = "rating_comment", _("Free-text comments of satisfaction ratings")
    NOTIFICATION = "notification", _("Recipient and text of sent notifications")
    PORTAL_CALL = "portal_call", _("Payloads sent to and answered by the national portal")
    ACCESS_LOG = "access_log", _("Personal data access log")
    DATA_REQUEST = "data_request", _("Closed data subject requests")


class RetentionPolicy(models.Model):
    """How many months a kind of personal data is kept after the record ends; one row per kind, editable by
    the system administrator. Seeded with the defaults of `congvu.privacy.retention.DEFAULT_MONTHS`."""

    data_type = models.CharField(_("personal data"), max_length=30, choices=DataType.choices, unique=True)
    months = models.PositiveIntegerField(_("kept for (months)"), help_text=_("Counted from the end of the record: the dossier finished, the feedback closed, the message sent."))
    enabled = models.BooleanField(_("purge when expired"), default=True)
    note = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        ordering = ["data_type"]

    def __str__(self) -> str:
        return f"{self.get_data_type_display()}: {self.months}"


class PurgeRun(models.Model):
    """The audit of one purge: when, who ran it, whether it was a dry run, the periods in force and what it
    did per kind (`{"dossier_applicant": {"cutoff": "...", "count": 12}, ...}`)."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    run_by = models.CharField(_("run by"), max_length=200, blank=True)
    results = models.JSONField(_("results"), default=dict)

    class Meta:
        verbose_name = _("personal data purge")
        verbose_name_plural = _("personal data purges")
        ordering = ["-started_at"]
