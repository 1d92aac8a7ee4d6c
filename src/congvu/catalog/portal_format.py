"""Reader for the National Public Service Portal format (the shape of `data/procedures.json`).

A file is a JSON list of records, one per procedure, as read from dichvucong.gov.vn. The reader keeps every
published value (raw strings, per-channel rows, notes, source, snapshot, verification flag) and guesses nothing:
a time limit without a unit, a missing time limit or a fee without an amount become *gaps* (see
`records.gaps`) that an administrator completes later, with the completion recorded.

Pure Python: no Django, so it is tested directly on the real file.
"""

from __future__ import annotations

import json
import re

from congvu.catalog import records as r
from congvu.catalog.problems import MISSING, CatalogFormatError, Problem, ProblemList, RecordReader
from congvu.core.text import fold

# National codes look like 1.001193; a local variant appends the issuing body's code (DOMAIN.md §9).
CODE_PATTERN = re.compile(r"^\d{1,2}\.\d{6}(?:[.\-][A-Za-z0-9][A-Za-z0-9.\-]*)?$")

RECORD_KEYS = (
    "code", "name", "field", "level", "level_raw", "agency", "decision", "time_limit", "fees", "documents",
    "results", "legal_basis", "online", "online_submission", "channels", "source", "source_snapshot", "verified",
    "notes",
)
TIME_LIMIT_KEYS = ("value", "unit", "raw")
FEE_KEYS = ("name", "amount_vnd", "raw", "note", "channels")
DOCUMENT_KEYS = ("name", "originals", "copies", "group")
CHANNEL_KEYS = ("channel", "time_raw", "fee_raw", "fee_note")

# The portal's channel labels (Decree 61/2018 art. 9 channels: in person, public postal service, online).
CHANNEL_LABELS = {
    "truc tiep": "in_person",
    "truc tuyen": "online",
    "dich vu buu chinh": "post",
    "buu chinh": "post",
    "buu chinh cong ich": "post",
    "dich vu buu chinh cong ich": "post",
}
# The portal's three standard document headings; any other heading is a case heading inside the list of
# documents to submit ("Thành phần hồ sơ") and is kept verbatim for display.
DOCUMENT_HEADINGS = {
    "giay to phai nop": "submit",
    "thanh phan ho so": "submit",
    "giay to phai xuat trinh": "show",
    "luu y": "note",
}
ONLINE_VALUES = {None: "unknown", "none": "none", "full": "full", "partial": "partial"}
# A quadrillion đồng: far above any fee, far below the 64-bit column; a larger number is a typo.
MAX_AMOUNT_VND = 10**15


def loads(raw: bytes | str) -> list[r.VersionRecord]:
    """Parse a portal-format file's bytes. Raises CatalogFormatError naming every problem."""
    data = decode_json(raw)
    return parse(data)


def decode_json(raw: bytes | str):
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CatalogFormatError([Problem(None, None, "", f"tệp không phải văn bản UTF-8 (byte lỗi ở vị trí {exc.start})")]) from exc
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CatalogFormatError(
            [Problem(None, None, "", f"tệp JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno} của tệp: {exc.msg}")]
        ) from exc


def parse(data) -> list[r.VersionRecord]:
    if not isinstance(data, list):
        raise CatalogFormatError([Problem(None, None, "", "tệp định dạng cổng DVCQG phải là một danh sách (JSON array) các thủ tục")])
    problems = ProblemList()
    out: list[r.VersionRecord] = []
    first_row_of: dict[str, int] = {}
    for index, item in enumerate(data, start=1):
        record = parse_record(item, index, problems)
        if record is None:
            continue
        if record.code in first_row_of:
            problems.add(index, record.code, "code", f"mã thủ tục bị trùng với dòng {first_row_of[record.code]}")
            continue
        first_row_of[record.code] = index
        out.append(record)
    problems.raise_if_any()
    return out


def parse_record(item, row: int, problems: ProblemList) -> r.VersionRecord | None:
    """One portal record → a VersionRecord (None after reporting, when it is not an object at all)."""
    if not isinstance(item, dict):
        problems.add(row, None, "", "mỗi thủ tục phải là một đối tượng JSON")
        return None
    raw_code = item.get("code")
    reader = RecordReader(problems, row, item, code=raw_code if isinstance(raw_code, str) and raw_code else None)
    code = read_code(reader, item)
    reader.unknown_keys(item, RECORD_KEYS)

    name = reader.text(item, "name", nullable=False, non_empty=True).strip()
    field_name = reader.text(item, "field", nullable=False, non_empty=True, max_length=255).strip()
    level = reader.choice(item, "level", r.LEVELS)
    value, unit, raw_limit = _time_limit(reader, item)
    online = _online(reader, item)

    return r.VersionRecord(
        code=code,
        name=name,
        field_name=field_name,
        field_code=r.field_code_for(field_name),
        status="published",
        levels=(level,) if level else (),
        level_raw=reader.text(item, "level_raw"),
        agency=reader.text(item, "agency"),
        decision_number=reader.text(item, "decision", max_length=120).strip(),
        time_limit_value=value,
        time_limit_unit=unit,
        time_limit_unit_confirmed=r.unit_confirmed_by_default(unit),
        time_limit_raw=raw_limit,
        fast_track=unit == "working_hours",
        online_level=online,
        online_submission=reader.boolean(item, "online_submission"),
        documents=tuple(_documents(reader, item)),
        fees=tuple(_fees(reader, item)),
        results=reader.string_list(item, "results"),
        legal_basis=reader.string_list(item, "legal_basis"),
        channels=tuple(_channels(reader, item)),
        notes=reader.string_list(item, "notes"),
        source_url=reader.url(item, "source"),
        source_snapshot=reader.text(item, "source_snapshot"),
        verified=reader.boolean(item, "verified"),
    )


