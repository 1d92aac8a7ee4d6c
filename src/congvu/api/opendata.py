"""Open data: public, cacheable JSON and CSV of the procedure catalogue and of last month's per-unit indicators.

No authentication: the catalogue is public by law (Decree 118/2025) and the indicators are the figures the public
transparency page shows (units only, never a person or a dossier). Every answer carries `Cache-Control: public,
max-age`, a strong `ETag` (a hash of the body) and `Last-Modified`; a request whose `If-None-Match` names the current
ETag gets `304 Not Modified` without a body. CSV files are UTF-8 with a byte-order mark (so Excel shows Vietnamese
correctly), with fixed Vietnamese column names (a data file's columns do not change with the reader's language), and
every text cell that a spreadsheet would run as a formula is prefixed with an apostrophe.

The indicators are read through `congvu.indices.selectors` (the rollups the dashboards and the transparency page
read), never recounted from dossiers here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date
from ninja import Query, Router, Schema
from pydantic import Field as PydanticField

from congvu.api.errors import ApiError, ErrorOut
from congvu.catalog import boundary, records
from congvu.catalog import selectors as catalog_selectors
from congvu.core.excel import inert_text

router = Router(tags=["open data"])

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_AGE = 3600  # seconds a cache may keep an answer without asking again
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
Level = Literal[records.LEVELS]  # type: ignore[valid-type]
Unit = Literal[records.TIME_LIMIT_UNITS]  # type: ignore[valid-type]
OnlineLevel = Literal[records.ONLINE_LEVELS]  # type: ignore[valid-type]


# ------------------------------------------------------------------------------------------------ schemas


class OpenFieldOut(Schema):
    code: str
    name: str


class OpenTimeLimitOut(Schema):
    value: int | None = PydanticField(description="Number of units; null when the portal publishes none.")
    unit: Unit | None = PydanticField(description="working_days, working_hours or days; null when not published.")
    raw: str = PydanticField(description="The time limit as published.")


class BoundaryFreeOut(Schema):
    province_code: str
    province_name: str
    decision_number: str = PydanticField(description="The province's decision listing the procedure (Decree 118/2025).")
    decision_date: dt.date
    valid_from: dt.date


class OpenProcedureOut(Schema):
    code: str = PydanticField(description="National procedure code, e.g. 1.001193.")
    name: str
    field: OpenFieldOut
    levels: list[Level] = PydanticField(description="Implementing levels.")
    agency: str = PydanticField(description="Implementing agency as published.")
    time_limit: OpenTimeLimitOut
    online_level: OnlineLevel
    online_submission: bool = PydanticField(description="Whether a dossier can be filed online.")
    version: int
    effective_from: dt.date
    decision_number: str = PydanticField(description="The decision that published this version.")
    decision_date: dt.date | None
    boundary_free: list[BoundaryFreeOut] = PydanticField(
        description="Listings in force today: received at any commune centre of that province regardless of administrative boundary.")
    url: str = PydanticField(description="The procedure's public page.")


class OpenProcedurePage(Schema):
    count: int = PydanticField(description="Procedures matching the filters.")
    limit: int
    offset: int
    items: list[OpenProcedureOut]


class OpenProcedureQuery(Schema):
    q: str | None = PydanticField(None, max_length=200, description="Words to find in the code or name, accents optional.")
    field: str | None = PydanticField(None, max_length=100, description="Field code, e.g. ho-tich.")
    level: Level | None = PydanticField(None, description="Implementing level.")
    limit: int = PydanticField(100, ge=1, le=500)
    offset: int = PydanticField(0, ge=0, le=10_000_000)  # past 64 bits the database driver overflowed: a 500


class OpenProcedureCsvQuery(Schema):
    q: str | None = PydanticField(None, max_length=200, description="Words to find in the code or name, accents optional.")
    field: str | None = PydanticField(None, max_length=100, description="Field code, e.g. ho-tich.")
    level: Level | None = PydanticField(None, description="Implementing level.")


class IndicatorQuery(Schema):
    month: str | None = PydanticField(
        None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; default: the last full month in Vietnam time.")
    province: str | None = PydanticField(None, max_length=40, description="Province code; default: the first province.")


class IndicatorRowOut(Schema):
    unit_code: str
    unit_name: str
    received: int = PydanticField(description="Dossiers received in the month.")
    finished: int = PydanticField(description="Dossiers finished in the month (result ready, returned, stopped or refused).")
    on_time_rate: float | None = PydanticField(
        description="Percent (0–100) of dossiers finished on time or still within their deadline, of those finished or in process "
                    "(Decision 766); null when there is none.")
    online_share: float | None = PydanticField(description="Percent (0–100) of the dossiers received that were filed online; null when none was received.")
    satisfaction: float | None = PydanticField(description="Percent (0–100) of the SIPAS-style satisfaction index from citizens' ratings; null without ratings.")


class IndicatorsOut(Schema):
    month: str = PydanticField(description="YYYY-MM")
    province_code: str
    province_name: str
    as_of: dt.datetime | None = PydanticField(description="When the figures were last brought up to date.")
    items: list[IndicatorRowOut]


# ------------------------------------------------------------------------------------------------ caching and CSV


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def cacheable(request: HttpRequest, body: bytes, content_type: str, last_modified: dt.datetime | None, *,
              filename: str = "") -> HttpResponse:
    """The answer with Cache-Control, ETag and Last-Modified, or a bodiless 304 when the client has this version."""
    etag = _etag(body)
    if _matches(request, etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=content_type)
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Vary"] = "Accept-Encoding"
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def csv_cell(value) -> str:
    """One CSV cell, inert in a spreadsheet: text a spreadsheet would run as a formula gets an apostrophe in front."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, (Decimal, float)):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return inert_text(str(value))


