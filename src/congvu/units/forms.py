"""The filter form of the units page; also validates the Excel export's query string."""

from django import forms
from django.utils.translation import gettext_lazy as _

from congvu.units import selectors
from congvu.units.models import UnitKind


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[(selectors.KIND_ALL, _("All kinds")), *UnitKind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("Any status")), (selectors.STATUS_ACTIVE, _("Active")), (selectors.STATUS_HISTORICAL, _("Historical (merged or dissolved)"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False,
        choices=[("name", _("Name (A–Z)")), ("-name", _("Name (Z–A)")), ("code", _("Code (ascending)")), ("-code", _("Code (descending)"))],
    )

    def filters(self) -> dict:
        """The filters to apply: the valid ones as given; on any invalid value, none (and the form shows why)."""
        if not self.is_valid():
            return {}
        return {key: self.cleaned_data.get(key) or "" for key in ("q", "kind", "status", "sort")}
