"""Filter form of the sync list (it also validates the Excel export's query string)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.sync.models import SyncState


class SyncFilterForm(forms.Form):
    q = forms.CharField(label=_("Dossier code"), required=False, max_length=200)
    state = forms.ChoiceField(label=pgettext_lazy("portal sync", "Sync state"), required=False, choices=[("", _("Any sync state")), *SyncState.choices])
    unit = forms.ChoiceField(label=pgettext_lazy("portal sync", "Receiving unit"), required=False)
    date_from = forms.DateField(label=pgettext_lazy("portal sync", "Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=pgettext_lazy("portal sync", "Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False,
        choices=[
            ("problems", _("Failures first")), ("-updated", _("Latest change first")), ("updated", _("Oldest change first")),
            ("-received", _("Latest received first")), ("code", pgettext_lazy("portal sync", "Dossier code (A–Z)")),
            ("-attempts", _("Most attempts first")),
        ],
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.code: u for u in units}
        self.fields["unit"].choices = [("", _("All units"))] + [(u.code, u.name) for u in units]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict:
        """The filters to apply: the valid ones as given; on any invalid value, none (and the form shows why)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or "", "state": data.get("state") or "", "unit": self.units.get(data.get("unit") or ""),
            "date_from": data.get("date_from"), "date_to": data.get("date_to"), "sort": data.get("sort") or "",
        }
