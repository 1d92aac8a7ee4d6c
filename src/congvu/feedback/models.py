"""Satisfaction ratings and feedback (phản ánh, kiến nghị).

What the measurement of the civil service later reads from here is stored explicitly and indexed: for a
rating, the dossier, procedure, receiving and handling units, the officer who received it and the time; for
feedback, the responsible unit, the deadline rules it was judged by, every due time, when each step was done,
whether any step overran, and the sender's verdict on the answer. Numbers that law or policy sets (deadlines,
the rating scale) are versioned configuration rows with an effective date, never constants.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.core.text import fold
from congvu.feedback.scoring import Aggregation, Factor, Perception, SchemeRules
from congvu.feedback.workflow import DeadlineRules, FeedbackState

# ------------------------------------------------------------------------------------------------ configuration


class FeedbackDeadlines(models.Model):
    """Working days allowed for each step of handling feedback, from a day on. Feedback is judged by the row
    in force on the day it was received (DOMAIN.md: a record is judged by the rules in force at receipt)."""

    effective_from = models.DateField(_("effective from"), unique=True)
    refuse_days = models.PositiveSmallIntegerField(_("refuse within (working days)"), validators=[MaxValueValidator(60)])
    request_info_days = models.PositiveSmallIntegerField(_("request more information within (working days)"), validators=[MaxValueValidator(60)])
    answer_days = models.PositiveSmallIntegerField(_("answer within (working days)"), validators=[MinValueValidator(1), MaxValueValidator(120)])
    publish_days = models.PositiveSmallIntegerField(_("publish the answer within (working days)"), validators=[MaxValueValidator(60)])
    legal_basis = models.CharField(_("legal basis"), max_length=255)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("feedback deadline rules")
        verbose_name_plural = _("feedback deadline rules")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return _("From %(day)s: refuse %(refuse)s, request information %(info)s, answer %(answer)s, publish %(publish)s working days") % {
            "day": self.effective_from.strftime("%d/%m/%Y"), "refuse": self.refuse_days, "info": self.request_info_days,
            "answer": self.answer_days, "publish": self.publish_days,
        }

    def clean(self):
        super().clean()
        if self.answer_days is not None:
            for name in ("refuse_days", "request_info_days"):
                value = getattr(self, name)
                if value is not None and value > self.answer_days:
                    raise ValidationError({name: _("This step cannot be allowed more time than the answer itself.")})

    def rules(self) -> DeadlineRules:
        return DeadlineRules(self.refuse_days, self.request_info_days, self.answer_days, self.publish_days)


class RatingScheme(models.Model):
    """The rating scale and how answers are aggregated, from a day on (Decision 1001/QĐ-BNV gives the factors;
    the official formula was not found, so the shipped default is named as congvu's default)."""

    effective_from = models.DateField(_("effective from"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=5, validators=[MinValueValidator(3), MaxValueValidator(10)])
    satisfied_at_least = models.PositiveSmallIntegerField(
        _("satisfied from score"), default=4, help_text=_("Answers at or above this score count as satisfied."),
    )
    dislike_at_most = models.PositiveSmallIntegerField(
        _("dissatisfied up to score"), default=2, help_text=_("A rating with any factor at or below this score counts as a dislike."),
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=20, default=Aggregation.SHARE_SATISFIED.value,
        choices=[(Aggregation.SHARE_SATISFIED.value, _("Share of satisfied answers; index = mean of the five factors")),
                 (Aggregation.MEAN_SCORE.value, _("Mean score rescaled to 0–100; index = mean of the five factors"))],
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rating scheme")
        verbose_name_plural = _("rating schemes")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%d/%m/%Y})"

    def clean(self):
        super().clean()
        if None in (self.scale_max, self.satisfied_at_least, self.dislike_at_most):
            return  # each missing number is reported on its own field
        try:
            self.rules()
        except ValueError:
            raise ValidationError(_("The scores must satisfy 1 ≤ dissatisfied up to < satisfied from ≤ highest score, with a highest score from 3 to 10.")) from None

    def rules(self) -> SchemeRules:
        return SchemeRules(self.scale_max, self.satisfied_at_least, self.dislike_at_most, Aggregation(self.aggregation))


# ------------------------------------------------------------------------------------------------ ratings


class Rating(models.Model):
    """One applicant's rating of one dossier, given through the signed link sent with the result."""

    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey("catalog.Procedure", verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="+")
    receiving_unit = models.ForeignKey("units.Unit", verbose_name=_("receiving unit"), on_delete=models.PROTECT, related_name="+")
    handling_unit = models.ForeignKey("units.Unit", verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("receiving officer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("The officer who received the dossier: the monthly evaluation counts ratings per officer."),
    )
    scheme = models.ForeignKey(RatingScheme, verbose_name=_("rating scheme"), on_delete=models.PROTECT, related_name="ratings")
    submitted_at = models.DateTimeField(_("rated at"), db_index=True)
    mean_score = models.DecimalField(_("mean score"), max_digits=4, decimal_places=2)
    dislike = models.BooleanField(_("dissatisfied"), default=False)
    dossier_timeliness = models.CharField(_("dossier timeliness"), max_length=10, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [models.UniqueConstraint(fields=["dossier"], name="feedback_rating_one_per_dossier")]
        indexes = [
            models.Index(fields=["receiving_unit", "submitted_at"]),
            models.Index(fields=["handling_unit", "submitted_at"]),
            models.Index(fields=["officer", "submitted_at"]),
            models.Index(fields=["procedure", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return str(self.dossier_id)


QUESTION_CHOICES = [(f.value, f.value) for f in Factor] + [(p.value, p.value) for p in Perception]


class RatingAnswer(models.Model):
    """One answer: a factor's score on the scheme's scale, or a perception question's coded value
    (scoring.PERCEPTION_VALUES). A question left unanswered has no row."""

    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(_("question"), max_length=20, choices=QUESTION_CHOICES)
    value = models.SmallIntegerField(_("value"))

    class Meta:
        verbose_name = _("rating answer")
        verbose_name_plural = _("rating answers")
        constraints = [models.UniqueConstraint(fields=["rating", "question"], name="feedback_answer_once_per_question")]
        indexes = [models.Index(fields=["question", "value"])]


# ------------------------------------------------------------------------------------------------ feedback


class Channel(models.TextChoices):
    PORTAL = "portal", _("Public services portal")
    HOTLINE = "hotline", _("Hotline")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person at the counter")


STAFF_CHANNELS = (Channel.HOTLINE, Channel.SUGGESTION_BOX, Channel.LETTER, Channel.IN_PERSON)


class SubjectKind(models.TextChoices):
    PROCEDURE = "procedure", _("An administrative procedure")
    UNIT = "unit", _("A unit")
    OFFICER = "officer", _("An officer")


class Nature(models.TextChoices):
    REPORT = "report", _("Report (phản ánh)")
    RECOMMENDATION = "recommendation", _("Recommendation (kiến nghị)")


class Topic(models.TextChoices):
    """The classification Decision 766 indicator 5.1 counts."""

    REGULATION = "regulation", _("Administrative regulations and procedures")
    CONDUCT = "conduct", _("Conduct of officials")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    DISSATISFIED = "dissatisfied", _("Not satisfied")


STATE_CHOICES = [(s.value, s.value) for s in FeedbackState]


class Feedback(models.Model):
    code = models.CharField(_("tracking code"), max_length=20, unique=True)
    channel = models.CharField(pgettext_lazy("feedback", "channel"), max_length=20, choices=Channel.choices)
    nature = models.CharField(_("kind"), max_length=20, choices=Nature.choices)
    subject_kind = models.CharField(_("about"), max_length=20, choices=SubjectKind.choices)
    topic = models.CharField(_("classification"), max_length=20, choices=Topic.choices)
    procedure = models.ForeignKey("catalog.Procedure", verbose_name=_("procedure"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit concerned"), on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("officer concerned"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    officer_name = models.CharField(_("officer's name as given"), max_length=200, blank=True)
    # Indicator 5.4 counts dossiers with complaints: the sender may name the dossier concerned. The code as
    # typed is kept; the link is made only when such a dossier exists, and the sender is never told which.
    dossier_code = models.CharField(_("dossier code as given"), max_length=60, blank=True)
    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("dossier concerned"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    responsible_unit = models.ForeignKey(
        "units.Unit", verbose_name=pgettext_lazy("feedback", "responsible unit"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The unit whose leader answers: the unit concerned, or the nearest unit above it that has a leader."),
    )
    title = models.CharField(_("subject"), max_length=200)
    content = models.TextField(_("content"))
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    sender_phone = models.CharField(_("sender's phone"), max_length=20, blank=True)
    sender_email = models.EmailField(_("sender's email"), blank=True)

    state = models.CharField(_("status"), max_length=20, choices=STATE_CHOICES)
    lock_version = models.PositiveIntegerField(default=0)
    deadlines = models.ForeignKey(FeedbackDeadlines, verbose_name=_("deadline rules"), on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(_("received at"), db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refuse_due_at = models.DateTimeField(_("refusal due"))
    info_due_at = models.DateTimeField(_("request for information due"))
    answer_due_at = models.DateTimeField(_("answer due"))
    publish_due_at = models.DateTimeField(_("publication due"), null=True, blank=True)
    due_at = models.DateTimeField(_("current deadline"), null=True, blank=True)

    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    info_requested_at = models.DateTimeField(_("information requested at"), null=True, blank=True)
    info_request = models.TextField(_("information requested"), blank=True)
    info_provided_at = models.DateTimeField(_("information provided at"), null=True, blank=True)
    info_reply = models.TextField(_("information provided"), blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)
    refused_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    # The unit's finding, recorded with its answer, on feedback about an officer: whether the complaint was
    # founded. The monthly evaluation counts upheld complaints against the officer; unknown (null) for other
    # subjects, for feedback answered before the field existed, and when a caller did not record it.
    upheld = models.BooleanField(
        _("complaint upheld"), null=True, blank=True,
        help_text=_("For feedback about an officer: whether the unit found the complaint founded when it answered."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    public_summary = models.TextField(_("published summary"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    late = models.BooleanField(_("a step overran its deadline"), default=False)
    late_steps = models.JSONField(_("steps that overran"), default=list, blank=True)
    verdict = models.CharField(_("sender's verdict"), max_length=20, choices=Verdict.choices, blank=True)
    verdict_at = models.DateTimeField(_("verdict given at"), null=True, blank=True)

    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [
            models.Index(fields=["responsible_unit", "received_at"]),
            models.Index(fields=["responsible_unit", "state", "due_at"]),
            models.Index(fields=["unit", "received_at"]),
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["officer", "received_at"]),
            models.Index(fields=["officer", "answered_at"]),
            models.Index(fields=["procedure", "received_at"]),
            models.Index(fields=["late", "received_at"]),
            models.Index(fields=["verdict", "received_at"]),
            models.Index(fields=["dossier", "received_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(subject_kind="procedure") | Q(procedure__isnull=False), name="feedback_procedure_named"),
            models.CheckConstraint(condition=~Q(subject_kind="officer") | Q(officer__isnull=False) | ~Q(officer_name=""),
                                   name="feedback_officer_named"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def feedback_state(self) -> FeedbackState:
        return FeedbackState(self.state)

    def refresh_search_text(self) -> None:
        parts = [self.code, self.dossier_code, self.title, self.sender_name, self.sender_phone, self.sender_email, self.officer_name,
                 self.content[:2000]]
        self.search_text = fold(" ".join(p for p in parts if p))


class FeedbackEvent(models.Model):
    """One action on a feedback item, append-only: who did what, when, from which state to which."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("feedback history entry")
        verbose_name_plural = _("feedback history")
        ordering = ["feedback", "seq"]
        constraints = [models.UniqueConstraint(fields=["feedback", "seq"], name="feedback_event_seq_unique")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("feedback history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("feedback history is append-only")


# ------------------------------------------------------------------------------------------------ SIPAS index

OVERALL_MEAN_OF_FACTORS = "mean_of_factors"
OVERALL_POOLED = "pooled"
DEFAULT_FACTOR_QUESTIONS = {f.value: [f.value] for f in Factor}


class SipasSettings(models.Model):
    """How the portal's ratings become the SIPAS-style index, from a day on: which survey questions make up each
    of the five factors of Decision 1001/QĐ-BNV, how the factors make the overall figure, and below how many
    answers a figure is flagged as not significant. A period is computed with the row in force on its last day;
    without any row the shipped default applies (`sipas_settings_in_force`). The per-factor aggregation (share of
    satisfied answers or mean score) is the rating scheme's (`RatingScheme.aggregation`), and whether an answer
    is "satisfied" is decided by the scheme the rating was given under."""

    effective_from = models.DateField(_("effective from"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    factor_questions = models.JSONField(
        _("questions of each factor"), default=dict,
        help_text=_('For each SIPAS factor, the survey questions whose answers it counts, e.g. {"access": ["access"], …}.'),
    )
    overall = models.CharField(
        _("overall figure"), max_length=20, default=OVERALL_MEAN_OF_FACTORS,
        choices=[(OVERALL_MEAN_OF_FACTORS, _("Mean of the factors that have answers (congvu's default)")),
                 (OVERALL_POOLED, _("All factor answers pooled together"))],
    )
    min_sample = models.PositiveIntegerField(
        _("minimum sample"), default=30, validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("Below this number of answers a figure is shown as not significant."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SIPAS index settings")
        verbose_name_plural = _("SIPAS index settings")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%d/%m/%Y})"

    def clean(self):
        super().clean()
        from congvu.feedback.scoring import check_factor_questions

        problems = check_factor_questions(self.factor_questions)
        if problems:
            raise ValidationError({"factor_questions": problems})

    def mapping(self) -> dict[str, list[str]]:
        """{factor: [question, …]}; the default one-to-one mapping when none is set."""
        return self.factor_questions or DEFAULT_FACTOR_QUESTIONS


class RatingRollup(models.Model):
    """Answers per (handling unit, month, rating scheme, question, value): what the SIPAS index of any unit and
    period is added up from, so that a province-year figure reads a few thousand rows instead of every rating.
    Keyed by question rather than factor so that changing which questions make a factor needs no rebuild;
    keyed by scheme because "satisfied" depends on the scale a rating was given on. Maintained by
    `services.refresh_rating_rollups()`; `month` is the first day of the month in Vietnam's time."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    scheme = models.ForeignKey(RatingScheme, on_delete=models.CASCADE, related_name="+")
    question = models.CharField(max_length=20)
    value = models.SmallIntegerField()
    answers = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("monthly rating rollup")
        verbose_name_plural = _("monthly rating rollups")
        constraints = [models.UniqueConstraint(fields=["unit", "month", "scheme", "question", "value"], name="feedback_rating_rollup_key")]
        indexes = [models.Index(fields=["month", "unit"])]


class RatingMonth(models.Model):
    """Ratings per (handling unit, month): the number of people behind the answers of `RatingRollup`."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    ratings = models.PositiveIntegerField()
    dislikes = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("monthly rating count")
        verbose_name_plural = _("monthly rating counts")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="feedback_rating_month_key")]
        indexes = [models.Index(fields=["month", "unit"])]


class RatingRollupCheckpoint(models.Model):
    """The highest rating id the rollups have seen (one row). Ratings are immutable once submitted (only
    `services.submit_rating` writes them; the admin is read-only), so new ids are the only change to follow."""

    last_rating_id = models.BigIntegerField(default=0)
    # How many ratings had ids in the re-scan window below `last_rating_id` at the last refresh.
    window_count = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)


SIPAS_OVERALL = "overall"


class OfficialSurveyResult(models.Model):
    """A figure of the official SIPAS survey for a year (published by the Ministry of Home Affairs or the
    province), imported to sit beside the index computed from the portal's ratings. `factor` is one of the five
    factors or "overall"; `value` is a percentage (0–100) as the survey publishes it."""

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    factor = models.CharField(
        _("factor"), max_length=20,
        choices=[(SIPAS_OVERALL, pgettext_lazy("sipas", "Overall"))] + [(f.value, f.value) for f in Factor],
    )
    value = models.DecimalField(_("value (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)])
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    source = models.CharField(_("source (decision, report)"), max_length=255)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        verbose_name = _("official SIPAS survey result")
        verbose_name_plural = _("official SIPAS survey results")
        ordering = ["-year", "unit", "factor"]
        constraints = [models.UniqueConstraint(fields=["year", "unit", "factor"], name="feedback_official_survey_once")]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id} {self.factor}: {self.value}"
