"""What the national portal's procedure look-up (`LayThuTuc`) says, compared with a catalogue version. Pure: no
Django, so each rule is tested without a database.

`portal_view` reads one `result` item of the answer. Portals and gateways differ in how much of the procedure they
return and how they nest it (SYNC.md §1 names `TENTTHC` and `LINHVUCTHUCHIEN[]`; provincial importers read the time
limit and fees under `CACHTHUCTHUCHIEN[].THOIGIAN[]`), so both the flat and the nested shapes are read, and a value
the answer does not carry is not compared at all: silence is not a difference.

`differences` compares it with `OurView` (built from a version by `national_refresh`) and returns one `Difference`
per field, with our value and theirs as text for a person, and theirs as data the catalogue can take over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from congvu.core.text import fold

NAME, FIELD, TIME_LIMIT, FEES, LEVEL, AGENCY, DECISION = "name", "field", "time_limit", "fees", "level", "agency", "decision"
FIELDS = (NAME, FIELD, TIME_LIMIT, FEES, LEVEL, AGENCY, DECISION)

UNIT_WORDS = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "days": "ngày"}
# Longest first: "ngay lam viec" must not be read as "ngay".
_UNIT_PATTERNS = (("ngay lam viec", "working_days"), ("gio lam viec", "working_hours"), ("gio", "working_hours"), ("ngay", "days"))
_LIMIT = re.compile(r"^\s*(\d{1,4})(?:[.,]0+)?\s*(.*)$")
_FREE = {"mien phi", "khong", "khong thu", "0"}
# Levels as the portal words them ("Cấp Tỉnh", "Cấp Xã", "Cấp Bộ"); pre-2025 district level is gone (DOMAIN.md §1).
_LEVEL_WORDS = (("cap bo", "ministry"), ("cap tinh", "province"), ("cap xa", "commune"))
LEVEL_WORDS_VI = {"ministry": "Cấp Bộ", "province": "Cấp Tỉnh", "commune": "Cấp Xã", "other": "Cơ quan khác"}


@dataclass(frozen=True)
class PortalFee:
    name: str
    amount_vnd: int | None
    raw: str


@dataclass(frozen=True)
class PortalView:
    code: str = ""
    name: str | None = None
    field_code: str | None = None
    field_name: str | None = None
    time_limit_value: int | None = None
    time_limit_unit: str | None = None
    time_limit_raw: str | None = None
    fees: tuple[PortalFee, ...] | None = None
    levels: tuple[str, ...] | None = None
    level_raw: str | None = None
    agency: str | None = None
    decision: str | None = None


@dataclass(frozen=True)
class OurView:
    name: str
    field_name: str
    time_limit_value: int | None
    time_limit_unit: str | None
    fee_amounts: tuple[int | None, ...]
    fee_names: tuple[str, ...]
    levels: tuple[str, ...]
    agency: str
    decision: str


@dataclass(frozen=True)
class Difference:
    field: str
    ours: str
    theirs: str
    theirs_data: dict = field(default_factory=dict)


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        return ""
    return " ".join(value.replace("\x00", "").split())


def _first(item: dict, *keys) -> str:
    for key in keys:
        text = _clean(item.get(key))
        if text:
            return text
    return ""


def _names(value, *keys) -> str:
    """A string, or a list of strings or of objects naming something under one of `keys`, joined by "; "."""
    if isinstance(value, list):
        parts = [_clean(v) if not isinstance(v, dict) else _first(v, *keys) for v in value]
        return "; ".join(p for p in parts if p)
    if isinstance(value, dict):
        return _first(value, *keys)
    return _clean(value)


def parse_limit(text: str, unit_text: str = "") -> tuple[int | None, str | None]:
    """"5 Ngày làm việc" → (5, working_days); "20" → (20, None); anything else → (None, None)."""
    match = _LIMIT.match(text or "")
    if match is None:
        return None, None
    words = fold(" ".join([match[2], unit_text])).strip(" .")
    for pattern, unit in _UNIT_PATTERNS:
        if words.startswith(pattern):
            return int(match[1]), unit
    # A unit we cannot name (months, "theo quy định") is not a number we can compare.
    return (int(match[1]), None) if not words else (None, None)


def parse_amount(raw: str) -> int | None:
    """"8.000" / "8.000 đồng" / "Miễn phí" → đồng; None when the text is not a plain amount."""
    folded = fold(raw).strip(" .")
    if folded in _FREE:
        return 0
    digits = re.fullmatch(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:d|dong|vnd)?", folded)
    if digits is None:
        return None
    return int(re.sub(r"[.,]", "", digits[1]))


def _levels(value) -> tuple[tuple[str, ...], str]:
    raw = _names(value, "TENCAP", "CAPTHUCHIEN", "TEN")
    found = []
    for part in raw.split(";"):
        folded = fold(part)
        for word, level in _LEVEL_WORDS:
            if word in folded and level not in found:
                found.append(level)
    return tuple(sorted(found)), raw


def _time_and_fees(item: dict):
    """The in-person channel's time and fees from CACHTHUCTHUCHIEN (KENH 1 first), else the flat fields."""
    value = unit = None
    raw = None
    fees: list[PortalFee] | None = None
    ways = item.get("CACHTHUCTHUCHIEN")
    if isinstance(ways, list):
        ways = sorted((w for w in ways if isinstance(w, dict)), key=lambda w: _clean(w.get("KENH")) != "1")
        for way in ways:
            times = [t for t in way.get("THOIGIAN") or [] if isinstance(t, dict)]
            if not times:
                continue
            first = times[0]
            raw = " ".join(p for p in (_clean(first.get("THOIGIANGIAIQUYET")), _clean(first.get("DONVITINH"))) if p)
            value, unit = parse_limit(_clean(first.get("THOIGIANGIAIQUYET")), _clean(first.get("DONVITINH")))
            if isinstance(first.get("PHILEPHI"), list):
                fees = [_fee(f) for f in first["PHILEPHI"] if isinstance(f, dict)]
            break
    flat_limit = _first(item, "THOIHANGIAIQUYET", "THOIGIANGIAIQUYET")
    if raw is None and flat_limit:
        raw = " ".join(p for p in (flat_limit, _first(item, "DONVITINH")) if p)
        value, unit = parse_limit(flat_limit, _first(item, "DONVITINH"))
    if fees is None:
        for key in ("PHILEPHI", "LEPHI", "DANHSACHPHILEPHI"):
            if isinstance(item.get(key), list):
                fees = [_fee(f) for f in item[key] if isinstance(f, dict)]
                break
    return value, unit, raw, (tuple(fees) if fees is not None else None)


