"""Reads about units and staff. `visible_units` is the one scoping rule every list, page, export and API
call filters through, in SQL; `scope_queryset` applies it to anything that points at a unit.

How scope is computed: a user sees the subtree of their unit (a prefix of the materialized path) plus
the units merged into anything in that subtree, with their own subtrees, transitively. The merged units
are found a generation at a time — one query per generation of merges, normally two queries in all.
The result is a few path prefixes (subtrees) and the ids of merged units that have nothing below them.
A scoped query on units is "path starts with one of these prefixes, or id is one of these", which both
databases answer from indexes; other tables reach it through a subquery on the unit table
(`scope_queryset`), so a dossier list never carries a list of unit ids computed per dossier.
"""

import bisect
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from congvu.core.collation import vietnamese_order
from congvu.core.text import search_terms
from congvu.units.models import Role, StaffProfile, Unit

# Roles whose holders see every unit of the installation, not only their own subtree.
_INSTALLATION_WIDE_ROLES = {Role.SYSTEM_ADMIN}


def staff_profile_of(user) -> StaffProfile | None:
    """The user's staff profile with its unit, in one query, remembered on the user object for the rest
    of the request (`user.staff_profile` then needs no query either)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user._state.fields_cache
    if "staff_profile" not in cache:
        cache["staff_profile"] = StaffProfile.objects.select_related("unit", "job_position").filter(user_id=user.pk).first()
    return cache["staff_profile"]


def subtree_q(unit: Unit, prefix: str = "") -> Q:
    """Q matching `unit` and everything below it (materialized-path prefix: one index range scan)."""
    return Q(**{f"{prefix}path__startswith": unit.path})


def _any_prefix_q(paths, prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def _compact(paths) -> list[str]:
    """Drop paths that lie under another path of the list: after sorting, a descendant follows its
    ancestor directly."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def _under_any(path: str, sorted_roots: list[str]) -> bool:
    """Whether `path` lies under one of the (compacted, sorted) roots: only the greatest root not after
    it can be its ancestor."""
    i = bisect.bisect_right(sorted_roots, path)
    return i > 0 and path.startswith(sorted_roots[i - 1])


@dataclass(frozen=True)
class Scope:
    """What a user may see: everything; or the subtrees under `prefixes` plus the single units `unit_ids`
    (merged units without units below them, the common case of an old ward: matching them by id keeps
    a province with thousands of merged wards one indexed `IN` away instead of thousands of `LIKE`s)."""

    everything: bool
    prefixes: tuple[str, ...] = ()
    unit_ids: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.prefixes and not self.unit_ids

    def covers(self, unit: Unit) -> bool:
        return self.everything or unit.pk in self.unit_ids or _under_any(unit.path, list(self.prefixes))

    def q(self, prefix: str = "") -> Q:
        """Q over units, or over rows reaching a unit through `prefix` (e.g. "unit__")."""
        if self.everything:
            return Q()
        q = _any_prefix_q(self.prefixes, prefix)
        if self.unit_ids:
            q |= Q(**{f"{prefix}pk__in": sorted(self.unit_ids)})
        return q


def scope_for_unit(unit: Unit) -> Scope:
    """Everything whose records the staff of `unit` may see: its subtree and the units merged into it,
    with their subtrees, directly or through earlier merges. One query per generation of merges."""
    roots = [unit.path]
    leaves: dict[int, str] = {}
    candidates = Unit.objects.filter(successor__path__startswith=unit.path)
    while True:
        new = [(pk, path, numchild) for pk, path, numchild in candidates.values_list("pk", "path", "numchild")
               if pk not in leaves and not _under_any(path, roots)]
        if not new:
            break
        new_roots = [path for _pk, path, numchild in new if numchild]
        new_leaves = {pk: path for pk, path, numchild in new if not numchild}
        roots = _compact(roots + new_roots)
        leaves = {pk: path for pk, path in {**leaves, **new_leaves}.items() if not _under_any(path, roots)}
        # Next generation: units merged into the units just found (or into anything below them).
        candidates = Unit.objects.filter(_any_prefix_q(new_roots, "successor__") | Q(successor_id__in=list(new_leaves)))
    return Scope(everything=False, prefixes=tuple(roots), unit_ids=frozenset(leaves))


# The reform office sits in one department (usually the Department of Home Affairs) but scores every
# department and commune of the province on the PAR index, so its scope is the whole province.
_PROVINCE_WIDE_ROLES = {Role.REFORM_ADMIN}


def scope_of(user) -> Scope:
    """The user's scope, computed once per user object (one request): pages and services ask repeatedly."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(everything=False)
    cached = user.__dict__.get("_congvu_scope")
    if cached is None:
        cached = user.__dict__["_congvu_scope"] = _scope_of(user)
    return cached


def _scope_of(user) -> Scope:
    if user.is_superuser:
        return Scope(everything=True)
    profile = staff_profile_of(user)
    if profile is None:
        return Scope(everything=False)
    if profile.role in _INSTALLATION_WIDE_ROLES:
        return Scope(everything=True)
    if profile.role in _PROVINCE_WIDE_ROLES:
        return scope_for_unit(_province_of(profile.unit))
    return scope_for_unit(profile.unit)


def _province_of(unit: Unit) -> Unit:
    """The top of the unit's tree: the province (or centrally-run city) it belongs to."""
    # In a materialized-path tree the root's path is the first step of every descendant's path.
    return unit if unit.depth == 1 else Unit.objects.get(path=unit.path[: Unit.steplen])


