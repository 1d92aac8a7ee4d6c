"""Filter forms of the outbox and mailbox pages (they also validate the Excel export's query string)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.notify.models import Channel, Kind, Status


class OutboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])
    channel = forms.ChoiceField(label=pgettext_lazy("notification", "Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices])
    kind = forms.ChoiceField(label=_("Notification"), required=False, choices=[("", _("Any notification")), *Kind.choices])
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False,
        choices=[
            ("-created", _("Newest first")), ("created", _("Oldest first")), ("next_attempt", _("Next attempt (soonest first)")),
            ("-attempts", _("Most attempts first")), ("recipient", _("Recipient (A–Z)")),
        ],
    )

    def filters(self) -> dict:
        """The filters to apply: the valid ones as given; on any invalid value, none (and the form shows why)."""
        if not self.is_valid():
            return {}
        return {key: self.cleaned_data.get(key) or "" for key in ("q", "status", "channel", "kind", "sort")}


class MailboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    channel = forms.ChoiceField(label=pgettext_lazy("notification", "Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices])

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: self.cleaned_data.get(key) or "" for key in ("q", "channel")}