def _fee(data: dict) -> PortalFee:
    raw = _first(data, "SOTIEN", "MUCPHI", "GIA")
    amount = data.get("SOTIEN")
    if isinstance(amount, int) and not isinstance(amount, bool) and amount >= 0:
        parsed = amount
    else:
        parsed = parse_amount(raw) if raw else None
    return PortalFee(name=_first(data, "TENPHILEPHI", "MOTA", "TEN") or "Phí, lệ phí", amount_vnd=parsed, raw=raw)


def portal_view(item: dict) -> PortalView:
    """One item of a LayThuTuc answer's `result`."""
    if not isinstance(item, dict):
        return PortalView()
    areas = item.get("LINHVUCTHUCHIEN")
    area = areas[0] if isinstance(areas, list) and areas and isinstance(areas[0], dict) else item
    value, unit, raw, fees = _time_and_fees(item)
    levels = level_raw = None
    if item.get("CAPTHUCHIEN") not in (None, "", []):
        levels, level_raw = _levels(item["CAPTHUCHIEN"])
    agency = _names(item.get("COQUANTHUCHIEN"), "TENCOQUAN", "TENDONVI", "TEN") or None
    decision = _names(item.get("QUYETDINHCONGBO") or item.get("SOQUYETDINH"), "SOQUYETDINH", "SOHIEU", "TEN") or None
    return PortalView(
        code=_first(item, "MATTHC", "MaTTHC"),
        name=_first(item, "TENTTHC") or None,
        field_code=_first(area, "MALINHVUC") or None,
        field_name=_first(area, "TENLINHVUC") or None,
        time_limit_value=value, time_limit_unit=unit, time_limit_raw=raw,
        fees=fees, levels=levels, level_raw=level_raw, agency=agency, decision=decision,
    )


