"""Monthly evaluation of staff (đánh giá, xếp loại hằng tháng): frameworks as versioned configuration, their
assignment to units and years, one sheet per person per month with its criterion rows, evidence and events.

No foreign keys to congvu.people or congvu.emulation (they read this app through its selectors)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.evaluation.framework import LEVEL_LABELS, FrameworkDef, FrameworkError, load_framework
from congvu.units.models import Unit


class Framework(models.Model):
    """One version of an evaluation framework, identified by its code (the issuing decision) and version. The
    definition is the validated JSON (groups, criteria, bands, quota); code, version, name and decision are
    copied from it so that lists and constraints can use them. A version that scored a sheet is never edited:
    a change is a new version."""

    code = models.CharField(_("code"), max_length=40, editable=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    name = models.CharField(_("name"), max_length=300, editable=False)
    decision = models.CharField(_("issuing decision"), max_length=300, editable=False)
    effective_from = models.DateField(_("effective from"), null=True, blank=True, editable=False)
    definition = models.JSONField(_("definition"), help_text=_("Groups, criteria, bands and quota, as in the shipped JSON files."))
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive versions cannot be assigned to new periods."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("evaluation framework")
        verbose_name_plural = _("evaluation frameworks")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="evaluation_framework_code_version",
                                               violation_error_message=_("This version of the framework already exists."))]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def clean(self):
        super().clean()
        try:
            parsed = load_framework(self.definition)
        except FrameworkError as error:
            raise ValidationError({"definition": [ValidationError(m) for m in error.messages]}) from None
        self.copy_from(parsed)
        if self.pk is not None and Sheet.objects.filter(framework_id=self.pk).exists():
            stored = Framework.objects.get(pk=self.pk)
            if stored.definition != self.definition:
                raise ValidationError({"definition": _("Sheets were scored under this version: save the change as a new version instead.")})

    def copy_from(self, parsed: FrameworkDef) -> None:
        self.code, self.version, self.name, self.decision = parsed.code, parsed.version, parsed.name, parsed.decision
        self.effective_from = parsed.effective_from

    @cached_property
    def spec(self) -> FrameworkDef:
        return load_framework(self.definition)


class Assignment(models.Model):
    """Which framework a unit (and, by default, the units under it) uses in a year. The nearest assignment up the
    tree wins; `quota_exception` lets the unit use the framework's exceptional quota (an outstanding unit)."""

    framework = models.ForeignKey(Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="evaluation_assignments")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    include_subunits = models.BooleanField(_("also for the units under it"), default=True)
    quota_exception = models.BooleanField(_("exceptional quota"), default=False,
                                          help_text=_("The unit may use the framework's exceptional percentage for the top band (e.g. an outstanding unit)."))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("framework assignment")
        verbose_name_plural = _("framework assignments")
        ordering = ["-year", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="evaluation_assignment_unit_year",
                                               violation_error_message=_("This unit already has a framework for this year."))]

    def __str__(self) -> str:
        return f"{self.unit} — {self.year}: {self.framework}"


class SheetState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("evaluation sheet state", "Draft")
    SELF_ASSESSED = "self_assessed", _("Self-assessed, awaiting the leader's score")
    SCORED = "scored", _("Scored, awaiting approval")
    APPROVED = "approved", _("Approved and locked")


class Level(models.TextChoices):
    EXCELLENT = "excellent", LEVEL_LABELS["excellent"]
    GOOD = "good", LEVEL_LABELS["good"]
    COMPLETED = "completed", LEVEL_LABELS["completed"]
    NOT_COMPLETED = "not_completed", LEVEL_LABELS["not_completed"]


class Sheet(models.Model):
    """One person's evaluation of one month. `unit` is the unit that rates them (their own unit, or the nearest
    unit above with a leader, see services.rating_unit); the scores are caches of the criterion rows, rewritten
    by the service that changes them. An approved sheet is locked: only a recorded reopening changes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="evaluation_sheets")
    unit = models.ForeignKey(Unit, verbose_name=_("rating unit"), on_delete=models.PROTECT, related_name="evaluation_sheets")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    framework = models.ForeignKey(Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="sheets")
    state = models.CharField(_("state"), max_length=20, choices=SheetState.choices, default=SheetState.DRAFT)
    facts = models.JSONField(_("facts from the system"), default=dict, blank=True)
    facts_at = models.DateTimeField(_("facts gathered at"), null=True, blank=True)
    self_total = models.DecimalField(_("self-assessed score"), max_digits=6, decimal_places=2, null=True, blank=True)
    self_comment = models.TextField(_("self-assessment"), blank=True)
    points = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    band = models.CharField(_("band"), max_length=30, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, blank=True)
    leader_comment = models.TextField(_("leader's comment"), blank=True)
    self_assessed_at = models.DateTimeField(_("self-assessed at"), null=True, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("scored by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("evaluation sheet")
        verbose_name_plural = _("evaluation sheets")
        ordering = ["-year", "-month", "unit__code", "user__username"]
        indexes = [models.Index(fields=["unit", "year", "month"]), models.Index(fields=["user", "year"])]
        constraints = [models.UniqueConstraint(fields=["user", "year", "month"], name="evaluation_sheet_user_month",
                                               violation_error_message=_("This person already has a sheet for this month."))]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} — {self.month:02d}/{self.year}"

    @property
    def is_locked(self) -> bool:
        return self.state == SheetState.APPROVED

    @property
    def band_label(self) -> str:
        band = self.framework.spec.band(self.band) if self.band else None
        return band.label if band else ""


class SheetScore(models.Model):
    """One criterion of a sheet: the person's points, comment and evidence, the system's suggestion, the leader's points."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(_("criterion"), max_length=40)
    self_points = models.DecimalField(_("self-assessed points"), max_digits=6, decimal_places=2, null=True, blank=True)
    self_comment = models.TextField(_("explanation"), blank=True)
    suggested_points = models.DecimalField(_("suggested points"), max_digits=6, decimal_places=2, null=True, blank=True)
    leader_points = models.DecimalField(_("leader's points"), max_digits=6, decimal_places=2, null=True, blank=True)
    leader_comment = models.TextField(_("leader's comment"), blank=True)

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [models.UniqueConstraint(fields=["sheet", "criterion"], name="evaluation_score_criterion")]


class Evidence(models.Model):
    score = models.ForeignKey(SheetScore, on_delete=models.CASCADE, related_name="evidence")
    file = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]


class EventAction(models.TextChoices):
    CREATED = "created", _("Sheet opened with the system's facts")
    SELF_ASSESSED = "self_assessed", _("Self-assessment saved")
    SUBMITTED = "submitted", _("Self-assessment sent to the leader")
    SCORED = "scored", _("Scored by the leader")
    APPROVED = "approved", _("Approved and locked")
    REOPENED = "reopened", _("Reopened")
    FACTS_REFRESHED = "facts_refreshed", _("Facts refreshed")


class SheetEvent(models.Model):
    """Who did what to a sheet, when, from which state to which, and why (a reopening's reason): one row per
    change, written in its transaction."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=30, choices=EventAction.choices)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), null=True, blank=True)

    class Meta:
        verbose_name = _("sheet event")
        verbose_name_plural = _("sheet events")
        ordering = ["at", "pk"]

