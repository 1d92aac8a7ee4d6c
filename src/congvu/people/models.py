"""Public-service inspections (plans, records, findings, corrective actions), discipline records and training.

Evaluation and emulation read these only through congvu.people.selectors; no model of theirs points here and
none of these points there, so the three apps migrate independently."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.people.discipline import DISCIPLINE_FORMS
from congvu.units.models import Unit


# ------------------------------------------------------------------------------------------------ checklists


class ChecklistTemplate(models.Model):
    """A configured checklist inspectors work through (e.g. the Decision 1847/QĐ-TTg public-service culture
    pillars with the Decision 129/2007/QĐ-TTg office rules). Loaded from JSON in people/data."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("inspection checklist")
        verbose_name_plural = _("inspection checklists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist"))
    code = models.CharField(_("code"), max_length=20)
    group = models.CharField(_("group"), max_length=300, help_text=_("The pillar or rule the item belongs to."))
    label = models.CharField(_("item"), max_length=500)
    guidance = models.TextField(_("what to check"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="people_checklist_item_code")]

    def __str__(self) -> str:
        return f"{self.code}. {self.label}"


# ------------------------------------------------------------------------------------------------ inspections


class InspectionKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic")
    UNANNOUNCED = "unannounced", _("Unannounced")


class InspectionPlan(models.Model):
    """An inspection plan: the units in scope, the team, the period and the checklist. Unannounced plans are
    never shown to the inspected units."""

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=InspectionKind.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    units = models.ManyToManyField(Unit, verbose_name=_("inspected units"), related_name="inspection_plans")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("inspection team"), related_name="inspection_teams")
    team_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("team leader"), on_delete=models.PROTECT, related_name="+")
    checklist = models.ForeignKey(ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="plans")
    purpose = models.TextField(_("purpose and content"), blank=True)
    owner_unit = models.ForeignKey(Unit, verbose_name=_("inspecting unit"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-start_date", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="people_plan_dates")]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("people:plan", args=[self.pk])


class InspectionState(models.TextChoices):
    DRAFT = "draft", _("Being recorded")
    CONCLUDED = "concluded", _("Concluded")


class Inspection(models.Model):
    """The record of one inspection of one unit under a plan: findings, evidence, corrective actions, and,
    once concluded, the notice. Concluded records no longer change."""

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    plan = models.ForeignKey(InspectionPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="inspections")
    unit = models.ForeignKey(Unit, verbose_name=_("inspected unit"), on_delete=models.PROTECT, related_name="inspections")
    date = models.DateField(_("inspection date"))
    state = models.CharField(_("state"), max_length=20, choices=InspectionState.choices, default=InspectionState.DRAFT)
    summary = models.TextField(_("general assessment"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    concluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notice_number = models.CharField(_("notice number"), max_length=60, blank=True)
    notice = models.ForeignKey("documents.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("concluding notice"))

    class Meta:
        verbose_name = _("inspection record")
        verbose_name_plural = _("inspection records")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["state", "date"], name="people_inspection_state_date")]

    def __str__(self) -> str:
        return f"{self.code} — {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("people:inspection", args=[self.pk])

    @property
    def is_concluded(self) -> bool:
        return self.state == InspectionState.CONCLUDED


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")


class InspectionFinding(models.Model):
    """One finding: about the unit, or about a named staff member of it. `is_violation` False records
    compliance or good conduct worth commending. The checklist item's text is copied so that the finding
    reads the same after the checklist is edited."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings")
    checklist_item = models.ForeignKey(ChecklistItem, verbose_name=_("checklist item"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checklist_item_label = models.CharField(_("checklist item"), max_length=500)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="inspection_findings")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="inspection_findings")
    is_violation = models.BooleanField(_("violation"), default=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR)
    description = models.TextField(_("description"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return self.checklist_item_label


class InspectionEvidence(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="evidence")
    finding = models.ForeignKey(InspectionFinding, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    file = models.ForeignKey("documents.StoredFile", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "pk"]


class ActionState(models.TextChoices):
    OPEN = "open", _("To be done")
    REPORTED = "reported", _("Reported done, awaiting the inspector")
    DONE = "done", pgettext_lazy("follow-up", "Done")


class CorrectiveAction(models.Model):
    """A required corrective action with its deadline. The inspected unit's leader reports it done; an
    inspector accepts the report (done) or sends it back (open again). Overdue is computed from the deadline."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="actions")
    finding = models.ForeignKey(InspectionFinding, verbose_name=_("finding"), null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    unit = models.ForeignKey(Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="corrective_actions")
    description = models.TextField(_("required action"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(_("state"), max_length=20, choices=ActionState.choices, default=ActionState.OPEN)
    report = models.TextField(_("report of the unit"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review_note = models.TextField(_("inspector's note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.description[:80]


# ------------------------------------------------------------------------------------------------ discipline


class DisciplineForm(models.TextChoices):
    REPRIMAND = "reprimand", _("Reprimand")
    WARNING = "warning", _("Warning")
    SALARY_REDUCTION = "salary_reduction", _("Salary grade reduction")
    DEMOTION = "demotion", _("Demotion")
    REMOVAL = "removal", _("Removal from office")
    DISMISSAL = "dismissal", _("Dismissal")


assert tuple(DisciplineForm.values) == DISCIPLINE_FORMS


class DisciplineRecord(models.Model):
    """A discipline decision about a staff member. Never deleted: a decision cancelled or annulled by a
    later decision is marked annulled, with the reason, and stops counting."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="discipline_records")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="discipline_records",
                             help_text=_("The person's unit when disciplined."))
    form = models.CharField(_("form of discipline"), max_length=20, choices=DisciplineForm.choices)
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    signer = models.CharField(_("signed by"), max_length=200, help_text=_("Name and position of the signer."))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    reason = models.TextField(_("violation"))
    inspection = models.ForeignKey(Inspection, verbose_name=_("related inspection"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    annulled = models.BooleanField(_("annulled"), default=False)
    annulled_reason = models.TextField(_("reason for annulment"), blank=True)
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("discipline record")
        verbose_name_plural = _("discipline records")
        ordering = ["-decision_date", "-pk"]
        indexes = [models.Index(fields=["staff", "decision_date"], name="people_discipline_staff_date")]

    def __str__(self) -> str:
        return f"{self.get_form_display()} — {self.decision_number}"

    def get_absolute_url(self) -> str:
        return reverse("people:discipline", args=[self.pk])


# ------------------------------------------------------------------------------------------------ training


class TrainingCourse(models.Model):
    name = models.CharField(_("name"), max_length=300)
    organiser = models.ForeignKey(Unit, verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="training_courses")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(2000)])
    topic = models.TextField(pgettext_lazy("training", "content"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-start_date", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="people_course_dates")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:course", args=[self.pk])


class TrainingAttendance(models.Model):
    course = models.ForeignKey(TrainingCourse, verbose_name=_("course"), on_delete=models.CASCADE, related_name="attendance")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="training_attendance")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+", help_text=_("The person's unit when trained."))
    attended = models.BooleanField(_("attended"), default=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    note = models.CharField(pgettext_lazy("training", "note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["course", "pk"]
        constraints = [models.UniqueConstraint(fields=["course", "staff"], name="people_attendance_once")]


# ------------------------------------------------------------------------------------------------ audit


class PeopleEvent(models.Model):
    """Who changed what, when: one row per state change, written in the same transaction."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    plan = models.ForeignKey(InspectionPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    discipline = models.ForeignKey(DisciplineRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    course = models.ForeignKey(TrainingCourse, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["at", "pk"]
