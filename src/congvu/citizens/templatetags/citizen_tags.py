from django import template

from congvu.citizens.identity import signed_in_citizen
from congvu.citizens.signin import is_configured

register = template.Library()


@register.inclusion_tag("citizens/_nav.html", takes_context=True)
def citizen_nav(context):
    """The portal header's sign-in link, or the signed-in citizen with "My dossiers" and sign-out; nothing at
    all when no identity provider is configured."""
    request = context.get("request")
    configured = is_configured()
    return {
        "configured": configured,
        # Without a provider nobody can be signed in: the session is not even read (no query, no Vary: Cookie).
        "citizen": signed_in_citizen(request) if configured and request is not None else None,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
