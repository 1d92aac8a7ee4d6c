"""Reading a framework file an administrator uploads: JSON (the shape of data/example_*.json) or an Excel
workbook, into the data `framework.load_framework` validates. Read errors are FrameworkError with Vietnamese
messages naming the sheet and row.

The Excel layout (what a reform office can type from the province's decision):
- sheet "Thông tin": rows of (key, value) — Tên, Năm, Đối tượng (sở / xã, or department / commune), Tổng điểm,
  Xếp loại ("A:90; B:80; C:70; D:0"), Căn cứ.
- sheet "Tiêu chí": a header row, then one row per area / criterion / sub-criterion: Mã (the parent is the code
  less its last ".part": 1 → 1.1 → 1.1.2), Nội dung, Điểm tối đa, Chỉ số gắn (empty: self-assessed), Cách tính
  ("tỷ lệ" or "ngưỡng"), Hệ số / ngưỡng ("100" for a proportional scale, or "0.98:6; 0.95:4.8" thresholds),
  Hướng dẫn.
"""

from __future__ import annotations

import io
import json
import zipfile

from django.utils.translation import gettext as _

from congvu.reform.framework import FrameworkError

MAX_FILE_BYTES = 2 * 1024 * 1024
_INFO_KEYS = {"tên": "name", "ten": "name", "name": "name", "năm": "year", "nam": "year", "year": "year",
              "đối tượng": "target", "doi tuong": "target", "target": "target", "tổng điểm": "total", "tong diem": "total", "total": "total",
              "xếp loại": "bands", "xep loai": "bands", "bands": "bands", "căn cứ": "legal_basis", "can cu": "legal_basis", "legal_basis": "legal_basis"}
_TARGET_WORDS = {"sở": "department", "so": "department", "sở, ngành": "department", "department": "department",
                 "xã": "commune", "xa": "commune", "cấp xã": "commune", "commune": "commune"}
_METHOD_WORDS = {"tỷ lệ": "proportional", "ty le": "proportional", "proportional": "proportional", "": "proportional",
                 "ngưỡng": "thresholds", "nguong": "thresholds", "thresholds": "thresholds"}


def read_framework_file(content: bytes, name: str) -> dict:
    if not content:
        raise FrameworkError([_("The file is empty.")])
    if len(content) > MAX_FILE_BYTES:
        raise FrameworkError([_("The file is larger than 2 MB.")])
    if content.startswith(b"PK"):
        try:
            return read_workbook(content)
        except FrameworkError:
            raise
        except Exception:  # noqa: BLE001 - read-only openpyxl parses sheets lazily: malformed XML surfaces while reading rows
            raise FrameworkError([_("The Excel file cannot be read; save it as .xlsx and try again.")]) from None
    if name.lower().endswith((".json",)) or content.lstrip()[:1] in (b"{", b"["):
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FrameworkError([_("The JSON file cannot be read: %(error)s.") % {"error": error}]) from None
        return data
    raise FrameworkError([_("Upload a JSON file or an Excel workbook (.xlsx).")])


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def read_workbook(content: bytes) -> dict:
    from openpyxl import load_workbook

    from congvu.documents.validation import DocumentError, check_archive

    try:
        check_archive(content)  # before openpyxl inflates it: a zip bomb is refused, not opened
    except DocumentError as exc:
        raise FrameworkError([exc.message]) from None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FrameworkError([_("The Excel file cannot be read; save it as .xlsx and try again.")]) from None
    sheets = {name.strip().lower(): workbook[name] for name in workbook.sheetnames}
    info_sheet = sheets.get("thông tin") or sheets.get("info")
    rows_sheet = sheets.get("tiêu chí") or sheets.get("criteria")
    errors: list[str] = []
    if info_sheet is None:
        errors.append(_("The workbook needs a sheet named “Thông tin”."))
    if rows_sheet is None:
        errors.append(_("The workbook needs a sheet named “Tiêu chí”."))
    if errors:
        raise FrameworkError(errors)
    data: dict = {"areas": []}
    for row in info_sheet.iter_rows(values_only=True):
        if not row or _text(row[0]) == "":
            continue
        key = _INFO_KEYS.get(_text(row[0]).lower().rstrip(":"))
        value = row[1] if len(row) > 1 else None
        if key is None:
            continue
        if key == "target":
            data[key] = _TARGET_WORDS.get(_text(value).lower(), _text(value))
        elif key == "bands":
            data[key] = _parse_pairs(_text(value), _("Thông tin, Xếp loại"), errors, as_band=True)
        else:
            data[key] = value
    nodes: dict[str, dict] = {}
    for number, row in enumerate(rows_sheet.iter_rows(values_only=True), start=1):
        if number == 1 or not row or all(_text(v) == "" for v in row):
            continue  # the header row, blank rows
        cells = [_text(v) for v in row] + [""] * 7
        code, name, max_points, metric, method, params, guidance = cells[:7]
        where = _("Sheet Tiêu chí, row %(row)s") % {"row": number}
        if not code:
            errors.append(_("%(where)s: the code is missing.") % {"where": where})
            continue
        node = {"code": code, "name": name, "max_points": row[2] if len(row) > 2 else None, "guidance": guidance}
        if metric:
            kind = _METHOD_WORDS.get(method.lower())
            if kind is None:
                errors.append(_("%(where)s: unknown scoring method “%(method)s” (use tỷ lệ or ngưỡng).") % {"where": where, "method": method})
                kind = "proportional"
            node["metric"] = metric
            if kind == "thresholds":
                node["scoring"] = {"method": "thresholds", "thresholds": _parse_pairs(params, where, errors)}
            else:
                node["scoring"] = {"method": "proportional", "scale": params or "1"}
        if code in nodes:
            errors.append(_("The code %(code)s is used twice.") % {"code": code})
            continue
        nodes[code] = node
        parent_code = code.rpartition(".")[0]
        if parent_code:
            parent = nodes.get(parent_code)
            if parent is None:
                errors.append(_("%(where)s: criterion %(code)s comes before its parent %(parent)s or the parent is missing.")
                              % {"where": where, "code": code, "parent": parent_code})
                continue
            parent.setdefault("children", []).append(node)
        else:
            data["areas"].append(node)
    if errors:
        raise FrameworkError(errors)
    return data


def _parse_pairs(text: str, where: str, errors: list[str], as_band: bool = False) -> list:
    pairs = []
    for part in filter(None, (p.strip() for p in text.replace("\n", ";").split(";"))):
        left, sep, right = part.partition(":")
        if not sep:
            errors.append(_("%(where)s: “%(part)s” should be written as value:points.") % {"where": where, "part": part})
            continue
        pairs.append([left.strip(), right.strip()])
    return pairs