def read_code(reader: RecordReader, item: dict) -> str:
    code = reader.text(item, "code", nullable=False, non_empty=True, max_length=60).strip()
    if code and not CODE_PATTERN.match(code):
        reader.fail("code", f"mã thủ tục không đúng dạng {code!r} (ví dụ đúng: 1.001193, hoặc 1.001193.H15 cho biến thể địa phương)")
    return code


def _online(reader: RecordReader, item: dict) -> str:
    # The crawl publishes "none" when no online channel is listed and null otherwise: full vs partial is not
    # published, so null is "unknown", not a guess at either.
    value = reader.get(item, "online", "online", True)
    if value is MISSING:
        return "unknown"
    if isinstance(value, (str, type(None))) and value in ONLINE_VALUES:
        return ONLINE_VALUES[value]
    reader.fail("online", f"giá trị không hợp lệ {value!r} (chấp nhận: null, none, full, partial)")
    return "unknown"


def _time_limit(reader: RecordReader, item: dict) -> tuple[int | None, str | None, str]:
    if "time_limit" not in item:
        reader.fail("time_limit", "thiếu trường bắt buộc (ghi null nếu cổng không có thông tin)")
        return None, None, ""
    limit = item["time_limit"]
    if limit is None:
        return None, None, ""
    if not isinstance(limit, dict):
        reader.fail("time_limit", "phải là một đối tượng {value, unit, raw} hoặc null")
        return None, None, ""
    reader.unknown_keys(limit, TIME_LIMIT_KEYS, "time_limit.")
    value = reader.non_negative_int(limit, "value", "time_limit.value", nullable=True)
    unit = reader.choice(limit, "unit", r.TIME_LIMIT_UNITS, "time_limit.unit", nullable=True)
    raw = reader.text(limit, "raw", "time_limit.raw", required=False)
    return value, unit, raw


def _channel_code(reader: RecordReader, label, path: str) -> str | None:
    if not isinstance(label, str):
        reader.fail(path, "phải là tên kênh (Trực tiếp, Trực tuyến, Dịch vụ bưu chính)")
        return None
    code = CHANNEL_LABELS.get(fold(label))
    if code is None:
        reader.fail(path, f"kênh không xác định {label!r} (chấp nhận: Trực tiếp, Trực tuyến, Dịch vụ bưu chính)")
    return code


def _fees(reader: RecordReader, item: dict):
    for i, fee in reader.object_list(item, "fees"):
        path = f"fees[{i}]"
        reader.unknown_keys(fee, FEE_KEYS, f"{path}.")
        channels = set()
        raw_channels = reader.get(fee, "channels", f"{path}.channels", True)
        if isinstance(raw_channels, list):
            for j, label in enumerate(raw_channels):
                code = _channel_code(reader, label, f"{path}.channels[{j}]")
                if code:
                    channels.add(code)
        elif raw_channels is not None and raw_channels is not MISSING:
            reader.fail(f"{path}.channels", "phải là danh sách tên kênh")
        yield r.FeeRecord(
            name=reader.text(fee, "name", f"{path}.name", nullable=False, non_empty=True).strip(),
            amount_vnd=reader.non_negative_int(fee, "amount_vnd", f"{path}.amount_vnd", nullable=True, maximum=MAX_AMOUNT_VND),
            raw=reader.text(fee, "raw", f"{path}.raw"),
            note=reader.text(fee, "note", f"{path}.note"),
            channels=tuple(c for c in r.CHANNELS if c in channels),
        )


def _documents(reader: RecordReader, item: dict):
    for i, doc in reader.object_list(item, "documents"):
        path = f"documents[{i}]"
        reader.unknown_keys(doc, DOCUMENT_KEYS, f"{path}.")
        heading = reader.text(doc, "group", f"{path}.group", required=False)
        yield r.DocumentRecord(
            name=reader.text(doc, "name", f"{path}.name", nullable=False, non_empty=True).strip(),
            group=DOCUMENT_HEADINGS.get(fold(heading).rstrip(" :"), "submit"),
            heading=heading,
            originals=reader.non_negative_int(doc, "originals", f"{path}.originals"),
            copies=reader.non_negative_int(doc, "copies", f"{path}.copies"),
        )


def _channels(reader: RecordReader, item: dict):
    for i, row in reader.object_list(item, "channels"):
        path = f"channels[{i}]"
        reader.unknown_keys(row, CHANNEL_KEYS, f"{path}.")
        label = reader.get(row, "channel", f"{path}.channel", True)
        code = _channel_code(reader, label, f"{path}.channel") if label is not MISSING else None
        yield r.ChannelRecord(
            channel=code or "",
            label=label if isinstance(label, str) else "",
            time_raw=reader.text(row, "time_raw", f"{path}.time_raw"),
            fee_raw=reader.text(row, "fee_raw", f"{path}.fee_raw"),
            fee_note=reader.text(row, "fee_note", f"{path}.fee_note"),
        )
