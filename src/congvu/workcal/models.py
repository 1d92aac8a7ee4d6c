"""What administrators edit about working time: decided exceptions to the calendar and office hours.

The arithmetic lives in `core` (pure Python); these rows are its data. `services.calendar_for(unit)` turns
them into a `WorkCalendar`.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .core import OverrideKind
from .public_holidays import VN_FIRST_YEAR, VN_LAST_YEAR


class CalendarOverride(models.Model):
    """One day decided differently from the public-holiday rules, with the document that decided it.

    Extra days off and swapped working days come from Government decisions each year (e.g. VPCP
    12729/VPCP-KGVX moved Friday 2 Jan 2026 to Saturday 10 Jan); a unit closure is one unit's own decision.
    No unit: the entry applies to every unit of the installation. With a unit: to that unit and the units
    under it, and it takes precedence over entries higher up the tree.
    """

    class Kind(models.TextChoices):
        DAY_OFF = OverrideKind.DAY_OFF.value, _("Extra day off")
        WORKING_DAY = OverrideKind.WORKING_DAY.value, _("Swapped working day")
        UNIT_CLOSURE = OverrideKind.UNIT_CLOSURE.value, _("Unit closure")

    date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="calendar_overrides",
        help_text=_("Empty: applies to the whole installation. A unit closure must name its unit."),
    )
    reason = models.CharField(_("reason"), max_length=255)
    decision_number = models.CharField(
        _("decision number"), max_length=80, help_text=_("Number of the deciding document, e.g. 12729/VPCP-KGVX.")
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["-date", "kind"]
        constraints = [
            # NULL is never equal to NULL in a unique index on either database, so installation-wide rows
            # get their own partial constraint.
            models.UniqueConstraint(
                fields=["date", "unit", "kind"], condition=Q(unit__isnull=False), name="workcal_override_unique_unit",
                violation_error_message=_("An entry of this kind already exists for this day and unit."),
            ),
            models.UniqueConstraint(
                fields=["date", "kind"], condition=Q(unit__isnull=True), name="workcal_override_unique_installation",
                violation_error_message=_("An entry of this kind already exists for this day for the whole installation."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=OverrideKind.UNIT_CLOSURE.value) | Q(unit__isnull=False),
                name="workcal_override_closure_has_unit",
                violation_error_message=_("A unit closure must name the unit that closes."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.get_kind_display()}: {self.reason}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        self.reason = (self.reason or "").strip()
        self.decision_number = (self.decision_number or "").strip()
        if not self.reason:
            errors.setdefault("reason", []).append(_("Give the reason for this day."))
        if not self.decision_number:
            errors.setdefault("decision_number", []).append(_("Give the number of the document that decided this day."))
        if self.kind == self.Kind.UNIT_CLOSURE and self.unit_id is None:
            errors.setdefault("unit", []).append(_("A unit closure must name the unit that closes."))
        if self.date and not VN_FIRST_YEAR <= self.date.year <= VN_LAST_YEAR:
            errors.setdefault("date", []).append(
                _("The calendar covers the years %(first)s–%(last)s.") % {"first": VN_FIRST_YEAR, "last": VN_LAST_YEAR}
            )
        if self.date and self.kind in self.Kind.values:
            opposite = [self.Kind.WORKING_DAY] if self.kind != self.Kind.WORKING_DAY else [self.Kind.DAY_OFF, self.Kind.UNIT_CLOSURE]
            clash = (
                CalendarOverride.objects.filter(date=self.date, unit_id=self.unit_id, kind__in=opposite)
                .exclude(pk=self.pk)
                .first()
            )
            if clash is not None:
                errors.setdefault("kind", []).append(
                    _("This day is already set as “%(other)s” for the same scope (%(reason)s); a day cannot be both off and worked.")
                    % {"other": clash.get_kind_display(), "reason": clash.reason}
                )
        if errors:
            raise ValidationError(errors)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OfficeHours(models.Model):
    """One office interval on one weekday. A unit's rows, when it has any, are its whole week; a unit
    without rows follows its nearest ancestor with rows, then the installation's rows (no unit), then the
    shipped default (07:30–11:30 and 13:30–17:00, Monday to Friday)."""

    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="office_hours", help_text=_("Empty: the installation's default hours."),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("opens at"))
    end = models.TimeField(_("closes at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("office hours interval")
        verbose_name_plural = _("office hours")
        ordering = ["unit_id", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="workcal_hours_start_before_end",
                violation_error_message=_("The closing time must be after the opening time."),
            ),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="workcal_hours_weekday_range"),
        ]
        indexes = [models.Index(fields=["unit", "weekday"])]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        if self.start >= self.end:
            raise ValidationError({"end": _("The closing time must be after the opening time.")})
        overlapping = (
            OfficeHours.objects.filter(unit_id=self.unit_id, weekday=self.weekday, start__lt=self.end, end__gt=self.start)
            .exclude(pk=self.pk)
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                _("This interval overlaps %(other)s of the same unit and weekday.") % {"other": overlapping}
            )
