"""The procedure catalogue.

A `Procedure` is the stable identity (its national code); what it requires, costs and takes lives in
`ProcedureVersion` rows, one per publishing decision, so that a dossier keeps the rules it was received under
(DOMAIN.md: "a dossier is judged by the rules in force when it was received"). Dossiers reference a version, never
the procedure alone. Everything a version lists (documents, fees, results, legal basis, channels, notes, levels,
workflow steps) is its own table: no lists packed into text columns.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.catalog import records
from congvu.catalog.portal_format import CODE_PATTERN
from congvu.core.text import fold
from congvu.units.models import Role, UnitKind


class TimeLimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")
    DAYS = "days", _("days (calendar)")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ABOLISHED = "abolished", _("Abolished")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partly online")
    NONE = "none", _("Not online")
    UNKNOWN = "unknown", _("Not published")


class ImplementingLevel(models.TextChoices):
    MINISTRY = "ministry", _("Ministry level")
    PROVINCE = "province", _("Province level")
    COMMUNE = "commune", _("Commune level")
    OTHER = "other", _("Other bodies")


class DocumentGroup(models.TextChoices):
    SUBMIT = "submit", _("To submit")
    SHOW = "show", _("To show")
    NOTE = "note", _("Note")


class Channel(models.TextChoices):
    # National sync channel codes (DOMAIN.md §2): 1 in person, 2 online, 3 post.
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    POST = "post", _("By post")


class GapCode(models.TextChoices):
    TIME_LIMIT_MISSING = records.GAP_TIME_LIMIT_MISSING, _("The time limit is not published")
    TIME_LIMIT_UNIT_MISSING = records.GAP_TIME_LIMIT_UNIT_MISSING, _("The time limit has no unit (working days, working hours or days)")
    TIME_LIMIT_UNIT_UNCONFIRMED = records.GAP_TIME_LIMIT_UNIT_UNCONFIRMED, _("The time limit is in days: confirm calendar days or working days")
    FEE_AMOUNT_MISSING = records.GAP_FEE_AMOUNT_MISSING, _("A fee has no amount (set by the province or misprinted on the portal)")


class ChangeSource(models.TextChoices):
    ADMIN = "admin", _("Administration pages")
    SERVICE = "service", _("Completion service")
    DEMO_RULE = "demo_rule", _("Demo completion rule")
    NATIONAL_PORTAL = "national_portal", _("National portal look-up")


class Field(models.Model):
    """Lĩnh vực: the area of administration a procedure belongs to (Hộ tịch, Đất đai …)."""

    code = models.SlugField(_("code"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """The stable identity of an administrative procedure: its code in the national database."""

    code = models.CharField(
        _("code"), max_length=60, unique=True,
        validators=[RegexValidator(CODE_PATTERN, _("A procedure code looks like 1.001193 (a local variant appends the body's code)."))],
        help_text=_("National code, e.g. 1.001193; a local variant appends the issuing body's code."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("catalog:procedure_detail", args=[self.code])

    @property
    def current_version(self):
        """The version in force today (None before the first one takes effect)."""
        from congvu.catalog.selectors import version_in_force

        return version_in_force(self)


class ProcedureVersion(models.Model):
    """What a procedure requires and takes, as one publishing decision set it from its effective date.

    Versions are append-only in meaning: a change published by a new decision is a new version. Completing what
    the portal left out (a unit, a province's fee) edits the version in place and is recorded as a
    ProcedureChange, because it states what the same decision already meant."""

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version number"), validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    name = models.TextField(_("name"))
    field = models.ForeignKey(Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="versions")
    level_raw = models.TextField(_("implementing level as published"), blank=True)
    agency = models.TextField(_("implementing agency"), blank=True)
    decision_number = models.CharField(_("publishing decision"), max_length=120, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"), help_text=_("The version applies to dossiers received from this day."))
    time_limit_value = models.PositiveIntegerField(_("time limit"), null=True, blank=True)
    time_limit_unit = models.CharField(_("time limit unit"), max_length=20, choices=TimeLimitUnit.choices, null=True, blank=True)
    time_limit_unit_confirmed = models.BooleanField(
        _("unit confirmed"), default=False,
        help_text=_("Working days and hours are explicit on the portal; a bare 'days' must be confirmed by an administrator."),
    )
    time_limit_raw = models.TextField(_("time limit as published"), blank=True)
    same_day = models.BooleanField(
        _("same day"), default=False,
        help_text=_("Settled the day it is received, or the next working day when received after 15:00."),
    )
    fast_track = models.BooleanField(_("fast track"), default=False, help_text=_("Due within working hours."))
    result_on_the_spot = models.BooleanField(_("result on the spot"), default=False, help_text=_("No receipt slip is issued; still recorded."))
    online_level = models.CharField(_("online service level"), max_length=20, choices=OnlineLevel.choices, default=OnlineLevel.UNKNOWN)
    online_submission = models.BooleanField(_("can be filed online"), default=False)
    linked_procedures = models.ManyToManyField(
        Procedure, verbose_name=_("linked procedures"), blank=True, related_name="linked_from",
        help_text=_("Procedures settled together from one dossier (joint processing), each giving its own result."),
    )
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    source_snapshot = models.TextField(_("source snapshot"), blank=True)
    verified = models.BooleanField(_("verified against the source"), default=False)
    is_complete = models.BooleanField(_("complete"), default=False, editable=False, db_index=True)
    search_text = models.TextField(editable=False, default="")
    sort_name = models.TextField(editable=False, default="")
    source_hash = models.CharField(max_length=64, editable=False, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure__code", "number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="catalog_version_number_unique")]
        indexes = [models.Index(fields=["procedure", "status", "effective_from"], name="catalog_version_in_force")]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number} — {self.name}"

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join([self.procedure.code, self.name, self.field.name]))
        self.sort_name = fold(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:procedure_version", args=[self.procedure.code, self.number])

    @property
    def code(self) -> str:
        return self.procedure.code

    @property
    def is_abolished(self) -> bool:
        return self.status == VersionStatus.ABOLISHED

    @property
    def has_usable_time_limit(self) -> bool:
        return self.time_limit_value is not None and self.time_limit_unit is not None and self.time_limit_unit_confirmed


class VersionLevel(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="levels")
    level = models.CharField(_("implementing level"), max_length=20, choices=ImplementingLevel.choices)

    class Meta:
        verbose_name = _("implementing level")
        verbose_name_plural = _("implementing levels")
        constraints = [models.UniqueConstraint(fields=["version", "level"], name="catalog_version_level_unique")]
        indexes = [models.Index(fields=["level", "version"])]

    def __str__(self) -> str:
        return self.get_level_display()


class RequiredDocument(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.TextField(_("document"))
    group = models.CharField(_("group"), max_length=20, choices=DocumentGroup.choices, default=DocumentGroup.SUBMIT)
    heading = models.TextField(_("heading as published"), blank=True, help_text=_("The case or heading the portal lists it under."))
    originals = models.PositiveIntegerField(_("originals"), default=0)
    copies = models.PositiveIntegerField(_("copies"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.name[:80]


class Fee(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.TextField(_("fee"))
    # Null: not known yet (set by the province's People's Council, misprinted, or in a foreign currency).
    amount_vnd = models.PositiveBigIntegerField(_("amount (VND)"), null=True, blank=True)
    raw = models.TextField(_("amount as published"), blank=True)
    note = models.TextField(_("note"), blank=True)
    applies_in_person = models.BooleanField(_("in person"), default=False)
    applies_online = models.BooleanField(_("online"), default=False)
    applies_post = models.BooleanField(_("by post"), default=False)
    amount_basis = models.TextField(
        _("basis of the amount"), blank=True,
        help_text=_("Where an amount entered here comes from, e.g. the People's Council resolution."),
    )

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.name[:80]

    @property
    def channels(self) -> tuple[str, ...]:
        flags = {Channel.IN_PERSON: self.applies_in_person, Channel.ONLINE: self.applies_online, Channel.POST: self.applies_post}
        return tuple(c.value for c, on in flags.items() if on)

    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels]


class ResultDocument(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.TextField(_("result"))

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.name[:80]


class LegalBasis(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="legal_basis")
    position = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("legal document"))

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal basis")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class ChannelInfo(models.Model):
    """One row of the portal's per-channel table: the time and fee shown for one way of filing."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="channels")
    position = models.PositiveIntegerField(_("order"), default=0)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    label = models.TextField(_("channel as published"), blank=True)
    time_raw = models.TextField(_("time as published"), blank=True)
    fee_raw = models.TextField(_("fee as published"), blank=True)
    fee_note = models.TextField(_("fee note"), blank=True)

    class Meta:
        verbose_name = _("filing channel")
        verbose_name_plural = _("filing channels")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.get_channel_display()


class VersionNote(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="notes")
    position = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("note"))

    class Meta:
        verbose_name = _("import note")
        verbose_name_plural = _("import notes")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class IncompletenessReason(models.Model):
    """One thing an administrator must complete before the version can receive dossiers (recomputed, never edited)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="gaps")
    code = models.CharField(_("reason"), max_length=40, choices=GapCode.choices)
    field_path = models.CharField(_("field"), max_length=100)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("missing information")
        verbose_name_plural = _("missing information")
        ordering = ["version", "id"]

    def __str__(self) -> str:
        return f"{self.get_code_display()}{': ' + self.detail if self.detail else ''}"


class WorkflowStep(models.Model):
    """A step of the internal workflow (quy trình nội bộ) for a version: the general one (unit empty) or a
    unit's own. The steps of one (version, unit) pair are that workflow; their shares add up to the time limit."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="workflow_steps")
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Empty for the general workflow; a unit for that unit's own workflow."),
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("step"), max_length=255)
    role = models.CharField(_("responsible role"), max_length=30, choices=Role.choices, blank=True)
    unit_kind = models.CharField(_("responsible unit kind"), max_length=20, choices=UnitKind.choices, blank=True)
    share = models.DecimalField(
        _("time share"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Part of the time limit, in the same unit as the limit."),
    )

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["version", "unit", "position", "id"]

    def __str__(self) -> str:
        return self.name


class ProcedureChange(models.Model):
    """Audit record of one field changed on a procedure version after import: who, when, old → new, why."""

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="changes")
    version = models.ForeignKey(ProcedureVersion, verbose_name=_("procedure version"), on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=ChangeSource.choices)
    field_path = models.CharField(_("field"), max_length=120)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("procedure change")
        verbose_name_plural = _("procedure changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["version", "at"])]

    def __str__(self) -> str:
        return f"{self.procedure.code} {self.field_path}: {self.old_value} → {self.new_value}"


class BoundaryFreeListing(models.Model):
    """A procedure the province has listed as receivable at any commune centre in the province, regardless of
    the applicant's administrative boundary (Decree 118/2025, "không phụ thuộc địa giới hành chính"), with the
    decision that listed it. Intake at a centre accepts such a procedure for applicants from anywhere in the
    province and routes the dossier to the competent unit (`congvu.catalog.boundary`).

    A listing is never deleted: a later decision that drops the procedure ends it (`valid_to`, and the ending
    decision), so a dossier received while it was listed can still show why it was accepted."""

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="boundary_free_listings")
    province = models.ForeignKey("units.Unit", verbose_name=_("province"), on_delete=models.PROTECT, related_name="boundary_free_listings")
    decision_number = models.CharField(_("listing decision"), max_length=120)
    decision_date = models.DateField(_("decision date"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Last day of the listing; empty while in force."))
    end_decision_number = models.CharField(
        _("ending decision"), max_length=120, blank=True, help_text=_("The decision that removed the procedure from the list."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("procedure receivable regardless of boundary")
        verbose_name_plural = _("procedures receivable regardless of boundary")
        ordering = ["province", "procedure"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "province", "decision_number"], name="catalog_boundary_free_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="catalog_boundary_free_valid_to",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
        ]
        indexes = [models.Index(fields=["province", "procedure", "valid_from"], name="catalog_boundary_free_on")]

    def __str__(self) -> str:
        return f"{self.procedure.code} ({self.decision_number})"

    def in_force_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class DifferenceStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("national difference", "Waiting for a decision")
    ACCEPTED = "accepted", pgettext_lazy("national difference", "Accepted")
    DISMISSED = "dismissed", pgettext_lazy("national difference", "Dismissed")


class NationalField(models.TextChoices):
    """What the national portal's procedure look-up (LayThuTuc) says that the catalogue also stores."""

    NAME = "name", pgettext_lazy("national difference", "Procedure name")
    FIELD = "field", pgettext_lazy("national difference", "Field of administration")
    TIME_LIMIT = "time_limit", pgettext_lazy("national difference", "Time limit")
    FEES = "fees", pgettext_lazy("national difference", "Fees and charges")
    LEVEL = "level", pgettext_lazy("national difference", "Implementing level")
    AGENCY = "agency", pgettext_lazy("national difference", "Implementing agency")
    DECISION = "decision", pgettext_lazy("national difference", "Publishing decision")


class NationalProcedureDifference(models.Model):
    """One thing the national portal says differently from the version in force here, found by
    `congvu.catalog.national_refresh`, for a catalogue administrator to accept (the catalogue takes the portal's
    value, recorded as a ProcedureChange from the national portal) or dismiss. A procedure has at most one pending
    difference per field; a refresh that finds the same again only updates when it was seen."""

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="national_differences")
    version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("procedure version"), on_delete=models.PROTECT, related_name="national_differences",
        help_text=_("The version in force that was compared."),
    )
    field = models.CharField(pgettext_lazy("national difference", "what differs"), max_length=20, choices=NationalField.choices)
    ours = models.TextField(pgettext_lazy("national difference", "in our catalogue"), blank=True)
    theirs = models.TextField(pgettext_lazy("national difference", "on the national portal"), blank=True)
    # The portal's value in a form the catalogue can take over as is (a field's code and name, a time limit's parts).
    theirs_data = models.JSONField(default=dict, blank=True, editable=False)
    first_seen_at = models.DateTimeField(pgettext_lazy("national difference", "first seen"), default=timezone.now, editable=False)
    fetched_at = models.DateTimeField(pgettext_lazy("national difference", "last fetched"), default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=DifferenceStatus.choices, default=DifferenceStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("national difference", "decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(pgettext_lazy("national difference", "decided at"), null=True, blank=True)
    decision_note = models.TextField(pgettext_lazy("national difference", "note on the decision"), blank=True)

    class Meta:
        verbose_name = _("difference from the national portal")
        verbose_name_plural = _("differences from the national portal")
        ordering = ["procedure__code", "field"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "field"], condition=models.Q(status="pending"), name="catalog_national_difference_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["status", "fetched_at"], name="catalog_natdiff_status")]

    def __str__(self) -> str:
        return f"{self.procedure.code} {self.field}: {self.ours} ≠ {self.theirs}"
