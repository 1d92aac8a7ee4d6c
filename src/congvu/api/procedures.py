"""Public procedure catalogue API: search the procedures in force, read one with what it requires.

Thin over `congvu.catalog.selectors`; no authentication (the catalogue is public information under Decree
118/2025, which requires procedures to be published).
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field as PydanticField

from congvu.api.errors import ApiError, ErrorOut
from congvu.catalog import records, selectors, services
from congvu.catalog.models import ProcedureVersion

router = Router()

# The value sets come from the catalogue's one definition, so the OpenAPI enums cannot drift from the data.
Level = Literal[records.LEVELS]  # type: ignore[valid-type]
Unit = Literal[records.TIME_LIMIT_UNITS]  # type: ignore[valid-type]
ChannelCode = Literal[records.CHANNELS]  # type: ignore[valid-type]
OnlineLevel = Literal[records.ONLINE_LEVELS]  # type: ignore[valid-type]
DocumentGroup = Literal[records.DOCUMENT_GROUPS]  # type: ignore[valid-type]


class FieldOut(Schema):
    code: str
    name: str


class TimeLimitOut(Schema):
    value: int | None = PydanticField(description="Number of units; null when the portal publishes none.")
    unit: Unit | None = PydanticField(description="Null: not published.")
    unit_confirmed: bool = PydanticField(description="False while a bare 'days' awaits an administrator's confirmation.")
    raw: str = PydanticField(description="The time limit as published.")
    same_day: bool
    fast_track: bool
    result_on_the_spot: bool


class ProcedureSummaryOut(Schema):
    code: str
    name: str
    field: FieldOut
    levels: list[Level]
    status: Literal["published", "abolished"]
    version: int
    effective_from: dt.date
    time_limit: TimeLimitOut
    online_level: OnlineLevel
    online_submission: bool
    is_complete: bool = PydanticField(description="False: listed, but not enough information to receive dossiers yet.")


class ProcedureListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProcedureSummaryOut]


class DocumentOut(Schema):
    name: str
    group: DocumentGroup
    heading: str
    originals: int
    copies: int


class FeeOut(Schema):
    name: str
    amount_vnd: int | None = PydanticField(description="Null: not known yet (set by the province, misprinted or foreign currency).")
    raw: str
    note: str
    channels: list[ChannelCode] = PydanticField(description="Empty: not stated, applies to every channel.")
    amount_basis: str


class ChannelOut(Schema):
    channel: ChannelCode
    label: str
    time_raw: str
    fee_raw: str
    fee_note: str


class MissingOut(Schema):
    code: str
    field: str
    message: str


class ProcedureDetailOut(ProcedureSummaryOut):
    level_raw: str
    agency: str
    decision_number: str
    decision_date: dt.date | None
    documents: list[DocumentOut]
    fees: list[FeeOut]
    results: list[str]
    legal_basis: list[str]
    channels: list[ChannelOut]
    linked: list[str]
    notes: list[str]
    missing: list[MissingOut]
    source_url: str
    source_snapshot: str
    verified: bool


class ListQuery(Schema):
    q: str | None = PydanticField(None, max_length=200, description="Words to find, accents optional.")
    field: str | None = PydanticField(None, max_length=100, description="Field code, e.g. ho-tich.")
    level: Level | None = None
    limit: int = PydanticField(20, ge=1, le=100)
    offset: int = PydanticField(0, ge=0, le=10_000_000)  # past 64 bits the database driver overflowed: a 500


def _summary(version: ProcedureVersion) -> dict:
    return {
        "code": version.procedure.code,
        "name": version.name,
        "field": {"code": version.field.code, "name": version.field.name},
        "levels": [lv.level for lv in version.levels.all()],
        "status": version.status,
        "version": version.number,
        "effective_from": version.effective_from,
        "time_limit": {
            "value": version.time_limit_value,
            "unit": version.time_limit_unit or None,
            "unit_confirmed": version.time_limit_unit_confirmed,
            "raw": version.time_limit_raw,
            "same_day": version.same_day,
            "fast_track": version.fast_track,
            "result_on_the_spot": version.result_on_the_spot,
        },
        "online_level": version.online_level,
        "online_submission": version.online_submission,
        "is_complete": version.is_complete,
    }


@router.get(
    "",
    response={200: ProcedureListOut, 422: ErrorOut},
    summary="Search the procedures in force",
    description="Accent-insensitive search (\"dang ky khai sinh\" finds \"Đăng ký khai sinh\"), ordered by code.",
    auth=None,
)
def list_procedures(request: HttpRequest, filters: Query[ListQuery]):
    qs = selectors.search_versions(filters.q, filters.field, filters.level, sort="code")
    count = qs.count()
    items = list(qs[filters.offset:filters.offset + filters.limit])
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": [_summary(v) for v in items]}


@router.get(
    "/{code}",
    response={200: ProcedureDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="One procedure: the version in force",
    auth=None,
)
def get_procedure(request: HttpRequest, code: str):
    procedure = selectors.procedure_by_code(code)
    version = selectors.version_detail(procedure) if procedure else None
    if version is None:
        raise ApiError(404, "not_found", f"Không tìm thấy thủ tục mã {code}.", {"code": ["không có trong danh mục"]})
    return {
        **_summary(version),
        "level_raw": version.level_raw,
        "agency": version.agency,
        "decision_number": version.decision_number,
        "decision_date": version.decision_date,
        "documents": [
            {"name": d.name, "group": d.group, "heading": d.heading, "originals": d.originals, "copies": d.copies}
            for d in version.documents.all()
        ],
        "fees": [
            {"name": f.name, "amount_vnd": f.amount_vnd, "raw": f.raw, "note": f.note, "channels": list(f.channels), "amount_basis": f.amount_basis}
            for f in version.fees.all()
        ],
        "results": [r.name for r in version.results.all()],
        "legal_basis": [b.text for b in version.legal_basis.all()],
        "channels": [
            {"channel": c.channel, "label": c.label, "time_raw": c.time_raw, "fee_raw": c.fee_raw, "fee_note": c.fee_note}
            for c in version.channels.all()
        ],
        "linked": [p.code for p in version.linked_procedures.all()],
        "notes": [n.text for n in version.notes.all()],
        "missing": [{"code": g.code, "field": g.field_path, "message": services.gap_message(g.code, g.detail)} for g in version.gaps.all()],
        "source_url": version.source_url,
        "source_snapshot": version.source_snapshot,
        "verified": version.verified,
    }