def limit_text(value: int | None, unit: str | None) -> str:
    if value is None:
        return "Chưa công bố"
    if unit is None:
        return f"{value} (chưa rõ đơn vị)"
    return f"{value} {UNIT_WORDS[unit]}"


def amount_text(amount: int | None, raw: str = "") -> str:
    if amount is None:
        return f"chưa rõ ({raw})" if raw else "chưa rõ"
    if amount == 0:
        return "Miễn phí"
    return f"{amount:,}".replace(",", ".") + " đồng"


def _same(a: str, b: str) -> bool:
    return fold(a) == fold(b)


def differences(ours: OurView, theirs: PortalView) -> list[Difference]:
    out: list[Difference] = []
    if theirs.name and not _same(ours.name, theirs.name):
        out.append(Difference(NAME, ours.name, theirs.name, {"name": theirs.name}))
    if theirs.field_name and not _same(ours.field_name, theirs.field_name):
        shown = f"{theirs.field_name} ({theirs.field_code})" if theirs.field_code else theirs.field_name
        out.append(Difference(FIELD, ours.field_name, shown, {"code": theirs.field_code or "", "name": theirs.field_name}))
    if theirs.time_limit_value is not None:
        value_differs = theirs.time_limit_value != ours.time_limit_value
        # A bare number from the portal says nothing about the unit; a unit it names must match ours.
        unit_differs = theirs.time_limit_unit is not None and theirs.time_limit_unit != ours.time_limit_unit
        if value_differs or unit_differs:
            out.append(Difference(
                TIME_LIMIT, limit_text(ours.time_limit_value, ours.time_limit_unit),
                limit_text(theirs.time_limit_value, theirs.time_limit_unit),
                {"value": theirs.time_limit_value, "unit": theirs.time_limit_unit, "raw": theirs.time_limit_raw or ""},
            ))
    if theirs.fees is not None:
        their_amounts = [f.amount_vnd for f in theirs.fees]
        if len(their_amounts) != len(ours.fee_amounts) or any(
            t is not None and t != o for t, o in zip(their_amounts, ours.fee_amounts)
        ):
            out.append(Difference(
                FEES,
                "; ".join(f"{n}: {amount_text(a)}" for n, a in zip(ours.fee_names, ours.fee_amounts)) or "Không có khoản phí",
                "; ".join(f"{f.name}: {amount_text(f.amount_vnd, f.raw)}" for f in theirs.fees) or "Không có khoản phí",
                {"fees": [{"name": f.name, "amount_vnd": f.amount_vnd, "raw": f.raw} for f in theirs.fees]},
            ))
    if theirs.levels is not None and theirs.levels and tuple(sorted(ours.levels)) != theirs.levels:
        out.append(Difference(
            LEVEL, ", ".join(LEVEL_WORDS_VI[lv] for lv in sorted(ours.levels)) or "Chưa công bố", theirs.level_raw or "",
            {"levels": list(theirs.levels), "raw": theirs.level_raw or ""},
        ))
    if theirs.agency and not _same(ours.agency, theirs.agency):
        out.append(Difference(AGENCY, ours.agency, theirs.agency, {"agency": theirs.agency}))
    if theirs.decision and not _same(ours.decision, theirs.decision):
        out.append(Difference(DECISION, ours.decision, theirs.decision, {"decision": theirs.decision}))
    return out
