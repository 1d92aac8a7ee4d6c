"""Forms of the boundary-free listing page (Decree 118/2025): the filter, adding a listing, ending one, importing a
published list. They check what a person typed; `congvu.catalog.boundary` applies the rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
STATUS_CHOICES = [("", _("In force today")), ("ended", _("Ended listings")), ("all", _("All listings"))]
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ListingFilterForm(forms.Form):
    q = forms.CharField(label=_("Procedure code, name or decision"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Listing status"), required=False, choices=STATUS_CHOICES)

    def values(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {"q": "", "status": ""}
        return {"q": self.cleaned_data.get("q") or "", "status": self.cleaned_data.get("status") or ""}


class ListingForm(forms.Form):
    procedure = forms.CharField(label=_("Procedure code"), max_length=60, help_text=_("The national code, e.g. 1.001193."))
    decision_number = forms.CharField(label=_("Number of the listing decision"), max_length=120, help_text=_("e.g. 1234/QĐ-UBND"))
    decision_date = forms.DateField(label=_("Date of the listing decision"), input_formats=DATE_FORMATS, widget=DATE_INPUT)
    valid_from = forms.DateField(
        label=_("Listed from"), required=False, input_formats=DATE_FORMATS, widget=DATE_INPUT,
        help_text=_("Empty: from the date of the decision."),
    )

    def clean_procedure(self):
        return "".join(self.cleaned_data["procedure"].split())

    def clean(self):
        data = super().clean()
        if data.get("decision_date") and data.get("valid_from") and data["valid_from"] < data["decision_date"]:
            self.add_error("valid_from", ValidationError(_("A listing cannot apply before the decision that made it."), code="before_decision"))
        return data


class EndListingForm(forms.Form):
    valid_to = forms.DateField(label=_("Last day listed"), input_formats=DATE_FORMATS, widget=DATE_INPUT)
    end_decision_number = forms.CharField(label=_("Decision that removes it"), max_length=120, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("List file (CSV or Excel)"), help_text=_(
        "Columns: “Mã thủ tục” (required), and “Số quyết định”, “Ngày quyết định”, “Áp dụng từ” when they differ by row."))
    decision_number = forms.CharField(label=_("Number of the listing decision (whole file)"), max_length=120, required=False)
    decision_date = forms.DateField(label=_("Date of the listing decision (whole file)"), required=False, input_formats=DATE_FORMATS, widget=DATE_INPUT)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."), code="too_large")
        return upload
