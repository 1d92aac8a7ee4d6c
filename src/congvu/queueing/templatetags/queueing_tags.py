from django import template

from congvu.queueing.statistics import format_duration

register = template.Library()


@register.filter
def duration(seconds):
    """Seconds as m:ss (h:mm:ss past an hour); an em dash when there is nothing measured."""
    return format_duration(seconds)
