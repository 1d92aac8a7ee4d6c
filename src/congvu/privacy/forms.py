"""Forms of the privacy pages. Messages are Vietnamese through gettext; nothing is written from an invalid form."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.privacy.models import Reason, RecordKind, RequestChannel, RequestKind, RequestState

PERSONAL_ID = re.compile(r"\d{12}")
NO_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(value: str) -> str:
    return NO_CONTROL.sub("", value or "").strip()


class RevealForm(forms.Form):
    kind = forms.ChoiceField(choices=RecordKind.choices, widget=forms.HiddenInput)
    key = forms.CharField(max_length=60, widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Why do you need the full details?"), choices=[("", "—")] + Reason.choices)
    reason_text = forms.CharField(label=_("Explanation"), max_length=500, required=False, widget=forms.TextInput,
                                  help_text=_("Required when the reason is “Other”."))

    def clean_reason_text(self):
        return _clean_text(self.cleaned_data.get("reason_text"))

    def clean(self):
        data = super().clean()
        if data.get("reason") == Reason.OTHER and not data.get("reason_text"):
            self.add_error("reason_text", _("Explain why you need the full details."))
        return data


class AccessLogFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=pgettext_lazy("end of a date range", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    who = forms.CharField(label=_("Who"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Record kind"), required=False, choices=[("", _("All"))] + RecordKind.choices)
    record = forms.CharField(label=_("Record"), max_length=60, required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=[("", _("All"))] + Reason.choices)

    def clean_who(self):
        return _clean_text(self.cleaned_data.get("who"))

    def clean_record(self):
        return _clean_text(self.cleaned_data.get("record"))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class DataRequestForm(forms.Form):
    personal_id = forms.CharField(label=_("Personal identification number"), max_length=12, min_length=12)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    kind = forms.ChoiceField(label=_("Request"), choices=RequestKind.choices)
    channel = forms.ChoiceField(label=_("Received"), choices=[c for c in RequestChannel.choices if c[0] != RequestChannel.PORTAL])
    details = forms.CharField(label=_("Details"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_personal_id(self):
        value = (self.cleaned_data.get("personal_id") or "").strip()
        if not PERSONAL_ID.fullmatch(value):
            raise forms.ValidationError(_("A personal identification number has exactly 12 digits."))
        return value

    def clean_full_name(self):
        value = _clean_text(self.cleaned_data.get("full_name"))
        if not value:
            raise forms.ValidationError(_("Enter the person's full name."))
        return value

    def clean_details(self):
        return _clean_text(self.cleaned_data.get("details"))


class CloseRequestForm(forms.Form):
    state = forms.ChoiceField(label=_("Result"), choices=[c for c in RequestState.choices if c[0] != RequestState.OPEN],
                              widget=forms.RadioSelect)
    outcome = forms.CharField(label=_("What was done, or why it was refused"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_outcome(self):
        value = _clean_text(self.cleaned_data.get("outcome"))
        if not value:
            raise forms.ValidationError(_("Write what was done, or why the request was refused."))
        return value


class RequestFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + RequestState.choices)
    personal_id = forms.CharField(label=_("Personal identification number"), max_length=12, required=False)

    def clean_personal_id(self):
        return re.sub(r"\D", "", self.cleaned_data.get("personal_id") or "")
