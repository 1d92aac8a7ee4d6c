"""PAR index frameworks, the units' assessments and their verification, external indices, and the audit trail
of every change to them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.reform.framework import TARGETS
from congvu.units.models import Unit, UnitKind


class Target(models.TextChoices):
    DEPARTMENT = "department", _("Departments and agencies")
    COMMUNE = "commune", _("Communes and wards")


assert tuple(Target.values) == TARGETS

# The unit kinds a framework of each target scores.
TARGET_KINDS = {Target.DEPARTMENT: UnitKind.DEPARTMENT, Target.COMMUNE: UnitKind.COMMUNE}


class Framework(models.Model):
    """One year's PAR index framework for departments or for communes, as the province issued it."""

    name = models.CharField(_("name"), max_length=255)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    target = models.CharField(_("assessed units"), max_length=20, choices=Target.choices)
    total_points = models.DecimalField(_("total points"), max_digits=7, decimal_places=2, default=Decimal(100))
    bands = models.JSONField(_("bands"), default=list, help_text=_("List of [label, minimum score], e.g. [[\"A\", 90], [\"B\", 80], [\"C\", 70], [\"D\", 0]]."))
    legal_basis = models.TextField(_("legal basis"), blank=True)
    is_example = models.BooleanField(_("example framework"), default=False, help_text=_("Shipped as an example; replace it with the province's decision."))
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("PAR index framework")
        verbose_name_plural = _("PAR index frameworks")
        ordering = ["-year", "target"]
        constraints = [models.UniqueConstraint(fields=["year", "target"], name="reform_framework_year_target",
                                               violation_error_message=_("A framework for this year and these units already exists."))]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def band_pairs(self) -> list[tuple[str, Decimal]]:
        return [(str(label), Decimal(str(minimum))) for label, minimum in self.bands]

    @property
    def unit_kind(self) -> str:
        return TARGET_KINDS[Target(self.target)]


class Criterion(models.Model):
    """An area, a criterion or a sub-criterion. A leaf is either self-assessed by the unit or bound to a metric
    the system measures (`metric` a key of congvu.indices.selectors.METRICS, `scoring` how its value maps to
    points: {"method": "proportional", "scale": "1"} or {"method": "thresholds", "thresholds": [[min, points], …]})."""

    framework = models.ForeignKey(Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=500)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    order = models.PositiveIntegerField(_("order"), default=0)
    metric = models.CharField(_("bound metric"), max_length=40, blank=True, help_text=_("Empty: the unit assesses itself."))
    scoring = models.JSONField(_("scoring of the metric"), null=True, blank=True)
    guidance = models.TextField(_("guidance and evidence required"), blank=True)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["framework", "order"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="reform_criterion_code",
                                               violation_error_message=_("Another criterion of this framework has this code."))]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class AssessmentState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("PAR assessment state", "Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting verification")
    VERIFIED = "verified", _("Verified")


class Assessment(models.Model):
    """One unit's assessment under one framework: its self-assessment, then the reform office's verification.
    The scores are caches of the criterion rows, rewritten by the service that changes them."""

    framework = models.ForeignKey(Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="assessments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="par_assessments")
    state = models.CharField(_("state"), max_length=20, choices=AssessmentState.choices, default=AssessmentState.DRAFT)
    self_score = models.DecimalField(_("self-assessed score"), max_digits=7, decimal_places=2, default=Decimal(0))
    final_score = models.DecimalField(_("final score"), max_digits=7, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delegates = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="par_delegations", verbose_name=_("delegated staff"))

    class Meta:
        verbose_name = _("PAR self-assessment")
        verbose_name_plural = _("PAR self-assessments")
        constraints = [models.UniqueConstraint(fields=["framework", "unit"], name="reform_assessment_unit")]

    def __str__(self) -> str:
        return f"{self.unit} — {self.framework}"


class Verification(models.TextChoices):
    PENDING = "", _("Not verified yet")
    ACCEPTED = "accepted", _("Accepted")
    CORRECTED = "corrected", _("Corrected")
    AUTOMATIC = "automatic", _("Scored by the system")


class CriterionScore(models.Model):
    """A leaf criterion of one assessment: the unit's points and explanation, the office's verdict; for a
    bound criterion the measured value and its points, snapshotted when computed so results stay reproducible."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    self_points = models.DecimalField(_("self-assessed points"), max_digits=6, decimal_places=2, null=True, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    verification = models.CharField(_("verification"), max_length=20, choices=Verification.choices, blank=True, default="")
    verified_points = models.DecimalField(_("verified points"), max_digits=6, decimal_places=2, null=True, blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    metric_value = models.DecimalField(_("measured value"), max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="reform_score_criterion")]


class Evidence(models.Model):
    score = models.ForeignKey(CriterionScore, on_delete=models.CASCADE, related_name="evidence")
    file = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]


class ExternalIndexKind(models.TextChoices):
    PCI = "pci", _("PCI — Provincial Competitiveness Index")
    PAPI = "papi", _("PAPI — Provincial Governance and Public Administration Performance Index")
    PAR = "par", _("PAR Index — national ranking")
    SIPAS = "sipas", _("SIPAS — national satisfaction ranking")


class ExternalIndex(models.Model):
    """A published index about the province (or a unit) for one year, entered by the reform office."""

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    kind = models.CharField(pgettext_lazy("external index", "index"), max_length=10, choices=ExternalIndexKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="external_indices")
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    ranked_count = models.PositiveSmallIntegerField(_("number of provinces ranked"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("external index")
        verbose_name_plural = _("external indices")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["year", "kind", "unit"], name="reform_external_year_kind_unit",
                                    violation_error_message=_("This index is already entered for this year and unit.")),
            models.CheckConstraint(condition=models.Q(rank__isnull=True) | models.Q(ranked_count__isnull=True) | models.Q(rank__lte=models.F("ranked_count")),
                                   name="reform_external_rank_within_count", violation_error_message=_("The rank cannot exceed the number of provinces ranked.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"


class AuditEntry(models.Model):
    """Who changed what, when, from what to what: one row per state change, written in its transaction."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.CASCADE, related_name="audit")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.CASCADE, related_name="audit")
    external_index = models.ForeignKey(ExternalIndex, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit")
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["at", "pk"]
