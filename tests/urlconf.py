"""The URL conf as a flat list, for the tests that must cover every page (query counts, the authorisation matrix)."""

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns(skip=("admin/", "api/v1/"), *, named_only=False):
    """(name, route, converters) for every pattern of the URL conf, with the given prefixes left out (they are
    enumerated on their own: the Django admin, and the API from its OpenAPI document). An unnamed pattern is named
    by its route, unless `named_only` leaves it out."""
    out = []

    def walk(resolver, prefix, namespace):
        for p in resolver.url_patterns:
            route = prefix + str(p.pattern)
            if route.startswith(skip):
                continue
            if isinstance(p, URLResolver):
                walk(p, route, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and (p.name or not named_only):
                out.append((namespace + (p.name or route), route, dict(p.pattern.converters)))

    walk(get_resolver(), "", "")
    return out
