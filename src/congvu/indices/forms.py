"""The forms of the dashboards: which unit, which period, which metric.

Every page names its period the same way in its URL (`period=<key>`, see periods.Period), so a link copied
from one page opens the same figures on another; the form also takes the period in pieces (kind, year,
month, quarter, from, to) for people choosing it. Bad input is a form error with a Vietnamese message, never a
500. The unit is chosen by code among the units the user may see (`visible_units`): a code outside the scope
is refused as if it did not exist.
"""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.indices.periods import MONTH, QUARTER, RANGE, YEAR, Period, PeriodError
from congvu.units.models import Unit, UnitKind
from congvu.units.selectors import visible_units

KIND_CHOICES = [
    (MONTH, pgettext_lazy("period", "Month")),
    (QUARTER, pgettext_lazy("period", "Quarter")),
    (YEAR, pgettext_lazy("period", "Year")),
    (RANGE, _("Custom range")),
]
MONTH_CHOICES = [("", "—")] + [(str(m), str(m)) for m in range(1, 13)]
QUARTER_CHOICES = [("", "—")] + [(str(q), str(q)) for q in range(1, 5)]

# A select of every unit is usable up to a few hundred; a province-wide administrator (thousands of communes)
# types the code instead (the page names the unit it shows).
MAX_UNIT_CHOICES = 400


def build_period(kind: str, year: int | None, month: int | None = None, quarter: int | None = None,
                 start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The period the pieces of the form name; PeriodError (Vietnamese) when a piece the kind needs is missing."""
    if kind == RANGE:
        if start is None or end is None:
            raise PeriodError("Chọn cả ngày bắt đầu và ngày kết thúc của khoảng thời gian.")
        return Period.between(start, end)
    if year is None:
        raise PeriodError("Nhập năm của kỳ báo cáo.")
    if kind == MONTH:
        if month is None:
            raise PeriodError("Chọn tháng.")
        return Period.month(year, month)
    if kind == QUARTER:
        if quarter is None:
            raise PeriodError("Chọn quý.")
        return Period.quarter(year, quarter)
    if kind == YEAR:
        return Period.year(year)
    raise PeriodError(f"Loại kỳ không hợp lệ: {kind}.")


def default_period(today: dt.date | None = None) -> Period:
    return Period.containing(today or timezone.localdate(), MONTH)


def last_full_month(today: dt.date | None = None) -> Period:
    return default_period(today).previous()


def unit_choices(units) -> list[tuple[str, str]]:
    """Codes and names of the units in tree order, indented by depth so the hierarchy shows in a select."""
    units = list(units)
    top = min((u.depth for u in units), default=1)
    return [(u.code, "\u00a0\u00a0" * (u.depth - top) + u.name) for u in units]


class PeriodForm(forms.Form):
    """Unit (optional, by code) and period. Bound to request.GET; `period=<key>` overrides the pieces."""

    unit = forms.CharField(label=_("Unit"), required=False, max_length=60)
    kind = forms.ChoiceField(label=_("Period type"), choices=KIND_CHOICES, required=False)
    year = forms.IntegerField(label=pgettext_lazy("period", "Year"), required=False, min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label=pgettext_lazy("period", "Month"), choices=MONTH_CHOICES, coerce=int, required=False, empty_value=None)
    quarter = forms.TypedChoiceField(label=pgettext_lazy("period", "Quarter"), choices=QUARTER_CHOICES, coerce=int, required=False, empty_value=None)
    start = forms.DateField(label=pgettext_lazy("period", "From"), required=False, help_text=_("For a custom range."))
    end = forms.DateField(label=pgettext_lazy("period", "To"), required=False, help_text=_("For a custom range; the day is included."))
    period = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, data=None, *, user, default_unit: Unit | None = None, today: dt.date | None = None, **kwargs):
        self.user = user
        self.default_unit = default_unit
        self.today = today or timezone.localdate()
        self.units = visible_units(user)
        data = self._expanded(data)
        super().__init__(data, **kwargs)
        count = self.units.count()
        if count <= MAX_UNIT_CHOICES:
            choices = unit_choices(self.units.order_by("path"))
            self.fields["unit"].widget = forms.Select(choices=choices)
            self.fields["unit"].choices = choices  # what the shared field template lists
        else:
            self.fields["unit"].help_text = _("Type the unit's code.")

    def _expanded(self, data):
        """Fill the pieces from `period=<key>` (a link) or from the default period, so the form shows what
        the page shows; a bad key is kept so that clean() reports it."""
        data = data.copy() if data is not None else {}
        if hasattr(data, "dict"):
            data = data.dict()
        key = (data.get("period") or "").strip()
        period = None
        if key and not data.get("kind"):
            try:
                period = Period.parse(key)
            except PeriodError:
                return data
        elif not data.get("kind"):
            period = default_period(self.today)
        if period is not None:
            data.update(period_fields(period))
            data.pop("period", None)
        if not data.get("unit") and self.default_unit is not None:
            data["unit"] = self.default_unit.code
        return data

    def clean_unit(self):
        code = (self.cleaned_data.get("unit") or "").strip()
        if not code:
            return self.default_unit
        unit = self.units.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("There is no unit with this code among the units you can see."))
        return unit

    def clean(self):
        cleaned = super().clean()
        key = (self.data.get("period") or "").strip()
        try:
            if key:
                cleaned["period_obj"] = Period.parse(key)
            elif not self.errors:
                cleaned["period_obj"] = build_period(
                    cleaned.get("kind") or MONTH, cleaned.get("year"), cleaned.get("month"), cleaned.get("quarter"),
                    cleaned.get("start"), cleaned.get("end"),
                )
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned

    @property
    def chosen_period(self) -> Period | None:
        return self.cleaned_data.get("period_obj") if self.is_valid() else None

    @property
    def chosen_unit(self) -> Unit | None:
        return self.cleaned_data.get("unit") if self.is_valid() else None


def period_fields(period: Period) -> dict[str, str]:
    """The form's pieces for a period (to show it in the form)."""
    fields = {"kind": period.kind, "year": str(period.start.year), "month": "", "quarter": "", "start": "", "end": ""}
    if period.kind == MONTH:
        fields["month"] = str(period.start.month)
    elif period.kind == QUARTER:
        fields["quarter"] = str((period.start.month - 1) // 3 + 1)
    elif period.kind == RANGE:
        fields.update(start=period.start.isoformat(), end=period.end.isoformat(), year="")
    return fields


class RankingForm(PeriodForm):
    """The ranking: children of a unit (or every unit of a kind below it) on a metric."""

    metric = forms.ChoiceField(label=_("Indicator"), required=False)
    unit_kind = forms.ChoiceField(label=_("Units of kind"), required=False,
                                  help_text=_("Empty: the units directly below the chosen unit."))

    def __init__(self, data=None, *, metrics: dict, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["metric"].choices = [(key, metric.label) for key, metric in metrics.items()]
        self.fields["unit_kind"].choices = [("", "—")] + list(UnitKind.choices)
        self.metrics = metrics

    def clean_metric(self):
        key = self.cleaned_data.get("metric") or "766.total"
        if key not in self.metrics:
            raise forms.ValidationError(_("Unknown indicator."))
        return key


class ReportForm(PeriodForm):
    """A report covers a month or a quarter (the forms sent upward), or a year."""

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period_obj")
        if period is not None and period.kind == RANGE:
            self.add_error("kind", _("A report covers a month, a quarter or a year."))
        return cleaned
