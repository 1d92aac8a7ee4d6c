"""Masked personal data in templates: {{ value|mask_personal_id }}, {{ value|mask_phone }}, {{ value|mask_email }},
{{ value|mask_recipient }}."""

from django import template

from congvu.privacy import masking

register = template.Library()


@register.filter
def mask_personal_id(value):
    return masking.mask_personal_id(value or "")


@register.filter
def mask_phone(value):
    return masking.mask_phone(value or "")


@register.filter
def mask_email(value):
    return masking.mask_email(value or "")


@register.filter
def mask_recipient(value):
    return masking.mask_recipient(value or "")
