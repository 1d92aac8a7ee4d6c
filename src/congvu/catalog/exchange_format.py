"""congvu's own catalogue formats: JSON (complete, round-trips everything) and CSV (one row per version).

JSON::

    {"format": "congvu-catalog", "format_version": 1, "exported_at": "2026-…",
     "procedures": [{"code": "1.001193", "versions": [{<version>}, …]}, …]}

where a <version> has exactly the keys of `VERSION_KEYS` (see `records.VersionRecord` for their meaning):
lists of objects for documents, fees, channels and workflow, lists of strings for levels, results,
legal_basis, notes and linked (codes of linked procedures), ISO dates, and workflow shares as decimal strings.

CSV (UTF-8, header row, comma-separated, RFC 4180 quoting): one row per procedure version with the columns of
`CSV_COLUMNS`, in any order. Scalars are plain cells (empty = unknown; booleans `true`/`false`; dates
`YYYY-MM-DD`). The list columns hold the same JSON as the JSON format inside the cell, e.g. the `fees` cell
`[{"name": "Lệ phí", "amount_vnd": 8000, "raw": "8,000 VNĐ", "note": "", "channels": ["in_person"],
"amount_basis": ""}]`. A JSON cell is verbose but exact: a document name may contain any separator a lighter
syntax would pick.

Pure Python, no Django.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from congvu.catalog import records as r
from congvu.catalog.portal_format import CODE_PATTERN, MAX_AMOUNT_VND, decode_json
from congvu.catalog.problems import MISSING, CatalogFormatError, Problem, ProblemList, RecordReader
from congvu.core.excel import inert_text, restored_text

FORMAT_NAME = "congvu-catalog"
FORMAT_VERSION = 1

VERSION_KEYS = (
    "number", "status", "name", "field_code", "field_name", "levels", "level_raw", "agency", "decision_number",
    "decision_date", "effective_from", "time_limit_value", "time_limit_unit", "time_limit_unit_confirmed",
    "time_limit_raw", "same_day", "fast_track", "result_on_the_spot", "online_level", "online_submission",
    "documents", "fees", "results", "legal_basis", "channels", "notes", "linked", "source_url", "source_snapshot",
    "verified", "workflow",
)
CSV_COLUMNS = ("code",) + VERSION_KEYS
LIST_COLUMNS = ("levels", "documents", "fees", "results", "legal_basis", "channels", "notes", "linked", "workflow")
INT_COLUMNS = ("number", "time_limit_value")
BOOL_COLUMNS = ("time_limit_unit_confirmed", "same_day", "fast_track", "result_on_the_spot", "online_submission", "verified")
DOCUMENT_KEYS = ("name", "group", "heading", "originals", "copies")
FEE_KEYS = ("name", "amount_vnd", "raw", "note", "channels", "amount_basis")
CHANNEL_KEYS = ("channel", "label", "time_raw", "fee_raw", "fee_note")
STEP_KEYS = ("name", "share", "role", "unit_kind", "unit_code")


# ---------------------------------------------------------------------------------------------- writing

def version_dict(record: r.VersionRecord) -> dict:
    plain = r.to_plain(record)
    return {key: plain[key] for key in VERSION_KEYS}


def dump_json(records: list[r.VersionRecord], exported_at: dt.datetime | None = None) -> str:
    """Records (every version of every procedure, in version order) → the JSON document."""
    procedures: dict[str, list] = {}
    for record in records:
        procedures.setdefault(record.code, []).append(version_dict(record))
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "exported_at": (exported_at or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"),
        "procedures": [{"code": code, "versions": versions} for code, versions in procedures.items()],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def dump_csv(records: list[r.VersionRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        values = {"code": record.code, **version_dict(record)}
        writer.writerow([_csv_cell(column, values[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _csv_cell(column: str, value) -> str:
    if column in LIST_COLUMNS:
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A name or a raw time limit that starts with "=" or "-" would run as a formula when the file is opened
    # in a spreadsheet; the apostrophe in front is taken off again when congvu reads the file back.
    return inert_text(str(value))


# ---------------------------------------------------------------------------------------------- reading

def is_own_json(data) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT_NAME


def loads_json(raw: bytes | str) -> list[r.VersionRecord]:
    return parse_json(decode_json(raw))


def parse_json(data) -> list[r.VersionRecord]:
    if not is_own_json(data):
        raise CatalogFormatError([Problem(None, None, "format", f"không phải tệp danh mục congvu (cần \"format\": \"{FORMAT_NAME}\")")])
    if data.get("format_version") != FORMAT_VERSION:
        raise CatalogFormatError([Problem(None, None, "format_version", f"phiên bản định dạng {data.get('format_version')!r} không được hỗ trợ (hỗ trợ: {FORMAT_VERSION})")])
    procedures = data.get("procedures")
    if not isinstance(procedures, list):
        raise CatalogFormatError([Problem(None, None, "procedures", "phải là một danh sách thủ tục")])
    problems = ProblemList()
    out: list[r.VersionRecord] = []
    first_row_of: dict[str, int] = {}
    for row, item in enumerate(procedures, start=1):
        if not isinstance(item, dict):
            problems.add(row, None, "", "mỗi thủ tục phải là một đối tượng JSON")
            continue
        code = item.get("code") if isinstance(item.get("code"), str) else None
        reader = RecordReader(problems, row, item, code=code or None)
        reader.unknown_keys(item, ("code", "versions"))
        code = _read_code(reader, item)
        if code and code in first_row_of:
            reader.fail("code", f"mã thủ tục bị trùng với dòng {first_row_of[code]}")
            continue
        first_row_of[code] = row
        versions = reader.object_list(item, "versions")
        if not versions and "versions" in item:
            reader.fail("versions", "thủ tục phải có ít nhất một phiên bản")
        for i, version in versions:
            out.append(read_version(reader, code, version, f"versions[{i}]."))
    _check_version_numbers(out, problems, {code: row for code, row in first_row_of.items()})
    problems.raise_if_any()
    return out


def loads_csv(raw: bytes | str) -> list[r.VersionRecord]:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CatalogFormatError([Problem(None, None, "", f"tệp CSV phải mã hoá UTF-8 (byte lỗi ở vị trí {exc.start})")]) from exc
    reader = csv.reader(io.StringIO(raw, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogFormatError([Problem(1, None, "", "tệp CSV rỗng, thiếu dòng tiêu đề")]) from None
    except csv.Error as exc:
        raise CatalogFormatError([Problem(1, None, "", f"dòng tiêu đề CSV không đọc được: {exc}")]) from exc
    header = [h.strip() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    header_problems = []
    if missing:
        header_problems.append(Problem(1, None, "", f"tiêu đề CSV thiếu cột: {', '.join(missing)}"))
    if unknown:
        header_problems.append(Problem(1, None, "", f"tiêu đề CSV có cột không xác định: {', '.join(unknown)}"))
    if duplicated:
        header_problems.append(Problem(1, None, "", f"tiêu đề CSV có cột lặp lại: {', '.join(duplicated)}"))
    if header_problems:
        raise CatalogFormatError(header_problems)

    problems = ProblemList()
    out: list[r.VersionRecord] = []
    rows_of: dict[str, int] = {}
    line = reader.line_num
    try:
        for cells in reader:
            row = line + 1  # the line the record starts on, as a spreadsheet numbers it (header = 1)
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.add(row, None, "", f"có {len(cells)} ô, tiêu đề có {len(header)} cột")
                continue
            values = dict(zip(header, cells))
            code = values["code"].strip() or None
            record_reader = RecordReader(problems, row, values, code=code)
            typed = _typed_csv_row(record_reader, values)
            code = _read_code(record_reader, typed)
            rows_of.setdefault(code, row)
            out.append(read_version(record_reader, code, typed, ""))
    except csv.Error as exc:
        problems.add(line + 1, None, "", f"không đọc được dòng CSV: {exc}")
    _check_version_numbers(out, problems, rows_of)
    problems.raise_if_any()
    return out


def _typed_csv_row(reader: RecordReader, values: dict) -> dict:
    """CSV text cells → the JSON types the version reader expects (bad cells are kept as text so that the
    reader reports them with the field's own rule)."""
    typed: dict = {}
    for column, cell in values.items():
        # Text cells are kept byte for byte (raw portal strings round-trip); typed cells may carry stray spaces.
        text = cell if column not in LIST_COLUMNS + INT_COLUMNS + BOOL_COLUMNS else cell.strip()
        if column in LIST_COLUMNS:
            if not text:
                typed[column] = []
                continue
            try:
                typed[column] = json.loads(text)
            except json.JSONDecodeError as exc:
                reader.fail(column, f"ô phải chứa JSON hợp lệ ({exc.msg}, ký tự {exc.pos + 1})")
                typed[column] = []
        elif column in INT_COLUMNS:
            typed[column] = None if not text else (int(text) if re.fullmatch(r"-?\d+", text) else text)
        elif column in BOOL_COLUMNS:
            typed[column] = {"true": True, "false": False}.get(text.lower(), text) if text else MISSING
        else:
            typed[column] = restored_text(text) if text else None
    return {k: v for k, v in typed.items() if v is not MISSING}


def _read_code(reader: RecordReader, item: dict) -> str:
    code = reader.text(item, "code", nullable=False, non_empty=True, max_length=60).strip()
    if code and not CODE_PATTERN.match(code):
        reader.fail("code", f"mã thủ tục không đúng dạng {code!r} (ví dụ đúng: 1.001193)")
    return code


def read_version(reader: RecordReader, code: str, item: dict, prefix: str) -> r.VersionRecord:
    """One version object (JSON, or a typed CSV row) → VersionRecord, every problem reported."""
    known = VERSION_KEYS + (("code",) if not prefix else ())
    reader.unknown_keys(item, known, prefix)
    p = prefix
    value = reader.non_negative_int(item, "time_limit_value", f"{p}time_limit_value", nullable=True)
    unit = reader.choice(item, "time_limit_unit", r.TIME_LIMIT_UNITS, f"{p}time_limit_unit", nullable=True)
    number = reader.non_negative_int(item, "number", f"{p}number", required=False, nullable=True)
    if number == 0:
        reader.fail(f"{p}number", "số phiên bản bắt đầu từ 1")
    levels = reader.string_list(item, "levels", f"{p}levels")
    for i, level in enumerate(levels):
        if level not in r.LEVELS:
            reader.fail(f"{p}levels[{i}]", f"cấp thực hiện không hợp lệ {level!r} (chấp nhận: {', '.join(r.LEVELS)})")
    linked = reader.string_list(item, "linked", f"{p}linked")
    for i, other in enumerate(linked):
        if not CODE_PATTERN.match(other):
            reader.fail(f"{p}linked[{i}]", f"mã thủ tục liên quan không đúng dạng {other!r}")
        elif other == code:
            reader.fail(f"{p}linked[{i}]", "thủ tục không thể liên thông với chính nó")
    field_name = reader.text(item, "field_name", f"{p}field_name", nullable=False, non_empty=True, max_length=255).strip()
    record = r.VersionRecord(
        code=code,
        number=number,
        status=reader.choice(item, "status", r.STATUSES, f"{p}status") or "published",
        name=reader.text(item, "name", f"{p}name", nullable=False, non_empty=True).strip(),
        field_name=field_name,
        field_code=_field_code(reader, item, p) or r.field_code_for(field_name),
        levels=tuple(level for level in r.LEVELS if level in levels),
        level_raw=reader.text(item, "level_raw", f"{p}level_raw"),
        agency=reader.text(item, "agency", f"{p}agency"),
        decision_number=reader.text(item, "decision_number", f"{p}decision_number", max_length=120).strip(),
        decision_date=reader.date(item, "decision_date", f"{p}decision_date"),
        effective_from=reader.date(item, "effective_from", f"{p}effective_from"),
        time_limit_value=value,
        time_limit_unit=unit,
        time_limit_unit_confirmed=reader.boolean(item, "time_limit_unit_confirmed", f"{p}time_limit_unit_confirmed"),
        time_limit_raw=reader.text(item, "time_limit_raw", f"{p}time_limit_raw"),
        same_day=reader.boolean(item, "same_day", f"{p}same_day"),
        fast_track=reader.boolean(item, "fast_track", f"{p}fast_track"),
        result_on_the_spot=reader.boolean(item, "result_on_the_spot", f"{p}result_on_the_spot"),
        online_level=reader.choice(item, "online_level", r.ONLINE_LEVELS, f"{p}online_level") or "unknown",
        online_submission=reader.boolean(item, "online_submission", f"{p}online_submission"),
        documents=tuple(_documents(reader, item, p)),
        fees=tuple(_fees(reader, item, p)),
        results=reader.string_list(item, "results", f"{p}results"),
        legal_basis=reader.string_list(item, "legal_basis", f"{p}legal_basis"),
        channels=tuple(_channels(reader, item, p)),
        notes=reader.string_list(item, "notes", f"{p}notes"),
        linked=tuple(sorted(set(linked))),
        source_url=reader.url(item, "source_url", f"{p}source_url"),
        source_snapshot=reader.text(item, "source_snapshot", f"{p}source_snapshot"),
        verified=reader.boolean(item, "verified", f"{p}verified"),
        # Grouped by unit (the general workflow first), each group in its own order: one canonical order, so the
        # same workflow compares equal whatever database it was exported from.
        workflow=tuple(sorted(_steps(reader, item, p), key=lambda step: step.unit_code)),
    )
    _check_consistency(reader, record, p)
    return record


def _check_consistency(reader: RecordReader, record: r.VersionRecord, p: str) -> None:
    if record.fast_track and record.time_limit_unit != "working_hours":
        reader.fail(f"{p}fast_track", "giải quyết nhanh (fast_track) chỉ áp dụng khi thời hạn tính bằng giờ làm việc")
    if record.time_limit_unit_confirmed and record.time_limit_unit is None:
        reader.fail(f"{p}time_limit_unit_confirmed", "không thể xác nhận đơn vị thời hạn khi chưa có đơn vị")
    if record.workflow:
        if record.time_limit_value is None or record.time_limit_unit is None:
            reader.fail(f"{p}workflow", "chỉ khai báo quy trình khi thủ tục đã có thời hạn giải quyết và đơn vị")
            return
        groups: dict[str, list] = {}
        for step in record.workflow:
            groups.setdefault(step.unit_code, []).append(step)
        unit_word = r.UNIT_WORDS_VI[record.time_limit_unit]
        for unit_code, steps in groups.items():
            mismatch = r.shares_mismatch(record.time_limit_value, steps)
            if mismatch:
                total, limit = mismatch
                scope = f"quy trình của đơn vị {unit_code}" if unit_code else "quy trình chung"
                reader.fail(
                    f"{p}workflow",
                    f"{scope}: tổng thời gian các bước là {r.format_quantity_vi(total)} {unit_word}, "
                    f"khác thời hạn giải quyết {r.format_quantity_vi(limit)} {unit_word}",
                )


def _field_code(reader: RecordReader, item: dict, p: str) -> str:
    code = reader.text(item, "field_code", f"{p}field_code", max_length=100).strip()
    if code and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", code):
        reader.fail(f"{p}field_code", f"mã lĩnh vực chỉ gồm chữ thường không dấu, số và dấu gạch ngang (nhận được {code!r})")
    return code


def _documents(reader: RecordReader, item: dict, p: str):
    for i, doc in reader.object_list(item, "documents", f"{p}documents"):
        path = f"{p}documents[{i}]"
        reader.unknown_keys(doc, DOCUMENT_KEYS, f"{path}.")
        yield r.DocumentRecord(
            name=reader.text(doc, "name", f"{path}.name", nullable=False, non_empty=True).strip(),
            group=reader.choice(doc, "group", r.DOCUMENT_GROUPS, f"{path}.group") or "submit",
            heading=reader.text(doc, "heading", f"{path}.heading", required=False),
            originals=reader.non_negative_int(doc, "originals", f"{path}.originals"),
            copies=reader.non_negative_int(doc, "copies", f"{path}.copies"),
        )


def _fees(reader: RecordReader, item: dict, p: str):
    for i, fee in reader.object_list(item, "fees", f"{p}fees"):
        path = f"{p}fees[{i}]"
        reader.unknown_keys(fee, FEE_KEYS, f"{path}.")
        channels = reader.string_list(fee, "channels", f"{path}.channels", required=False)
        for j, channel in enumerate(channels):
            if channel not in r.CHANNELS:
                reader.fail(f"{path}.channels[{j}]", f"kênh không hợp lệ {channel!r} (chấp nhận: {', '.join(r.CHANNELS)})")
        yield r.FeeRecord(
            name=reader.text(fee, "name", f"{path}.name", nullable=False, non_empty=True).strip(),
            amount_vnd=reader.non_negative_int(fee, "amount_vnd", f"{path}.amount_vnd", nullable=True, maximum=MAX_AMOUNT_VND),
            raw=reader.text(fee, "raw", f"{path}.raw", required=False),
            note=reader.text(fee, "note", f"{path}.note", required=False),
            channels=tuple(c for c in r.CHANNELS if c in channels),
            amount_basis=reader.text(fee, "amount_basis", f"{path}.amount_basis", required=False),
        )


def _channels(reader: RecordReader, item: dict, p: str):
    for i, row in reader.object_list(item, "channels", f"{p}channels"):
        path = f"{p}channels[{i}]"
        reader.unknown_keys(row, CHANNEL_KEYS, f"{path}.")
        yield r.ChannelRecord(
            channel=reader.choice(row, "channel", r.CHANNELS, f"{path}.channel") or "",
            label=reader.text(row, "label", f"{path}.label", required=False),
            time_raw=reader.text(row, "time_raw", f"{path}.time_raw", required=False),
            fee_raw=reader.text(row, "fee_raw", f"{path}.fee_raw", required=False),
            fee_note=reader.text(row, "fee_note", f"{path}.fee_note", required=False),
        )


def _steps(reader: RecordReader, item: dict, p: str):
    for i, step in reader.object_list(item, "workflow", f"{p}workflow", required=False):
        path = f"{p}workflow[{i}]"
        reader.unknown_keys(step, STEP_KEYS, f"{path}.")
        # "" and null both mean "not this kind of responsibility" (a step needs a role, a unit kind or both).
        role = reader.choice(step, "role", ("",) + r.ROLES, f"{path}.role", required=False, nullable=True) or ""
        unit_kind = reader.choice(step, "unit_kind", ("",) + r.UNIT_KINDS, f"{path}.unit_kind", required=False, nullable=True) or ""
        if not role and not unit_kind:
            reader.fail(path, "mỗi bước cần vai trò (role) hoặc loại đơn vị (unit_kind) chịu trách nhiệm")
        yield r.WorkflowStepRecord(
            name=reader.text(step, "name", f"{path}.name", nullable=False, non_empty=True, max_length=255).strip(),
            share=reader.decimal(step, "share", f"{path}.share"),
            role=role,
            unit_kind=unit_kind,
            unit_code=reader.text(step, "unit_code", f"{path}.unit_code", required=False).strip(),
        )


def _check_version_numbers(out: list[r.VersionRecord], problems: ProblemList, rows_of: dict[str, int]) -> None:
    seen: dict[tuple[str, int], bool] = {}
    for record in out:
        if record.number is None:
            continue
        key = (record.code, record.number)
        if key in seen:
            problems.add(rows_of.get(record.code), record.code, "number", f"phiên bản số {record.number} xuất hiện hai lần")
        seen[key] = True
