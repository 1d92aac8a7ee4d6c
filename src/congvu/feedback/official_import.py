"""Reading a file of official SIPAS survey results (Excel .xlsx or CSV) into checked rows, without Django models.

One row per (year, unit, factor). Columns, by header (case and accents as in the template): nam, ma_don_vi,
yeu_to, gia_tri (percent, 0–100, "77,5" or "77.5"), co_mau (optional sample size), nguon (the decision or report
that published it). Every problem is reported with its row number, in Vietnamese; the caller writes nothing
unless there is none (all or nothing).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

COLUMNS = ("nam", "ma_don_vi", "yeu_to", "gia_tri", "co_mau", "nguon")
REQUIRED = ("nam", "ma_don_vi", "yeu_to", "gia_tri", "nguon")
FACTOR_CODES = ("overall", "access", "procedure", "officer", "result", "feedback")
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024


class ImportFileError(ValueError):
    """The file cannot be read at all (wrong format, no header); the message is Vietnamese."""


@dataclass(frozen=True)
class OfficialRow:
    line: int
    year: int
    unit_code: str
    factor: str
    value: Decimal
    sample_size: int | None
    source: str


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def read_table(name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number as the spreadsheet shows it, {column: text}) for each non-empty data row."""
    if len(content) > MAX_BYTES:
        raise ImportFileError("Tệp quá lớn (tối đa 5 MB).")
    lower = name.lower()
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        rows = _csv_rows(content)
    else:
        raise ImportFileError("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).")
    if not rows:
        raise ImportFileError("Tệp không có dòng tiêu đề.")
    header = [_text(h).lower() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(f"Thiếu cột: {', '.join(missing)}. Hãy dùng tệp mẫu.")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        values = {column: _text(row[i]) if i < len(row) else "" for i, column in enumerate(header) if column in COLUMNS}
        if any(values.values()):
            out.append((number, values))
    if len(out) > MAX_ROWS:
        raise ImportFileError(f"Tệp có quá nhiều dòng (tối đa {MAX_ROWS}).")
    return out


def _xlsx_rows(content: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    from congvu.documents.validation import DocumentError, check_archive

    try:
        check_archive(content)  # before openpyxl inflates it: a zip bomb is refused, not opened
    except DocumentError as exc:
        raise ImportFileError(exc.message) from None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        # Read-only mode parses the sheet's XML while iterating: a malformed or hostile sheet fails here.
        rows = [tuple(r) for r in workbook.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        workbook.close()
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError("Không đọc được tệp Excel; hãy lưu lại dưới dạng .xlsx.") from None
    return rows


def _csv_rows(content: bytes) -> list[tuple]:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("Không đọc được tệp CSV; hãy lưu với bảng mã UTF-8.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [tuple(r) for r in csv.reader(io.StringIO(text), dialect)]


def check_rows(table: list[tuple[int, dict[str, str]]]) -> tuple[list[OfficialRow], list[str]]:
    """Rows that are well formed, and the problems ("Dòng 3: …"); unit codes are checked by the caller."""
    rows, problems, seen = [], [], {}
    for line, values in table:
        errors = []
        year = values.get("nam", "")
        if not year.isdigit() or not 2000 <= int(year) <= 2100:
            errors.append("năm phải là số từ 2000 đến 2100")
        unit_code = values.get("ma_don_vi", "")
        if not unit_code:
            errors.append("thiếu mã đơn vị")
        factor = values.get("yeu_to", "").lower()
        if factor not in FACTOR_CODES:
            errors.append(f"yếu tố phải là một trong: {', '.join(FACTOR_CODES)}")
        value = None
        try:
            value = Decimal(values.get("gia_tri", "").replace(",", ".").rstrip("%").strip())
            if not value.is_finite() or not 0 <= value <= 100:
                raise InvalidOperation
            value = value.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors.append("giá trị phải là số phần trăm từ 0 đến 100")
            value = None
        sample = values.get("co_mau", "")
        if sample and (not sample.isdigit() or int(sample) > 1_000_000_000):
            errors.append("cỡ mẫu phải là số nguyên không âm")
        source = values.get("nguon", "")
        if not source:
            errors.append("thiếu nguồn (quyết định, báo cáo công bố kết quả)")
        elif len(source) > 255:
            errors.append("nguồn dài quá 255 ký tự")
        key = (year, unit_code, factor)
        if not errors and key in seen:
            errors.append(f"trùng với dòng {seen[key]} (cùng năm, đơn vị, yếu tố)")
        if errors:
            problems.append(f"Dòng {line}: " + "; ".join(errors) + ".")
            continue
        seen[key] = line
        rows.append(OfficialRow(line, int(year), unit_code, factor, value, int(sample) if sample else None, source))
    return rows, problems
