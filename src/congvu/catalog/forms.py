from django import forms
from django.utils.translation import gettext_lazy as _

from congvu.catalog import selectors
from congvu.catalog.models import ImplementingLevel


class CatalogueFilterForm(forms.Form):
    """The public list's search and filters. Unknown values are dropped, never an error page: a citizen's
    bookmarked or hand-edited link still shows the catalogue."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    field = forms.ChoiceField(label=_("Field"), required=False)
    level = forms.ChoiceField(label=_("Implementing level"), required=False, choices=[("", _("All levels")), *ImplementingLevel.choices])
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False,
        choices=[("code", _("Procedure code")), ("name", _("Procedure name")), ("field", _("Field"))],
    )
    include_abolished = forms.BooleanField(label=_("Include abolished procedures"), required=False)
    online = forms.BooleanField(label=_("Only procedures that can be filed online"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["field"].choices = [("", _("All fields"))] + [(f.code, f.name) for f in selectors.fields_in_catalogue()]

    def filters(self) -> dict:
        """The valid filters; an invalid one is ignored."""
        values = {"q": "", "field": "", "level": "", "sort": "code", "include_abolished": False, "online": False}
        if self.is_bound:
            self.is_valid()
            for name in values:
                if name not in self.errors and name in self.cleaned_data:
                    values[name] = self.cleaned_data[name] or values[name]
        return values
