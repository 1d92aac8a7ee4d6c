from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congvu.units.models import ApiScope, Unit


class SignInForm(AuthenticationForm):
    """Django's form (it authenticates with the request, which django-axes needs to count failures)."""


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isascii() or not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."), code="format")
        return code


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of your account"), max_length=254)


class TokenIssueForm(forms.Form):
    name = forms.CharField(label=_("System name"), max_length=120, help_text=_("Which software will use the token, e.g. the province's gateway."))
    unit = forms.CharField(label=_("Owning unit (code)"), max_length=40, help_text=_("The token reaches only this unit, the units under it and the units merged into it."))
    acts_as = forms.CharField(label=_("Acts as (username)"), max_length=150, help_text=_("A staff account of the system; its calls are recorded as this account's."))
    scopes = forms.MultipleChoiceField(label=_("Permissions"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple)
    expires_on = forms.DateField(label=_("Valid until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip().replace("\x00", "")
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("There is no unit with this code."), code="unknown_unit")
        return unit

    def clean_acts_as(self):
        username = self.cleaned_data["acts_as"].strip().replace("\x00", "")
        user = get_user_model().objects.filter(username=username).select_related("staff_profile__unit").first()
        if user is None or not user.is_active:
            raise forms.ValidationError(_("There is no active account with this username."), code="unknown_user")
        if user.is_superuser:
            # A superuser passes every permission check; a leaked token must not.
            raise forms.ValidationError(_("A token cannot act as a superuser; create a staff account for the system."), code="superuser")
        if getattr(user, "staff_profile", None) is None:
            raise forms.ValidationError(_("This account has no unit and role, so the token could reach nothing."), code="no_profile")
        return user

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("Pick a day after today."), code="past")
        return day

    def expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        # Valid through the whole of the chosen day, local time.
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, timezone.get_current_timezone())
