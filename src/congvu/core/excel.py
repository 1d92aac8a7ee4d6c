"""Excel exports: every list a person can filter can be downloaded, with the same safety rules.

Cell text comes from people and from published data (a portal result starts "- Biên bản …"). Text starting
with "=", "+", "-", "@" or a control character would be run as a formula by a spreadsheet that re-parses it
(CSV/formula injection, OWASP), so every string is written as a text cell with Excel's quote-prefix flag:
the value stays exactly as written and stays text if someone re-saves the file.
"""

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# OWASP's list, plus the full-width forms an East Asian input method types (some spreadsheets read "＝1+1" as =1+1).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_QUOTED_TRIGGER = re.compile("^'+[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")


def inert_text(text: str) -> str:
    """A text cell for a CSV a spreadsheet may open: an apostrophe in front of text it would run as a formula.

    Reversible with `restored_text` (for a CSV congvu reads back): text that already starts with apostrophes
    before a trigger gets one more, so "'=x" written and read comes back as "'=x", not "=x"."""
    if text.startswith(FORMULA_TRIGGERS) or _QUOTED_TRIGGER.match(text):
        return "'" + text
    return text


def restored_text(text: str) -> str:
    """The text `inert_text` was given."""
    return text[1:] if _QUOTED_TRIGGER.match(text) else text
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    """A write-only cell holding `value` inertly: strings as text (quote-prefixed when they could be read as
    a formula), dates with a Vietnamese day/month/year format, numbers as numbers."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        out = WriteOnlyCell(sheet, value=text)
        out.data_type = "s"
        if text.startswith(FORMULA_TRIGGERS):
            out.quotePrefix = True
        out.alignment = _WRAP
    elif isinstance(value, dt.datetime):
        out = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        out.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, dt.date):
        out = WriteOnlyCell(sheet, value=value)
        out.number_format = "DD/MM/YYYY"
    else:
        out = WriteOnlyCell(sheet, value=value)
    if bold:
        out.font = _BOLD
    return out


def workbook_bytes(title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence]) -> bytes:
    """One sheet: a bold header row of (header, column width) and the rows, streamed (write-only mode), so
    an export of a hundred thousand rows does not hold a hundred thousand cell objects in memory.
    Datetimes must already be in the time zone the reader expects (Vietnam's)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])  # Excel's limit on a sheet name
    for index, (_header, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([cell(sheet, header, bold=True) for header, _width in columns])
    for row in rows:
        sheet.append([cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
