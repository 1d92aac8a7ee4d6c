"""What an API token reaches: what its user reaches, cut down to its owning unit.

The scope rule of every list, page and API call is `congvu.units.selectors.scope_of(user)` (a few subtree
prefixes plus single merged units). A token acts as its user, so without more it would reach everything the user
does — a province system administrator's token handed to one commune's software would read the whole province.
`bound_scope` intersects the user's scope with the owning unit's (its subtree and the units merged into it) and
installs the result as the user's scope for the request, so every selector filters by it in SQL without knowing
about tokens.
"""

from __future__ import annotations

import bisect

from congvu.units.models import Unit
# The roles whose scope reaches past their own unit (units.selectors decides them; the token must not inherit that).
from congvu.units.selectors import _INSTALLATION_WIDE_ROLES, _PROVINCE_WIDE_ROLES  # noqa: PLC2701
from congvu.units.selectors import Scope, scope_for_unit, scope_of, staff_profile_of

# Where units.selectors.scope_of keeps a user's scope for the rest of the request (tests/accounts/test_api_tokens.py
# checks that selectors read what is put here).
SCOPE_CACHE_ATTRIBUTE = "_congvu_scope"


def _under(path: str, roots: list[str]) -> bool:
    i = bisect.bisect_right(roots, path)
    return i > 0 and path.startswith(roots[i - 1])


def intersect(a: Scope, b: Scope) -> Scope:
    """The units both scopes cover. Two subtrees meet only when one holds the other (then the deeper one is the
    intersection); a single unit is kept when the other scope covers it (its path is looked up: one query)."""
    if a.everything:
        return b
    if b.everything:
        return a
    prefixes = set()
    for p in a.prefixes:
        for q in b.prefixes:
            if p.startswith(q):
                prefixes.add(p)
            elif q.startswith(p):
                prefixes.add(q)
    kept: list[str] = []
    for path in sorted(prefixes):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    singles = a.unit_ids | b.unit_ids
    ids: set[int] = set()
    if singles:
        a_roots, b_roots = sorted(a.prefixes), sorted(b.prefixes)
        for pk, path in Unit.objects.filter(pk__in=sorted(singles)).values_list("pk", "path"):
            in_a = pk in a.unit_ids or _under(path, a_roots)
            in_b = pk in b.unit_ids or _under(path, b_roots)
            if in_a and in_b and not _under(path, kept):
                ids.add(pk)
    return Scope(everything=False, prefixes=tuple(kept), unit_ids=frozenset(ids))


def token_scope(token) -> Scope:
    """The token's effective scope: the units both its user and its owning unit reach."""
    user = token.acts_as
    user_scope = scope_of(user)
    if user_scope.is_empty:
        return user_scope
    profile = staff_profile_of(user)
    if (profile is not None and profile.unit_id == token.unit_id and not user.is_superuser
            and profile.role not in _INSTALLATION_WIDE_ROLES | _PROVINCE_WIDE_ROLES):
        # The common case (a commune's software acting as that commune's account): the user's scope is their
        # unit's scope, which is the token's; no query beyond the user's own scope.
        return user_scope
    unit_scope = scope_for_unit(token.unit)
    if user_scope.covers(token.unit):
        # Scopes are closed under subtrees and merges: covering the unit means covering all it reaches.
        return unit_scope
    return intersect(user_scope, unit_scope)


def bound_scope(token) -> Scope:
    """Compute the token's scope and make it the scope of its user object for this request."""
    scope = token_scope(token)
    token.acts_as.__dict__[SCOPE_CACHE_ATTRIBUTE] = scope
    return scope
