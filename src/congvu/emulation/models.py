"""Emulation movements and their participants' commitments and scores, initiatives, the year-end proposals of
titles and commendations, and the commendation decisions that award them (the register).

Titles themselves are configuration (`data/titles_law_06_2022.json`, read by `congvu.emulation.titles`); rows
here keep a title's code. No foreign key reaches the people or evaluation apps: their facts are read through
their selectors and copied into a proposal line's reasons when it is computed."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.units.models import Unit

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class MovementState(models.TextChoices):
    OPEN = "open", _("Open for registration and scoring")
    CLOSED = "closed", _("Closed")


class Movement(models.Model):
    """A phong trào thi đua: launched by a unit for a period, with criteria scored per participant."""

    name = models.CharField(_("name"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    start = models.DateField(_("starts on"))
    end = models.DateField(_("ends on"))
    organiser = models.ForeignKey(Unit, verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="emulation_movements")
    description = models.TextField(_("content and goals"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=MovementState.choices, default=MovementState.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("emulation movement")
        verbose_name_plural = _("emulation movements")
        ordering = ["-year", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="emulation_movement_period",
                                   violation_error_message=_("The movement cannot end before it starts.")),
            models.UniqueConstraint(fields=["organiser", "name", "year"], name="emulation_movement_unique",
                                    violation_error_message=_("This unit already launched a movement with this name this year.")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("emulation:movement", args=[self.pk])

    @property
    def max_points(self) -> Decimal:
        return sum((c.max_points for c in self.criteria.all()), Decimal(0))


class MovementCriterion(models.Model):
    movement = models.ForeignKey(Movement, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("criterion"), max_length=300)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("movement criterion")
        verbose_name_plural = _("movement criteria")
        ordering = ["movement", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["movement", "code"], name="emulation_criterion_code")]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class Participant(models.Model):
    """A unit or a person registered in a movement, with the written commitment (bản đăng ký thi đua)."""

    movement = models.ForeignKey(Movement, on_delete=models.CASCADE, related_name="participants")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("The registered unit, or the unit of the registered person."))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    commitment = models.TextField(_("commitment"))
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    total_points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["movement", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["movement", "unit"], condition=Q(user__isnull=True), name="emulation_participant_unit"),
            models.UniqueConstraint(fields=["movement", "user"], condition=Q(user__isnull=False), name="emulation_participant_user"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        return self.unit.name

    @property
    def is_collective(self) -> bool:
        return self.user_id is None


class Score(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(MovementCriterion, on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    note = models.CharField(_("note"), max_length=500, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "criterion"], name="emulation_score_once")]


class InitiativeScope(models.TextChoices):
    # Law 06/2022: an initiative's effect is recognised at the grassroots, provincial or national level.
    UNIT = "unit", _("Grassroots (unit)")
    PROVINCE = "province", _("Province-wide")
    NATIONAL = "national", _("Nationwide")


class Initiative(models.Model):
    """A sáng kiến: registered by its authors' unit; counts for titles once recognised with a decision."""

    title = models.CharField(_("title"), max_length=400)
    summary = models.TextField(_("summary"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="initiatives")
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("authors"), related_name="initiatives")
    scope = models.CharField(_("scope of effect"), max_length=10, choices=InitiativeScope.choices, blank=True)
    recognised_by = models.CharField(_("recognised by"), max_length=300, blank=True, help_text=_("The council or authority that recognised it."))
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    search_text = models.TextField(editable=False, default="", help_text="Folded title and authors, for accent-insensitive search.")

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["-year", "title", "pk"]
        constraints = [models.CheckConstraint(
            condition=Q(scope="") | (~Q(decision_number="") & Q(decision_date__isnull=False)),
            name="emulation_initiative_recognised_with_decision")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_recognised(self) -> bool:
        return bool(self.scope)


class ProposalState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("proposal state", "Draft")
    SUBMITTED = "submitted", _("Submitted")


class Proposal(models.Model):
    """A unit's year-end proposal of titles and commendations: computed from the records, reviewed by a person
    who may change a line with a reason, then submitted."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="emulation_proposals")
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    state = models.CharField(_("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.DRAFT)
    provisional = models.BooleanField(_("provisional"), default=True, help_text=_("Some ratings of the year were not final when computed."))
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("commendation proposal")
        verbose_name_plural = _("commendation proposals")
        ordering = ["-year", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="emulation_proposal_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit} — {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("emulation:proposal", args=[self.unit.code, self.year])


class ProposalLine(models.Model):
    """One candidate (a person, or the unit itself when `user` is empty) for one title: the engine's verdict
    with its reasons, and the reviewer's decision."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title or commendation"), max_length=60)
    qualifies = models.BooleanField(_("qualifies"))
    reasons = models.JSONField(_("reasons"), default=list, help_text=_("[[met, text], …], one per condition."))
    level = models.CharField(_("year-end rating"), max_length=20, blank=True)
    level_label = models.CharField(_("year-end rating"), max_length=100, blank=True)
    points = models.DecimalField(_("year-end points"), max_digits=7, decimal_places=2, null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    proposed = models.BooleanField(_("proposed"))
    adjustment_reason = models.TextField(_("reason for the change"), blank=True)
    adjusted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["proposal", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user", "title"], condition=Q(user__isnull=False), name="emulation_line_person"),
            models.UniqueConstraint(fields=["proposal", "title"], condition=Q(user__isnull=True), name="emulation_line_unit"),
        ]

    @property
    def is_adjusted(self) -> bool:
        return self.proposed != self.qualifies


class CommendationDecision(models.Model):
    """A decision conferring titles or commendations (quyết định khen thưởng), with its awards."""

    number = models.CharField(_("decision number"), max_length=60)
    date = models.DateField(_("decision date"))
    signer = models.CharField(_("signed by"), max_length=200, help_text=_("Name and position of the signer."))
    issuer = models.ForeignKey(Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="commendation_decisions")
    year = models.PositiveSmallIntegerField(_("year of the achievements"), validators=YEAR_VALIDATORS)
    note = models.TextField(_("note"), blank=True)
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("commendation decision")
        verbose_name_plural = _("commendation decisions")
        ordering = ["-date", "-pk"]
        constraints = [models.UniqueConstraint(fields=["issuer", "number"], name="emulation_decision_number",
                                               violation_error_message=_("This unit already recorded a decision with this number."))]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("emulation:decision", args=[self.pk])


class Award(models.Model):
    """One title or commendation conferred on a person (user set) or on a unit (user empty) by a decision.
    `year` repeats the decision's year so that "3 consecutive years" reads one indexed column."""

    decision = models.ForeignKey(CommendationDecision, on_delete=models.CASCADE, related_name="awards")
    title = models.CharField(_("title or commendation"), max_length=60)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"), null=True, blank=True, on_delete=models.PROTECT, related_name="commendations")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="commendations")
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    amount = models.DecimalField(_("reward (VND)"), max_digits=14, decimal_places=0, null=True, blank=True)
    search_text = models.TextField(editable=False, default="", help_text="Folded recipient, unit and decision number, for accent-insensitive search.")

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["decision", "pk"]
        indexes = [models.Index(fields=["user", "year"], name="emulation_award_user_year"),
                   models.Index(fields=["unit", "year"], name="emulation_award_unit_year")]
        constraints = [
            models.UniqueConstraint(fields=["decision", "user", "title"], condition=Q(user__isnull=False), name="emulation_award_person"),
            models.UniqueConstraint(fields=["decision", "unit", "title"], condition=Q(user__isnull=True), name="emulation_award_unit"),
        ]

    @property
    def recipient(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        return self.unit.name


class AuditEntry(models.Model):
    """Who changed what and when: one row per write of the services, in the same transaction."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    subject = models.CharField(_("audit subject"), max_length=60, db_index=True, help_text=_("e.g. proposal:12"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["at", "pk"]
