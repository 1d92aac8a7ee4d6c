"""Forms of the evaluation pages. The criterion fields are built from the sheet's framework version, one points
field (checked against the criterion's scale, Vietnamese message) and one comment per criterion."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congvu.evaluation.arithmetic import PointsError, parse_points
from congvu.evaluation.framework import fmt


class _CriteriaForm(forms.Form):
    points_label = _("points")

    def __init__(self, sheet, *args, initial_points=None, initial_comments=None, with_files=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.criteria = sheet.framework.spec.criteria()
        initial_points = initial_points or {}
        initial_comments = initial_comments or {}
        for c in self.criteria:
            value = initial_points.get(c.code)
            self.fields[f"p_{c.code}"] = forms.CharField(
                label=f"{c.name} ({self.points_label} 0–{fmt(c.max_points)})", required=False, max_length=12,
                initial=fmt(value) if value is not None else "",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6, "autocomplete": "off"}))
            self.fields[f"c_{c.code}"] = forms.CharField(label=_("Comment on “%(name)s”") % {"name": c.name}, required=False, max_length=2000,
                                                         initial=initial_comments.get(c.code, ""), widget=forms.Textarea(attrs={"rows": 1}))
            if with_files:
                self.fields[f"f_{c.code}"] = forms.FileField(label=_("Evidence for “%(name)s” (PDF, JPEG, PNG)") % {"name": c.name}, required=False)

    def clean(self):
        data = super().clean()
        for c in self.criteria:
            try:
                data[f"p_{c.code}"] = parse_points(c, data.get(f"p_{c.code}"))
            except PointsError as error:
                self.add_error(f"p_{c.code}", error.message)
        return data

    def points(self) -> dict:
        return {c.code: self.cleaned_data.get(f"p_{c.code}") for c in self.criteria}

    def comments(self) -> dict:
        return {c.code: self.cleaned_data.get(f"c_{c.code}", "") for c in self.criteria}

    def uploads(self) -> dict:
        return {c.code: [self.cleaned_data[f"f_{c.code}"]] for c in self.criteria if self.cleaned_data.get(f"f_{c.code}")}

    def rows(self):
        """(criterion, points field, comment field, file field or None) in framework order, for the template."""
        for c in self.criteria:
            yield c, self[f"p_{c.code}"], self[f"c_{c.code}"], self[f"f_{c.code}"] if f"f_{c.code}" in self.fields else None

    def add_service_error(self, error) -> None:
        if hasattr(error, "error_dict"):
            for code, messages in error.message_dict.items():
                field = f"p_{code}" if f"p_{code}" in self.fields else None
                for message in messages:
                    self.add_error(field, message)
        else:
            for message in error.messages:
                self.add_error(None, message)


class SelfAssessmentForm(_CriteriaForm):
    comment = forms.CharField(label=_("Your summary of the month"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ScoreForm(_CriteriaForm):
    leader_comment = forms.CharField(label=_("Leader's comment"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), min_length=10, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"min_length": _("Write the reason for reopening (at least 10 characters)."),
                                             "required": _("Write the reason for reopening (at least 10 characters).")})


def _years():
    this = timezone.localdate().year
    return [(y, str(y)) for y in range(this, this - 6, -1)]


class PeriodForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=_years, required=False)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, choices=[(m, str(m)) for m in range(1, 13)], required=False)


def current_period() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, today.month


def previous_month(year: int, month: int) -> tuple[int, int]:
    first = dt.date(year, month, 1) - dt.timedelta(days=1)
    return first.year, first.month