def csv_bytes(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ------------------------------------------------------------------------------------------------ procedures


def _procedures(q, field, level):
    return catalog_selectors.search_versions(q, field, level, sort="code").select_related("procedure", "field")


def _procedure_item(version, listings: dict) -> dict:
    return {
        "code": version.procedure.code, "name": version.name, "field": {"code": version.field.code, "name": version.field.name},
        "levels": [lv.level for lv in version.levels.all()], "agency": version.agency,
        "time_limit": {"value": version.time_limit_value, "unit": version.time_limit_unit or None, "raw": version.time_limit_raw},
        "online_level": version.online_level, "online_submission": version.online_submission, "version": version.number,
        "effective_from": version.effective_from, "decision_number": version.decision_number, "decision_date": version.decision_date,
        "boundary_free": [
            {"province_code": item.province.code, "province_name": item.province.name, "decision_number": item.decision_number,
             "decision_date": item.decision_date, "valid_from": item.valid_from}
            for item in listings.get(version.procedure_id, [])
        ],
        "url": version.procedure.get_absolute_url(),
    }


def _catalogue_changed_at() -> dt.datetime | None:
    from congvu.catalog.models import BoundaryFreeListing, ProcedureChange, ProcedureVersion

    stamps = [
        ProcedureVersion.objects.aggregate(m=Max("created_at"))["m"],
        ProcedureChange.objects.aggregate(m=Max("at"))["m"],
        BoundaryFreeListing.objects.aggregate(m=Max("created_at"))["m"],
    ]
    return max(filter(None, stamps), default=None)


@router.get(
    "/procedures",
    response={200: OpenProcedurePage, 304: None, 422: ErrorOut},
    summary="Open data: the procedure catalogue (JSON)",
    description="The procedures in force (abolished ones left out), ordered by code, paginated with `limit`/`offset`; filters by "
                "field, implementing level and accent-insensitive words. Public and cacheable: `Cache-Control: public, max-age`, "
                "`ETag` and `Last-Modified`; send `If-None-Match` with the ETag to get 304 when nothing changed.",
    auth=None,
)
def open_procedures(request: HttpRequest, filters: Query[OpenProcedureQuery]):
    qs = _procedures(filters.q, filters.field, filters.level)
    count = qs.count()
    versions = list(qs[filters.offset:filters.offset + filters.limit])
    listings = boundary.listings_by_procedure([v.procedure_id for v in versions])
    page = OpenProcedurePage.model_validate({
        "count": count, "limit": filters.limit, "offset": filters.offset, "items": [_procedure_item(v, listings) for v in versions],
    })
    return cacheable(request, page.model_dump_json().encode("utf-8"), "application/json", _catalogue_changed_at())


PROCEDURE_CSV_HEADER = [
    "Mã thủ tục", "Tên thủ tục", "Mã lĩnh vực", "Lĩnh vực", "Cấp thực hiện", "Cơ quan thực hiện", "Thời hạn giải quyết",
    "Đơn vị thời hạn", "Thời hạn như công bố", "Mức độ trực tuyến", "Nộp trực tuyến", "Phiên bản", "Hiệu lực từ",
    "Quyết định công bố", "Ngày quyết định", "Tiếp nhận không phụ thuộc địa giới hành chính (quyết định)", "Địa chỉ trang",
]
CSV_OPENAPI = {"responses": {200: {"description": "UTF-8 CSV with a byte-order mark.", "content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get(
    "/procedures.csv",
    response={200: None, 304: None, 422: ErrorOut},
    summary="Open data: the procedure catalogue (CSV)",
    description="The same procedures and filters as /open/procedures, all of them (no pagination), as CSV in UTF-8 with a BOM. "
                "Columns: " + ", ".join(PROCEDURE_CSV_HEADER) + ".",
    openapi_extra=CSV_OPENAPI,
    auth=None,
)
def open_procedures_csv(request: HttpRequest, filters: Query[OpenProcedureCsvQuery]):
    versions = list(_procedures(filters.q, filters.field, filters.level))
    listings = boundary.listings_by_procedure([v.procedure_id for v in versions])
    rows = []
    for v in versions:
        item = _procedure_item(v, listings)
        rows.append([
            item["code"], item["name"], item["field"]["code"], item["field"]["name"], ", ".join(item["levels"]), item["agency"],
            item["time_limit"]["value"], item["time_limit"]["unit"] or "", item["time_limit"]["raw"], item["online_level"],
            item["online_submission"], item["version"], item["effective_from"], item["decision_number"], item["decision_date"],
            "; ".join(f"{b['decision_number']} ({b['decision_date'].strftime('%d/%m/%Y')}, {b['province_name']})" for b in item["boundary_free"]),
            item["url"],
        ])
    return cacheable(request, csv_bytes(PROCEDURE_CSV_HEADER, rows), CSV_CONTENT_TYPE, _catalogue_changed_at(), filename="thu-tuc-hanh-chinh.csv")


# ------------------------------------------------------------------------------------------------ indicators


def _period(month: str | None):
    from congvu.indices.forms import last_full_month
    from congvu.indices.periods import Period, PeriodError

    today = dt.datetime.now(VIETNAM).date()
    if not month:
        return last_full_month(today)
    try:
        period = Period.month(int(month[:4]), int(month[5:7]))
    except PeriodError as exc:
        raise ApiError(422, "invalid_month", f"Tháng không hợp lệ: {month}. {exc}", {"month": ["Ghi theo dạng YYYY-MM, tháng từ 01 đến 12."]}) from None
    if period.start > today:
        raise ApiError(422, "invalid_month", f"Tháng {month} chưa bắt đầu.", {"month": ["Chọn một tháng đã bắt đầu."]})
    return period


def _province(code: str | None):
    from congvu.units.models import Unit, UnitKind

    qs = Unit.objects.filter(depth=1, kind=UnitKind.PROVINCE)
    province = qs.filter(code=code.replace("\x00", "")).first() if code else qs.order_by("path").first()
    if province is None:
        raise ApiError(404, "not_found", "Không có tỉnh, thành phố này.", {"province": ["Không tìm thấy."]} if code else {})
    return province


def _number(value) -> float | None:
    return None if value is None else float(value)


def indicator_rows(province, period) -> list[dict]:
    """Per direct unit of the province (as the transparency page and the rankings take them): received and finished
    (`report_rows` by unit), on-time rate, online share and satisfaction (`ranking` of each metric)."""
    from congvu.indices import selectors

    counts = {row.key: row for row in selectors.report_rows(province, period, by="unit")}
    metrics = {metric: {row.unit.pk: row.value for row in selectors.ranking(province, period, metric)}
               for metric in ("on_time_rate", "online_share", "satisfaction")}
    out = []
    for unit in selectors.ranked_units(province, period):
        row = counts.get(unit.code)
        out.append({
            "unit_code": unit.code, "unit_name": unit.name, "received": row.received if row else 0, "finished": row.finished if row else 0,
            "on_time_rate": _number(metrics["on_time_rate"].get(unit.pk)), "online_share": _number(metrics["online_share"].get(unit.pk)),
            "satisfaction": _number(metrics["satisfaction"].get(unit.pk)),
        })
    return out


def _indicators(query: IndicatorQuery) -> tuple[IndicatorsOut, dt.datetime | None]:
    from congvu.indices import selectors

    period = _period(query.month)
    province = _province(query.province)
    as_of = selectors.data_as_of()
    # The figures change only when the rollups are refreshed: computed once per refresh (as the transparency page).
    key = f"api:open:indicators:{province.pk}:{period.key}:{as_of.isoformat() if as_of else ''}"
    rows = cache.get_or_set(key, lambda: indicator_rows(province, period), MAX_AGE)
    out = IndicatorsOut.model_validate({"month": period.key, "province_code": province.code, "province_name": province.name,
                                        "as_of": as_of, "items": rows})
    return out, as_of


@router.get(
    "/indicators",
    response={200: IndicatorsOut, 304: None, 404: ErrorOut, 422: ErrorOut},
    summary="Open data: service indicators per unit for a month (JSON)",
    description="For each direct unit of the province (communes and wards, departments, the province's centre): dossiers received and "
                "finished, on-time rate, share filed online and satisfaction, for `month` (default: the last full month in Vietnam time). "
                "The same figures as the dashboards, read from the indicator rollups. Cacheable (ETag, Last-Modified = when the "
                "figures were last brought up to date). A malformed month answers 422 with `{code, message, fields}`.",
    auth=None,
)
def open_indicators(request: HttpRequest, query: Query[IndicatorQuery]):
    out, as_of = _indicators(query)
    return cacheable(request, out.model_dump_json().encode("utf-8"), "application/json", as_of)


INDICATOR_CSV_HEADER = ["Tháng", "Mã đơn vị", "Tên đơn vị", "Hồ sơ tiếp nhận", "Hồ sơ đã giải quyết", "Tỷ lệ đúng hạn (%)",
                        "Tỷ lệ nộp trực tuyến (%)", "Mức độ hài lòng (%)"]


@router.get(
    "/indicators.csv",
    response={200: None, 304: None, 404: ErrorOut, 422: ErrorOut},
    summary="Open data: service indicators per unit for a month (CSV)",
    description="The same rows as /open/indicators as CSV in UTF-8 with a BOM. Columns: " + ", ".join(INDICATOR_CSV_HEADER) + ".",
    openapi_extra=CSV_OPENAPI,
    auth=None,
)
def open_indicators_csv(request: HttpRequest, query: Query[IndicatorQuery]):
    out, as_of = _indicators(query)
    rows = [[out.month, r.unit_code, r.unit_name, r.received, r.finished, r.on_time_rate, r.online_share, r.satisfaction] for r in out.items]
    return cacheable(request, csv_bytes(INDICATOR_CSV_HEADER, rows), CSV_CONTENT_TYPE, as_of, filename=f"chi-so-{out.month}.csv")
