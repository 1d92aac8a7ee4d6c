"""Which records count toward a unit: everything of the unit and its subtree, and of the units merged into it
(a ward merged in July still answers for the dossiers it handled in June when the new ward's year is
reported). One home for this rule so that dashboards, rankings, reports and drill-down lists agree."""

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
