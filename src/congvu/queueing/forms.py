"""Forms of the queue pages: the statistics period and the counter's transfer."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.queueing.models import Counter, ServiceGroup

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 7


class PeriodForm(forms.Form):
    """From and to (inclusive), at most a year; the last seven days when the page opens."""

    tu = forms.DateField(label=pgettext_lazy("queue", "From"), input_formats=DATE_INPUT_FORMATS, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    den = forms.DateField(label=pgettext_lazy("queue", "To"), input_formats=DATE_INPUT_FORMATS, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, data=None, today: dt.date | None = None):
        self.today = today or timezone.localdate()
        super().__init__(data if data else None, initial=self.default_period(self.today))

    @staticmethod
    def default_period(today: dt.date) -> dict:
        return {"tu": today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), "den": today}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("tu"), data.get("den")
        if start is None and end is None:
            start, end = self.default_period(self.today).values()
        elif start is None:
            start = end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        elif end is None:
            end = max(start, self.today)
        if end < start:
            raise forms.ValidationError(_("The end of the period cannot be before its start."), code="end_before_start")
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}, code="period_too_long")
        data["tu"], data["den"] = start, end
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """The period to show: the cleaned one, or the default one while the form is unbound."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["tu"], self.cleaned_data["den"]
        default = self.default_period(self.today)
        return default["tu"], default["den"]


class TransferForm(forms.Form):
    """Where the counter sends its citizen: another counter of the centre, or another group's queue."""

    target = forms.ChoiceField(label=_("Transfer to"))
    note = forms.CharField(label=pgettext_lazy("queue", "Note"), required=False, max_length=255)

    def __init__(self, counter: Counter, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counter = counter
        self.counters = {c.pk: c for c in Counter.objects.filter(unit_id=counter.unit_id, active=True).exclude(pk=counter.pk).order_by("number")}
        self.groups = {g.pk: g for g in ServiceGroup.objects.filter(unit_id=counter.unit_id).order_by("position", "prefix")}
        optgroups = [
            (pgettext_lazy("queue", "Counters"), [(f"counter-{c.pk}", c.label + (f" — {c.name}" if c.name else "")) for c in self.counters.values()]),
            (pgettext_lazy("queue", "Service groups"), [(f"group-{g.pk}", str(g)) for g in self.groups.values()]),
        ]
        self.fields["target"].choices = [("", _("— choose —"))] + [(label, options) for label, options in optgroups if options]
        self.fields["target"].widget.attrs.update({"class": "form-select form-select-sm", "accesskey": "c"})
        self.fields["note"].widget.attrs.update({"class": "form-control form-control-sm"})

    def destination(self) -> dict:
        """`to_counter` or `to_group` for `services.transfer`."""
        kind, _sep, pk = self.cleaned_data["target"].partition("-")
        if kind == "counter":
            return {"to_counter": self.counters[int(pk)]}
        return {"to_group": self.groups[int(pk)]}
