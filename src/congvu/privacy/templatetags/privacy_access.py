from django import template

from congvu.privacy import access

register = template.Library()


@register.simple_tag(takes_context=True)
def privacy_links(context):
    user = context.get("user")
    return {"log": access.can_read_access_log(user), "requests": access.can_read_requests(user)}
