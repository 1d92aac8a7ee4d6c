"""The units list as an Excel workbook (cells made inert by congvu.core.excel)."""

from django.utils.translation import gettext as _

from congvu.core.excel import workbook_bytes
from congvu.units import selectors
from congvu.units.phones import display_phone

_BATCH = 1000


def units_workbook(units) -> bytes:
    """One row per unit, in the order given."""
    columns = [
        (_("Code"), 14), (_("Name"), 40), (_("Short name"), 24), (_("Kind"), 28), (_("Official administrative code"), 14),
        (_("Electronic identifier"), 18), (_("Parent unit"), 36), (_("Valid from"), 12), (_("Valid until"), 12),
        (_("Successor"), 36), (_("Address"), 40), (_("Phone"), 16),
    ]
    return workbook_bytes(_("Units"), columns, _rows(units))


def _rows(units):
    # Parents are looked up a batch at a time: one query per thousand rows instead of one per row.
    batch: list = []
    for unit in units.select_related("successor").iterator(chunk_size=_BATCH):
        batch.append(unit)
        if len(batch) == _BATCH:
            yield from _unit_rows(batch)
            batch = []
    yield from _unit_rows(batch)


def _unit_rows(units):
    parents = selectors.parents_of(units)
    for unit in units:
        parent = parents.get(unit.pk)
        yield [
            unit.code, unit.name, unit.short_name, str(unit.get_kind_display()), unit.official_code, unit.identifier,
            parent.name if parent else "", unit.valid_from, unit.valid_to, unit.successor.name if unit.successor else "",
            unit.address, display_phone(unit.phone),
        ]
