"""Template filters of the feedback pages: Vietnamese words for statuses, Vietnam-time display, masked phones."""

from django import template
from django.utils import timezone

from congvu.feedback.exports import state_label
from congvu.units.phones import display_phone, mask_phone

register = template.Library()


@register.filter(name="feedback_state")
def feedback_state(value):
    return state_label(value)


@register.filter(name="feedback_action")
def feedback_action(value):
    from congvu.feedback.forms import ACTION_LABELS
    from congvu.feedback.workflow import FeedbackAction

    try:
        return str(ACTION_LABELS[FeedbackAction(value)])
    except ValueError:
        return value


@register.filter(name="feedback_verdict")
def feedback_verdict(value):
    from congvu.feedback.models import Verdict

    try:
        return str(Verdict(value).label)
    except ValueError:
        return value


@register.filter
def vn_time(value):
    """An aware instant as "dd/mm/yyyy HH:MM" in the installation's time zone (Vietnam's)."""
    if not value:
        return "—"
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


@register.filter
def vn_date(value):
    if not value:
        return "—"
    return timezone.localtime(value).strftime("%d/%m/%Y")


@register.filter(name="masked_phone")
def masked_phone(value):
    return mask_phone(value or "")


@register.filter(name="phone_display")
def phone_display(value):
    return display_phone(value or "")


@register.filter
def percent(value):
    """47.25 → "47,3%" (Vietnamese decimal comma); None → "—"."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",") + "%"


@register.filter(name="sipas_factor")
def sipas_factor(code):
    from congvu.feedback.sipas import FACTOR_NAMES

    return str(FACTOR_NAMES.get(code, code))
