"""Which records count toward a unit: everything of the unit and its subtree, and of the units merged into it
(a ward merged in July still answers for the dossiers it handled in June when the new ward's year is
reported). One home for this rule so that dashboards, rankings, reports and drill-down lists agree."""

import os
from collections import defaultdict

from django.db.models import Q

from congvu.units.models import Unit
from congvu.units.selectors import subtree_q, units_merged_into


def unit_q(unit: Unit, field: str = "") -> Q:
    """Q over a model whose `field` is a foreign key to Unit (e.g. "handling_unit"): the records of `unit`,
    its subtree and the subtrees of the units merged into it. With no field, a Q over Unit itself."""
    prefix = f"{field}__" if field else ""
    q = subtree_q(unit, prefix)
    for predecessor in units_merged_into(unit).only("path"):
        if not predecessor.path.startswith(unit.path):
            q |= subtree_q(predecessor, prefix)
    return q


def unit_ids(unit: Unit) -> list[int]:
    """The ids of the units `unit_q` covers, for rollup tables keyed by unit id."""
    return list(Unit.objects.filter(unit_q(unit)).values_list("pk", flat=True))


def unit_groups(units) -> dict[int, Unit]:
    """unit id → the one of `units` it counts toward (`unit_q` of each), in a few queries whatever the number of
    units: what a ranking or any per-child batch groups its rows by."""
    units = list(units)
    if not units:
        return {}
    # One range scan under the units' common ancestor (an OR of a hundred LIKEs costs PostgreSQL far more), then
    # each row goes to the deepest listed unit whose path prefixes its own.
    by_path = {u.path: u for u in units}
    lengths = sorted({len(path) for path in by_path})
    rows = Unit.objects.filter(path__startswith=os.path.commonprefix(list(by_path))).values_list("pk", "path")
    out: dict[int, object] = {}
    for pk, path in rows:
        for length in lengths:
            u = by_path.get(path[:length])
            if u is not None:
                out[pk] = u
    merged = list(Unit.objects.filter(successor__isnull=False).values_list("pk", "path", "successor_id"))
    if merged:
        successors = defaultdict(list)
        for pk, path, successor in merged:
            successors[successor].append((pk, path))
        outside = []
        for u in units:
            frontier, seen = [u.pk], {u.pk}
            while frontier:
                nxt = []
                for parent in frontier:
                    for pk, path in successors.get(parent, ()):
                        if pk not in seen:
                            seen.add(pk)
                            nxt.append(pk)
                            if not path.startswith(u.path):
                                outside.append((path, u))
                frontier = nxt
        for path, u in outside:
            for pk in Unit.objects.filter(path__startswith=path).values_list("pk", flat=True):
                out[pk] = u
    return out
