"""Reads for the citizen portal: the catalogue by field and level with counts, and where a procedure can be
filed online. Nothing here reveals staff: units are named, people never."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from congvu.catalog import selectors as catalog_selectors
from congvu.core.collation import vietnamese_order
from congvu.catalog.models import Field, ImplementingLevel, VersionLevel, VersionStatus
from congvu.units.models import Role, StaffProfile, Unit, UnitKind
from congvu.units.selectors import active_q, order_by_name


@dataclass(frozen=True)
class Browse:
    code: str
    name: str
    count: int


def _published_in_force():
    return catalog_selectors.current_versions().exclude(status=VersionStatus.ABOLISHED)


def fields_with_counts() -> list[Browse]:
    """Each field with the number of procedures in force under it, in Vietnamese alphabetical order (field
    codes are folded slugs of their names, so SQLite sorts them like the names)."""
    counts = dict(_published_in_force().order_by().values_list("field_id").annotate(n=Count("pk")).values_list("field_id", "n"))
    fields = Field.objects.filter(pk__in=list(counts)).order_by(vietnamese_order("name", "code"))
    return [Browse(f.code, f.name, counts[f.pk]) for f in fields]


def levels_with_counts() -> list[Browse]:
    """Each implementing level with the number of procedures in force at it, in the catalogue's order."""
    versions = _published_in_force().values("pk")
    counts = dict(
        VersionLevel.objects.filter(version__in=versions).order_by().values_list("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    return [Browse(value, str(label), counts[value]) for value, label in ImplementingLevel.choices if counts.get(value)]


def online_filing_count() -> int:
    return catalog_selectors.online_filing_versions().count()


# ------------------------------------------------------------------------------------------------- where to file

# The implementing level a unit receives for, judged from the unit or the nearest unit above it: a commune's
# one-stop desk or service centre receives commune-level procedures; the province, its departments and the
# province's service centre receive province-level ones. Pre-2025 districts no longer receive anything.
_LEVEL_OF_KIND = {
    UnitKind.COMMUNE: ImplementingLevel.COMMUNE,
    UnitKind.PROVINCE: ImplementingLevel.PROVINCE,
    UnitKind.DEPARTMENT: ImplementingLevel.PROVINCE,
    UnitKind.DISTRICT: None,
}


def _level_of(unit: Unit, by_path: dict[str, Unit]) -> str | None:
    steplen = Unit.steplen
    for depth in range(unit.depth, 0, -1):
        node = unit if depth == unit.depth else by_path.get(unit.path[: depth * steplen])
        if node is not None and node.kind in _LEVEL_OF_KIND:
            return _LEVEL_OF_KIND[node.kind]
    return None


def receiving_units(version) -> list[Unit]:
    """The units where a citizen can file `version` online: active units with an active one-stop officer
    (someone must accept the filing, Decree 118/2025 keeps the one-stop desk as the only door) that receive
    for one of the version's implementing levels. Sorted by name."""
    levels = set(version.levels.values_list("level", flat=True))
    if not levels:
        return []
    officers = StaffProfile.objects.filter(role=Role.ONE_STOP_OFFICER, user__is_active=True).values("unit_id")
    candidates = list(order_by_name(Unit.objects.filter(active_q(), pk__in=officers)))
    steplen = Unit.steplen
    ancestor_paths = {u.path[: d * steplen] for u in candidates for d in range(1, u.depth)}
    by_path = {u.path: u for u in Unit.objects.filter(path__in=ancestor_paths)}
    return [u for u in candidates if _level_of(u, by_path) in levels]
