"""Excel export of the public catalogue list.

Cells are written as text, never as formulas: a procedure name or a raw portal string that starts with "=",
"+", "-" or "@" (the portal has results beginning "- Biên bản …") would otherwise be run by the spreadsheet
(CSV/formula injection, OWASP). Text type plus Excel's quote-prefix flag keep the value exactly as published
and keep it text if someone re-saves the file.
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from congvu.catalog.formatting import fee_text, time_limit_text

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(ws, row: int, column: int, value) -> None:
    cell = ws.cell(row=row, column=column)
    if value is None:
        return
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value


def catalogue_workbook(versions) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Procedures")[:31]
    headers = [
        _("Procedure code"), _("Procedure name"), _("Field"), _("Implementing level"), _("Time limit"), _("Time limit as published"),
        _("Fees"), _("Online service level"), _("Version"), _("Effective from"), _("Ready to receive dossiers"), _("Missing information"),
    ]
    for col, title in enumerate(headers, start=1):
        safe_cell(ws, 1, col, title)
        ws.cell(row=1, column=col).font = Font(bold=True)
    for row, version in enumerate(versions, start=2):
        values = [
            version.procedure.code,
            version.name,
            version.field.name,
            ", ".join(str(lv.get_level_display()) for lv in version.levels.all()),
            time_limit_text(version),
            version.time_limit_raw,
            "; ".join(fee_text(f) for f in version.fees.all()),
            str(version.get_online_level_display()),
            version.number,
            version.effective_from.strftime("%d/%m/%Y"),
            _("yes, ready") if version.is_complete else _("not yet"),
            "; ".join(str(g) for g in version.gaps.all()),
        ]
        for col, value in enumerate(values, start=1):
            safe_cell(ws, row, col, value)
    for col, width in enumerate([12, 60, 28, 18, 20, 20, 40, 18, 8, 12, 12, 50], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for cells in ws.iter_rows(min_row=2, max_col=len(headers)):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

