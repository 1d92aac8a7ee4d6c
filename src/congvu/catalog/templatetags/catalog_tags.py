"""Template filters for catalogue pages and the printable guidance sheet."""

from django import template

from congvu.catalog import formatting

register = template.Library()


@register.filter
def vnd(amount):
    return formatting.vnd(amount)


@register.filter
def time_limit(version):
    return formatting.time_limit_text(version)


@register.filter
def quantity(value):
    return formatting.quantity(value)
