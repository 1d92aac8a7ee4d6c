"""Template filters for the staff dossier pages: Vietnamese words for states and actions, masked personal
data in lists, Vietnam-time display."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congvu.dossiers.states import Action, DossierState
from congvu.privacy.masking import mask_personal_id, mask_phone as _mask_phone
from congvu.units.phones import display_phone

register = template.Library()

# The words the national portal uses for each state (DOMAIN.md §2), so officers read what citizens read.
STATE_LABELS = {
    DossierState.SUBMITTED_ONLINE: _("Filed online, not yet received"),
    DossierState.RECEIVED: _("Received"),
    DossierState.NOT_ACCEPTED: _("Not accepted"),
    DossierState.PROCESSING: _("Being processed"),
    DossierState.AWAITING_SUPPLEMENT: _("Waiting for the applicant's supplement"),
    DossierState.AWAITING_PAYMENT: _("Waiting for fees to be paid"),
    DossierState.WITHDRAWN: _("Withdrawn at the applicant's request"),
    DossierState.STOPPED: _("Processing stopped"),
    DossierState.RESULT_READY: _("Processed, result ready"),
    DossierState.RETURNED: _("Result returned"),
    DossierState.REFUSED: _("Refused"),
}

ACTION_LABELS = {
    Action.SUBMIT_ONLINE: _("File online"),
    Action.RECEIVE: _("Receive"),
    Action.NOT_ACCEPT: _("Do not accept"),
    Action.START_PROCESSING: _("Start processing"),
    Action.REQUEST_SUPPLEMENT: _("Request a supplement"),
    Action.RECEIVE_SUPPLEMENT: _("Receive the supplement"),
    Action.REQUEST_PAYMENT: _("Request payment"),
    Action.CONFIRM_PAYMENT: _("Confirm payment"),
    Action.WITHDRAW: _("Withdraw at the applicant's request"),
    Action.STOP: _("Stop processing"),
    Action.REFUSE: _("Refuse"),
    Action.RECORD_RESULT: _("Record the result"),
    Action.RETURN_RESULT: _("Return the result"),
    Action.ACCEPT_STEP: _("Accept the step"),
    Action.FORWARD: _("Forward"),
    Action.SEND_BACK: _("Send back"),
    Action.ASSIGN: _("Assign"),
    Action.ISSUE_APOLOGY: _("Issue an apology and a new appointment"),
}


def state_label(value) -> str:
    try:
        return str(STATE_LABELS[DossierState(value)])
    except ValueError:
        return str(value or "—")


def action_label(value) -> str:
    try:
        return str(ACTION_LABELS[Action(value)])
    except ValueError:
        return str(value or "")


@register.filter(name="state_label")
def state_label_filter(value):
    return state_label(value)


@register.filter(name="action_label")
def action_label_filter(value):
    return action_label(value)


@register.filter(name="mask_personal_id")
def mask_personal_id_filter(value):
    return mask_personal_id(value)


@register.filter(name="mask_phone")
def mask_phone_filter(value):
    return _mask_phone(value or "")


@register.filter(name="phone")
def phone_filter(value):
    return display_phone(value or "")


@register.filter
def vntime(value):
    """An aware instant as "dd/mm/yyyy HH:MM" in the installation's time zone (Vietnam's)."""
    if not value:
        return "—"
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
