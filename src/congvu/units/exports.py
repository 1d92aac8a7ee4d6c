"""The units list as an Excel workbook.

Cell values come from people (names, addresses typed in the admin). A value starting with = + - or @
would be read as a formula by a spreadsheet that re-parses text; prefixing an apostrophe is the
OWASP-recommended defence, and the text stays readable."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from congvu.units import selectors
from congvu.units.phones import display_phone

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Make a cell value inert: no formula, no control character openpyxl would refuse."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def units_workbook(units) -> bytes:
    """One sheet, one row per unit, in the order given; written in streaming mode so a province with
    ten thousand historical units does not need ten thousand cell objects in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Units"))
    sheet.freeze_panes = "A2"
    headers = [_("Code"), _("Name"), _("Short name"), _("Kind"), _("Official administrative code"), _("Electronic identifier"),
               _("Parent unit"), _("Valid from"), _("Valid until"), _("Successor"), _("Address"), _("Phone")]
    widths = [14, 40, 24, 28, 14, 18, 36, 12, 12, 36, 40, 16]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(title))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    # Parents are looked up a batch at a time: one query per thousand rows instead of one per row.
    batch: list = []
    for unit in units.iterator(chunk_size=1000):
        batch.append(unit)
        if len(batch) == 1000:
            _write_rows(sheet, batch)
            batch = []
    _write_rows(sheet, batch)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_rows(sheet, units) -> None:
    parents = selectors.parents_of(units)
    for unit in units:
        parent = parents.get(unit.pk)
        sheet.append([safe_cell(v) for v in (
            unit.code, unit.name, unit.short_name, str(unit.get_kind_display()), unit.official_code, unit.identifier,
            parent.name if parent else "", unit.valid_from, unit.valid_to, unit.successor.name if unit.successor else "",
            unit.address, display_phone(unit.phone),
        )])
