"""Units API: `GET /api/v1/units` and `GET /api/v1/units/{code}`, scoped like the staff pages.

A unit outside the caller's scope answers 404 exactly like a unit that does not exist, so the API
cannot be used to learn which codes exist elsewhere.
"""

import datetime as dt
import math
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.security import django_auth

from congvu.api.errors import ApiError, ErrorOut
from congvu.units import selectors
from congvu.units.models import Unit, UnitKind
from congvu.units.phones import display_phone

router = Router(auth=django_auth, tags=["units"])

PAGE_SIZE_MAX = 200
KindParam = Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]


class UnitRef(Schema):
    code: str
    name: str


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    official_code: str
    identifier: str
    parent: UnitRef | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    active: bool
    successor: UnitRef | None
    address: str
    phone: str


class UnitPage(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[UnitOut]


class UnitDetailOut(UnitOut):
    ancestors: list[UnitRef]
    children: list[UnitRef]
    predecessors: list[UnitRef]
    successors: list[UnitRef]


def _ref(unit: Unit | None) -> dict | None:
    return None if unit is None else {"code": unit.code, "name": unit.name}


def _unit_out(unit: Unit, parent: Unit | None) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "kind_label": str(unit.get_kind_display()),
        "official_code": unit.official_code,
        "identifier": unit.identifier,
        "parent": _ref(parent),
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
        "active": unit.is_active,
        "successor": _ref(unit.successor),
        "address": unit.address,
        "phone": display_phone(unit.phone),
    }


@router.get("", response={200: UnitPage, 401: ErrorOut, 422: ErrorOut}, summary="Danh sách đơn vị trong phạm vi được xem")
def list_units(
    request: HttpRequest,
    q: str = Query("", max_length=200, description="Tìm không dấu theo tên, mã"),
    kind: KindParam | None = Query(None, description="Loại đơn vị"),
    # Bounded: a page number past SQLite's 64-bit integers answered 500 (OverflowError), found by fuzzing.
    page: int = Query(1, ge=1, le=1_000_000),
    page_size: int = Query(50, ge=1, le=PAGE_SIZE_MAX),
):
    qs = selectors.unit_list(request.user, q=q, kind=kind or "")
    count = qs.count()
    items = list(qs[(page - 1) * page_size: page * page_size])
    parents = selectors.parents_of(items)
    return {
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / page_size)),
        "page_size": page_size,
        "items": [_unit_out(u, parents.get(u.pk)) for u in items],
    }


@router.get("/{code}", response={200: UnitDetailOut, 401: ErrorOut, 404: ErrorOut}, summary="Một đơn vị, với cấp trên, cấp dưới và lịch sử sáp nhập")
def get_unit(request: HttpRequest, code: str):
    unit = selectors.visible_unit(request.user, code)
    if unit is None:
        raise ApiError(404, "unit_not_found", "Không tìm thấy đơn vị, hoặc bạn không có quyền xem đơn vị này.")
    ancestors = selectors.ancestors_of(unit)
    lineage = selectors.unit_lineage(unit)
    return {
        **_unit_out(unit, ancestors[-1] if ancestors else None),
        "ancestors": [_ref(a) for a in ancestors],
        "children": [_ref(c) for c in selectors.children_of(unit)],
        "predecessors": [_ref(p) for p in lineage.predecessors],
        "successors": [_ref(s) for s in lineage.successors],
    }
