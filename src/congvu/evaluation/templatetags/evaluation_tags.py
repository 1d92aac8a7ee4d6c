from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (the board's counts per state, a summary row's months), None when absent."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
