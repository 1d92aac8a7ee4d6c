"""Reads about units and staff. `visible_units` is the one scoping rule every list, page, export and API
call filters through, in SQL."""

from django.db.models import Q, QuerySet

from congvu.units.models import Role, StaffProfile, Unit

# Roles whose holders see every unit of the installation, not only their own subtree.
_INSTALLATION_WIDE_ROLES = {Role.SYSTEM_ADMIN}


def staff_profile_of(user) -> StaffProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def subtree_q(unit: Unit, prefix: str = "") -> Q:
    """Q matching `unit` and everything below it (materialized-path prefix: one index range scan)."""
    return Q(**{f"{prefix}path__startswith": unit.path})


def visible_units(user) -> QuerySet[Unit]:
    """Units whose data `user` may see: their unit's subtree, plus the units merged into it (a merged
    ward's records stay findable from its successor)."""
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    profile = staff_profile_of(user)
    if profile is None:
        return Unit.objects.none()
    if profile.role in _INSTALLATION_WIDE_ROLES:
        return Unit.objects.all()
    return Unit.objects.filter(Q(pk__in=_subtree_with_predecessors(profile.unit)))


def _subtree_with_predecessors(unit: Unit) -> list[int]:
    ids = set(Unit.objects.filter(subtree_q(unit)).values_list("pk", flat=True))
    frontier = set(ids)
    while frontier:
        merged = set(Unit.objects.filter(successor_id__in=frontier).values_list("pk", flat=True)) - ids
        merged_subtrees = set()
        for predecessor in Unit.objects.filter(pk__in=merged):
            merged_subtrees |= set(Unit.objects.filter(subtree_q(predecessor)).values_list("pk", flat=True))
        frontier = (merged | merged_subtrees) - ids
        ids |= frontier
    return sorted(ids)
