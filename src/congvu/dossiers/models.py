"""Dossiers (hồ sơ) and everything that happens to them.

The dossier row caches what its events say (state, current step, due time, clock); `DossierEvent` is the
append-only record those values are rebuilt from by `verify_dossiers`. Steps, routings, supplement
requests, payments, apologies and results are rows of their own, never columns on the dossier.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from congvu.core.text import fold
from congvu.dossiers.states import DossierState


class Channel(models.TextChoices):
    """How the dossier was filed; the national sync codes are 1 in person, 2 online, 3 post (DOMAIN.md §2)."""

    COUNTER = "counter", _("At the counter")
    ONLINE = "online", _("Online")
    POST = "post", _("By public postal service")


CHANNEL_NATIONAL_CODES = {Channel.COUNTER: 1, Channel.ONLINE: 2, Channel.POST: 3}


class ReturnMethod(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    POST = "post", _("By public postal service")
    ELECTRONIC = "electronic", _("Electronically")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    ORGANISATION = "organisation", _("Organisation or business")


class Applicant(models.Model):
    """Who filed: a person (with personal ID) or an organisation (with tax code). One row per dossier, so a
    later correction of an applicant's details never rewrites an older dossier."""

    kind = models.CharField(_("applicant kind"), max_length=20, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN)
    full_name = models.CharField(_("full name"), max_length=200)
    personal_id = models.CharField(_("personal identification number"), max_length=12, blank=True, db_index=True)
    organisation_name = models.CharField(_("organisation name"), max_length=255, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")

    def __str__(self) -> str:
        return self.organisation_name or self.full_name

    @property
    def display_name(self) -> str:
        return f"{self.organisation_name} ({self.full_name})" if self.organisation_name else self.full_name


class Counter(models.Model):
    """A named sequence (dossier numbers of one unit on one day, letter numbers of one unit in one year).
    Taken with SELECT … FOR UPDATE inside the transaction that uses the number, so two intakes at once
    can never get the same code, on one server or several."""

    key = models.CharField(max_length=120, unique=True)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence counter")
        verbose_name_plural = _("sequence counters")


class Dossier(models.Model):
    code = models.CharField(_("dossier code"), max_length=60, unique=True)
    procedure_version = models.ForeignKey("catalog.ProcedureVersion", verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers")
    receiving_unit = models.ForeignKey("units.Unit", verbose_name=_("receiving unit"), on_delete=models.PROTECT, related_name="received_dossiers")
    handling_unit = models.ForeignKey(
        "units.Unit", verbose_name=_("lead handling unit"), on_delete=models.PROTECT, related_name="handled_dossiers",
        help_text=_("The competent body that decides; the receiving unit when it decides itself."),
    )
    current_unit = models.ForeignKey("units.Unit", verbose_name=_("current unit"), on_delete=models.PROTECT, related_name="+")
    current_step = models.ForeignKey(
        "DossierStep", verbose_name=_("current step"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    applicant = models.ForeignKey(Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="dossiers")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    summary = models.TextField(_("request"), blank=True)
    copies = models.PositiveSmallIntegerField(_("number of sets"), default=1)

    state = models.CharField(_("status"), max_length=24, choices=[(s.value, s.value) for s in DossierState], db_index=True)
    lock_version = models.PositiveIntegerField(default=0, help_text="Optimistic concurrency: bumped by every action.")
    event_count = models.PositiveIntegerField(default=0)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True, db_index=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("received by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    clock_started_at = models.DateTimeField(_("clock started at"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("original due time"), null=True, blank=True)
    due_at = models.DateTimeField(_("due time"), null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    extended = models.BooleanField(_("new appointment issued"), default=False)
    supplement_count = models.PositiveSmallIntegerField(_("supplement requests"), default=0)

    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    timeliness = models.CharField(_("timeliness"), max_length=10, choices=Timeliness.choices, blank=True)
    late_unit = models.ForeignKey("units.Unit", verbose_name=_("unit that overran"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(_("result returned at"), null=True, blank=True)
    return_method = models.CharField(_("return method"), max_length=12, choices=ReturnMethod.choices, blank=True)
    returned_to = models.CharField(_("result received by"), max_length=200, blank=True)
    postal_tracking = models.CharField(_("postal tracking number"), max_length=60, blank=True)
    result_on_the_spot = models.BooleanField(_("result on the spot"), default=False)

    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            models.Index(fields=["receiving_unit", "received_at"]),
            models.Index(fields=["current_unit", "state", "due_at"]),
            models.Index(fields=["state", "due_at"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def dossier_state(self) -> DossierState:
        return DossierState(self.state)

    def refresh_search_text(self) -> None:
        a = self.applicant
        self.search_text = fold(" ".join(filter(None, [self.code, a.full_name, a.organisation_name, a.personal_id, a.phone, a.tax_code])))


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ACTIVE = "active", _("In progress")
    DONE = "done", _("Done")
    SENT_BACK = "sent_back", _("Sent back")


class DossierStep(models.Model):
    """One step of the dossier's processing (from the procedure's workflow, or added by a forward to another
    unit), with its own share of the time and its own due time."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("step"), max_length=255)
    unit = models.ForeignKey("units.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="dossier_steps")
    role = models.CharField(_("responsible role"), max_length=30, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True, on_delete=models.PROTECT, related_name="dossier_steps")
    share = models.DecimalField(_("share of the time limit"), max_digits=8, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due time"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    overran = models.BooleanField(_("overran its time"), default=False)

    class Meta:
        verbose_name = _("processing step")
        verbose_name_plural = _("processing steps")
        ordering = ["dossier", "position"]
        constraints = [models.UniqueConstraint(fields=["dossier", "position"], name="dossier_step_position_unique")]
        indexes = [
            models.Index(fields=["unit", "status", "due_at"]), models.Index(fields=["assignee", "status", "due_at"]),
            # The worklist reads a unit's active steps in due order, a page at a time: the active steps are a few
            # percent of all steps ever made, so this index stays small enough to live in memory (680 kB against
            # 3 MB for the full one at 70k steps; the gap grows with the years of finished steps).
            models.Index(fields=["unit", "due_at"], condition=models.Q(status="active"), name="dossier_step_active_unit_due"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier.code} #{self.position} {self.name}"


class Routing(models.Model):
    """The routing slip of joint processing (liên thông): the dossier went from one unit to another."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="routings")
    from_unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]


class DossierEvent(models.Model):
    """One action on a dossier, append-only: the audit record and the source its cached state is rebuilt
    from. Neither the ORM (save of an existing row, delete) nor, on PostgreSQL, SQL can change it."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(db_index=True)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq_unique")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("dossier events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("dossier events are append-only")


class IntakeOutcome(models.TextChoices):
    INCOMPLETE = "incomplete", _("Incomplete: request to complete issued")
    INELIGIBLE = "ineligible", _("Ineligible: refusal issued")


class IntakeRecord(models.Model):
    """A counter visit that did not end in a received dossier (Decree 61/118: the officer issues the request
    to complete, listing everything missing at once, or a refusal with reasons). Kept for the record and
    for the indices; nothing is received."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    procedure_version = models.ForeignKey("catalog.ProcedureVersion", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=12, choices=IntakeOutcome.choices)
    missing = models.JSONField(default=list, blank=True)
    reasons = models.TextField(blank=True)
    letter_number = models.CharField(max_length=60)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("intake record")
        verbose_name_plural = _("intake records")
        ordering = ["-at"]


class SupplementRequest(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplement_requests")
    number = models.PositiveSmallIntegerField()
    items = models.JSONField(default=list)
    reason = models.TextField(blank=True)
    restarts_clock = models.BooleanField(
        default=False, help_text="Appraisal-stage return within 3 working days of receipt: the full time restarts on resubmission.",
    )
    letter_number = models.CharField(max_length=60)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "number"]
        constraints = [models.UniqueConstraint(fields=["dossier", "number"], name="supplement_number_unique")]


class PaymentRequest(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="payment_requests")
    amount_vnd = models.PositiveBigIntegerField()
    description = models.CharField(max_length=255)
    requested_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_online = models.BooleanField(default=False)
    receipt_reference = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["dossier", "requested_at"]


class Apology(models.Model):
    """Letter 04: the body at fault apologises and sets a new appointment, once per dossier."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="apology")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    previous_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()
    letter_number = models.CharField(max_length=60)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class Closure(models.Model):
    """Why a dossier ended without a result: refusal after appraisal, stop, or withdrawal at the citizen's
    request (each with its letter)."""

    class Kind(models.TextChoices):
        REFUSED = "refused", _("Refused")
        STOPPED = "stopped", _("Processing stopped")
        WITHDRAWN = "withdrawn", _("Withdrawn at the applicant's request")

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="closure")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField()
    letter_number = models.CharField(max_length=60)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class DossierResult(models.Model):
    """One result document; linked procedures give one dossier several results, each tracked."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="results")
    name = models.CharField(max_length=255)
    procedure = models.ForeignKey("catalog.Procedure", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey("documents.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    electronic = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "id"]


class DossierDocument(models.Model):
    """A document the applicant submitted: a fresh scan, or a document reused from the citizen's store
    (reuse is counted for the digitisation indicators)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    required_document = models.ForeignKey("catalog.RequiredDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=500)
    file = models.ForeignKey("documents.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reused_from = models.ForeignKey("documents.CitizenDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="reuses")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["dossier", "id"]