def visible_units(user) -> QuerySet[Unit]:
    """Units whose data `user` may see: their unit's subtree plus the units merged into it (a merged
    ward's records stay findable from its successor). Leaders and the reform office of a province see
    every unit below it because those are its subtree; system administrators and superusers see all;
    anonymous users and accounts without a staff profile see nothing."""
    return units_in_scope(scope_of(user))


def units_in_scope(scope: Scope) -> QuerySet[Unit]:
    if scope.everything:
        return Unit.objects.all()
    if scope.is_empty:
        return Unit.objects.none()
    return Unit.objects.filter(scope.q())


def scope_queryset(qs: QuerySet, user, unit_field: str = "unit") -> QuerySet:
    """Filter any queryset whose rows point at a unit (`unit_field`, a FK path such as "unit" or
    "receiving_unit") down to what `user` may see, as a subquery in the same SQL statement."""
    scope = scope_of(user)
    if scope.everything:
        return qs.all()
    if scope.is_empty:
        return qs.none()
    return qs.filter(**{f"{unit_field}__in": Unit.objects.filter(scope.q()).values("pk")})


def can_see_unit(user, unit: Unit) -> bool:
    return scope_of(user).covers(unit)


# ---------------------------------------------------------------------------------------------------
# History


def units_merged_into(unit: Unit) -> QuerySet[Unit]:
    """Every unit whose successor chain leads to `unit` (the wards merged into it, and the wards merged
    into those), without their subtrees. One query per generation of merges."""
    pks: set[int] = set()
    frontier = {unit.pk}
    while frontier:
        found = set(Unit.objects.filter(successor_id__in=frontier).exclude(pk__in=pks | {unit.pk}).values_list("pk", flat=True))
        frontier = found - pks
        pks |= found
    return Unit.objects.filter(pk__in=pks)


def successor_chain(unit: Unit) -> list[Unit]:
    """Where `unit` went: its successor, that one's successor, and so on (loops are refused on save,
    and guarded against here)."""
    chain: list[Unit] = []
    seen = {unit.pk}
    current = unit.successor
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.successor
    return chain


@dataclass(frozen=True)
class Lineage:
    predecessors: list[Unit]
    successors: list[Unit]


def unit_lineage(unit: Unit) -> Lineage:
    """A unit's history: the units merged into it (transitively, by name) and the chain of units that
    took it over."""
    return Lineage(
        predecessors=list(order_by_name(units_merged_into(unit).select_related("successor"))),
        successors=successor_chain(unit),
    )


# ---------------------------------------------------------------------------------------------------
# Lists and pages

SORTS = {"name": ("name", False), "-name": ("name", True), "code": ("code", False), "-code": ("code", True)}
KIND_ALL = ""
STATUS_ACTIVE = "active"
STATUS_HISTORICAL = "historical"


def order_by_name(qs: QuerySet, descending: bool = False) -> QuerySet:
    """Vietnamese alphabetical order; `code` breaks ties so that pages never shuffle. On SQLite the
    folded `search_text` stands in for the name: it starts with the folded name."""
    return qs.order_by(vietnamese_order("name", "search_text", descending), "-code" if descending else "code")


def active_q(day: dt.date | None = None) -> Q:
    day = day or timezone.localdate()
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def filter_units(qs: QuerySet[Unit], q: str = "", kind: str = "", status: str = "", sort: str = "name") -> QuerySet[Unit]:
    """Accent-insensitive search (every word of `q`, folded, must occur), kind, active/historical, sort."""
    for term in search_terms(q):
        qs = qs.filter(search_text__contains=term)
    if kind:
        qs = qs.filter(kind=kind)
    if status == STATUS_ACTIVE:
        qs = qs.filter(active_q())
    elif status == STATUS_HISTORICAL:
        qs = qs.filter(valid_to__lt=timezone.localdate())
    field, descending = SORTS.get(sort, SORTS["name"])
    if field == "name":
        return order_by_name(qs, descending)
    return qs.order_by(f"-{field}" if descending else field)


def unit_list(user, q: str = "", kind: str = "", status: str = "", sort: str = "name") -> QuerySet[Unit]:
    """The units page, its Excel export and the API list: scoped, filtered, in a stable order."""
    return filter_units(visible_units(user).select_related("successor"), q=q, kind=kind, status=status, sort=sort)


def visible_unit(user, code: str, scope: Scope | None = None) -> Unit | None:
    """The unit with this code if `user` may see it; None both when it does not exist and when it is
    out of scope, so that callers answer 404 alike and reveal nothing. Pass `scope` when the caller
    already computed it."""
    scope = scope if scope is not None else scope_of(user)
    return units_in_scope(scope).select_related("successor").filter(code=code).first()


def parents_of(units) -> dict[int, Unit]:
    """Parent of each unit, in one query (the parent's path is the child's path less one step)."""
    units = list(units)
    parent_paths = {u.path[: -Unit.steplen] for u in units if u.depth > 1}
    by_path = {p.path: p for p in Unit.objects.filter(path__in=parent_paths)}
    return {u.pk: by_path.get(u.path[: -Unit.steplen]) for u in units if u.depth > 1}


def ancestors_of(unit: Unit) -> list[Unit]:
    """From the root down to the unit's parent, in one query."""
    paths = [unit.path[: i * Unit.steplen] for i in range(1, unit.depth)]
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


def children_of(unit: Unit) -> QuerySet[Unit]:
    return order_by_name(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1))


def staff_of_unit(unit: Unit) -> QuerySet[StaffProfile]:
    """The staff attached to this unit itself (not its subtree), given name first as Vietnamese lists sort."""
    return (
        StaffProfile.objects.filter(unit=unit, user__is_active=True)
        .select_related("user", "job_position")
        .order_by(vietnamese_order("user__last_name"), vietnamese_order("user__first_name"), "user__username")
    )
