"""The catalogue's content as plain data, independent of Django.

Every import format is parsed into `VersionRecord`s and every export is written from them, so that the
rules about what a procedure version contains, what makes it incomplete and when two versions are "the same"
live in one place and can be tested without a database.

The value sets below are the ones the models' choices use (a test checks they agree).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from congvu.core.text import fold

TIME_LIMIT_UNITS = ("working_days", "working_hours", "days")
# "days" are calendar days (Civil Code 2015 art. 147-148: the period ends at the end of its last day, moved to the
# next working day when that day is off). They are a lawful unit, but the portal prints "Ngày" both for calendar
# days and, by mistake, for working days (2.000986 shows "20 Ngày" while its own text says "20 ngày làm việc"), so
# an imported "days" unit is kept but marked unconfirmed until an administrator confirms it (DOMAIN.md: never guess).
CONFIRMED_BY_DEFAULT_UNITS = ("working_days", "working_hours")
LEVELS = ("ministry", "province", "commune", "other")
ONLINE_LEVELS = ("full", "partial", "none", "unknown")
DOCUMENT_GROUPS = ("submit", "show", "note")
CHANNELS = ("in_person", "online", "post")
STATUSES = ("draft", "published", "abolished")
ROLES = ("one_stop_officer", "specialist", "unit_leader", "inspector", "reform_admin", "system_admin")
UNIT_KINDS = ("province", "district", "commune", "department", "service_centre", "one_stop_desk", "office")

GAP_TIME_LIMIT_MISSING = "time_limit_missing"
GAP_TIME_LIMIT_UNIT_MISSING = "time_limit_unit_missing"
GAP_TIME_LIMIT_UNIT_UNCONFIRMED = "time_limit_unit_unconfirmed"
GAP_FEE_AMOUNT_MISSING = "fee_amount_missing"
GAP_CODES = (GAP_TIME_LIMIT_MISSING, GAP_TIME_LIMIT_UNIT_MISSING, GAP_TIME_LIMIT_UNIT_UNCONFIRMED, GAP_FEE_AMOUNT_MISSING)


@dataclass(frozen=True)
class DocumentRecord:
    name: str
    group: str = "submit"
    heading: str = ""  # the portal's heading the document was listed under, kept verbatim (often a case heading)
    originals: int = 0
    copies: int = 0


@dataclass(frozen=True)
class FeeRecord:
    name: str
    amount_vnd: int | None
    raw: str = ""
    note: str = ""
    # Channels the fee applies to (subset of CHANNELS, in CHANNELS order); empty = not stated, applies to all.
    channels: tuple[str, ...] = ()
    amount_basis: str = ""  # where an amount entered after import comes from (a People's Council resolution …)


@dataclass(frozen=True)
class ChannelRecord:
    """One row of the portal's per-channel table: the time and fee it shows for that way of filing."""

    channel: str
    label: str = ""
    time_raw: str = ""
    fee_raw: str = ""
    fee_note: str = ""


@dataclass(frozen=True)
class WorkflowStepRecord:
    name: str
    share: Decimal
    role: str = ""
    unit_kind: str = ""
    unit_code: str = ""  # empty: the general workflow; else the unit-specific one of that unit


@dataclass(frozen=True)
class VersionRecord:
    code: str
    name: str
    field_name: str
    field_code: str = ""
    status: str = "published"
    levels: tuple[str, ...] = ()
    level_raw: str = ""
    agency: str = ""
    decision_number: str = ""
    decision_date: dt.date | None = None
    effective_from: dt.date | None = None
    time_limit_value: int | None = None
    time_limit_unit: str | None = None
    time_limit_unit_confirmed: bool = False
    time_limit_raw: str = ""
    same_day: bool = False
    fast_track: bool = False
    result_on_the_spot: bool = False
    online_level: str = "unknown"
    online_submission: bool = False
    documents: tuple[DocumentRecord, ...] = ()
    fees: tuple[FeeRecord, ...] = ()
    results: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    channels: tuple[ChannelRecord, ...] = ()
    notes: tuple[str, ...] = ()
    linked: tuple[str, ...] = ()
    source_url: str = ""
    source_snapshot: str = ""
    verified: bool = False
    workflow: tuple[WorkflowStepRecord, ...] = ()
    number: int | None = None  # the version number in an export; never part of the content

    def replace(self, **changes) -> "VersionRecord":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Gap:
    """Something an administrator must complete before the version can receive dossiers."""

    code: str
    field: str
    detail: str = ""


def gaps(record: VersionRecord) -> list[Gap]:
    """What is missing for this version to receive dossiers (Decree 118/2025: the appointment date on the receipt
    needs a time limit; the fee the applicant pays must be known at intake)."""
    found: list[Gap] = []
    if record.time_limit_value is None:
        found.append(Gap(GAP_TIME_LIMIT_MISSING, "time_limit.value", record.time_limit_raw))
    elif record.time_limit_unit is None:
        found.append(Gap(GAP_TIME_LIMIT_UNIT_MISSING, "time_limit.unit", record.time_limit_raw))
    elif not record.time_limit_unit_confirmed:
        found.append(Gap(GAP_TIME_LIMIT_UNIT_UNCONFIRMED, "time_limit.unit", record.time_limit_raw))
    for i, fee in enumerate(record.fees):
        if fee.amount_vnd is None:
            found.append(Gap(GAP_FEE_AMOUNT_MISSING, f"fees[{i}].amount_vnd", f"{fee.name}: {fee.raw}".strip(": ")))
    return found


def unit_confirmed_by_default(unit: str | None) -> bool:
    return unit in CONFIRMED_BY_DEFAULT_UNITS


def to_plain(record: VersionRecord) -> dict:
    """A JSON-ready dict of the record (dates ISO, decimals as strings, tuples as lists)."""

    def convert(value):
        if isinstance(value, (dt.date,)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return _decimal_text(value)
        if dataclasses.is_dataclass(value):
            return {f.name: convert(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        return value

    return convert(record)


def content_hash(record: VersionRecord) -> str:
    """Identity of a version's content: equal hashes mean re-importing it changes nothing. The version number
    is left out (it is where the content sits, not what it says)."""
    plain = to_plain(record)
    plain.pop("number", None)
    canonical = json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def workflow_total(steps) -> Decimal:
    return sum((Decimal(s.share) for s in steps), Decimal(0))


# Vietnamese names of the units, for messages written outside the web layer (import errors, commands).
UNIT_WORDS_VI = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "days": "ngày"}


def format_quantity_vi(value: Decimal | int) -> str:
    """1.5 → "1,5"; 2 → "2" (Vietnamese decimal comma)."""
    text = _decimal_text(Decimal(value))
    return text.replace(".", ",")


def shares_mismatch(limit_value: int | None, steps) -> tuple[Decimal, Decimal] | None:
    """(total of the shares, the limit) when a workflow's step shares do not add up to the time limit exactly.

    Decree 118/2025 makes each step's share part of the processing control sheet: the shares must account for
    the whole legal time limit, no more (the applicant would be late by design) and no less (time nobody owns)."""
    total = workflow_total(steps)
    limit = Decimal(limit_value or 0)
    return None if total == limit else (total, limit)


def field_code_for(name: str) -> str:
    """A stable slug for a field (lĩnh vực) known only by its name, e.g. "Hộ tịch" → "ho-tich"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:100]
