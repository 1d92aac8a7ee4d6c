"""Dossiers API (DESIGN.md contract): create (receive at the counter or file online), read, list, act, events.

Thin over `congvu.dossiers.services` and `selectors`: every write is `receive_dossier`/`submit_online` or
`perform_action`; every read is scoped like the staff pages. A dossier outside the caller's scope answers 404
exactly like one that does not exist. Callers authenticate with a session or a per-system bearer token
(units.ApiToken, stored as SHA-256, see congvu.api.auth), which acts as the staff user it names within its owning
unit, with the scope dossiers:read for reads and dossiers:write for writes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import BeforeValidator

from congvu.api.auth import TokenAuth
from congvu.api.errors import ApiError, ErrorOut
from congvu.dossiers import selectors
from congvu.dossiers.models import Dossier
from congvu.dossiers.services import DossierError, catalog_cache, perform_action, receive_dossier, submit_online
from congvu.dossiers.states import Action, DossierState, allowed_actions
from congvu.units.models import ApiScope, Unit
from congvu.units.selectors import can_see_unit


# Reads need the token scope dossiers:read, writes dossiers:write (congvu.api.auth); a staff session is the
# person's own permissions.
READ_AUTH = [TokenAuth(ApiScope.DOSSIERS_READ), django_auth]
WRITE_AUTH = [TokenAuth(ApiScope.DOSSIERS_WRITE), django_auth]


router = Router(auth=READ_AUTH, tags=["dossiers"])

StateParam = Literal[tuple(s.value for s in DossierState)]  # type: ignore[valid-type]
ActionParam = Literal[tuple(a.value for a in Action)]  # type: ignore[valid-type]
READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIMIT_MAX = 200


def _iso_date(value):
    """Dates only as YYYY-MM-DD, as the document says (format: date): pydantic alone also reads "0" or
    "1700000000" as a Unix time, a date no caller meant (found by fuzzing)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("Ghi ngày theo dạng YYYY-MM-DD.")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

# OpenAPI links: what a client (and the stateful fuzzing) can do next with the dossier an answer names.
DOSSIER_LINKS = {"links": {
    name: {"operationId": f"congvu_api_dossiers_{operation}", "parameters": {"code": "$response.body#/code"}}
    for name, operation in (("GetDossier", "get_dossier"), ("DossierEvents", "events"), ("ActOnDossier", "act"))
}}


class ApplicantIn(Schema):
    full_name: str = Field(max_length=300)
    kind: Literal["citizen", "organisation"] = "citizen"
    personal_id: str = Field("", max_length=20)
    organisation_name: str = Field("", max_length=300)
    tax_code: str = Field("", max_length=20)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)


class DossierIn(Schema):
    procedure: str = Field(max_length=60, description="Procedure code; the version in force is used.")
    unit: str = Field(max_length=40, description="Code of the receiving unit.")
    channel: Literal["counter", "post", "online"] = "counter"
    applicant: ApplicantIn
    checked_document_ids: list[int] = []
    not_applicable_document_ids: list[int] = []
    reused_document_ids: list[int] = []
    summary: str = Field("", max_length=5000)
    copies: int = Field(1, ge=1, le=100)
    handling_unit: str | None = Field(None, max_length=40)


class ActionIn(Schema):
    expected_version: int | None = Field(None, ge=0, description="The lock_version the caller saw; a newer one answers 409 conflict.")
    params: dict[str, Any] = {}


class UnitRef(Schema):
    code: str
    name: str


class StepOut(Schema):
    position: int
    name: str
    unit: UnitRef
    status: str
    assignee: str | None
    share: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    overran: bool


class DossierOut(Schema):
    code: str
    state: str
    national_status: int
    procedure: str
    procedure_name: str
    receiving_unit: UnitRef
    handling_unit: UnitRef
    current_unit: UnitRef
    channel: str
    applicant_name: str
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    original_due_at: dt.datetime | None
    paused: bool
    extended: bool
    supplement_count: int
    finished_at: dt.datetime | None
    timeliness: str
    returned_at: dt.datetime | None
    lock_version: int
    event_count: int
    allowed_actions: list[str]


class DossierDetailOut(DossierOut):
    steps: list[StepOut]


class DossierPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DossierOut]


class EventOut(Schema):
    seq: int
    action: str
    actor: str
    at: dt.datetime
    from_state: str
    to_state: str
    reason: str
    data: dict[str, Any]


def _unit_ref(unit: Unit) -> dict:
    return {"code": unit.code, "name": unit.name}


def _steps(d: Dossier):
    """The steps as just written by the service when it left them on the instance (a new dossier), else read."""
    known = getattr(d, "new_steps", None)
    return sorted(known, key=lambda s: s.position) if known is not None else selectors.steps_of(d)


def _out(d: Dossier, steps: bool = False) -> dict:
    state = DossierState(d.state)
    out = {
        "code": d.code, "state": d.state, "national_status": state.national_code, "procedure": d.procedure_version.procedure.code,
        "procedure_name": d.procedure_version.name, "receiving_unit": _unit_ref(d.receiving_unit), "handling_unit": _unit_ref(d.handling_unit),
        "current_unit": _unit_ref(d.current_unit), "channel": d.channel, "applicant_name": d.applicant.display_name,
        "submitted_at": d.submitted_at, "received_at": d.received_at, "due_at": d.due_at, "original_due_at": d.original_due_at,
        "paused": d.paused_at is not None, "extended": d.extended, "supplement_count": d.supplement_count, "finished_at": d.finished_at,
        "timeliness": d.timeliness, "returned_at": d.returned_at, "lock_version": d.lock_version, "event_count": d.event_count,
        "allowed_actions": [a.value for a in allowed_actions(state)],
    }
    if steps:
        out["steps"] = [
            {"position": s.position, "name": s.name, "unit": _unit_ref(s.unit), "status": s.status,
             "assignee": s.assignee.get_username() if s.assignee else None, "share": str(s.share), "started_at": s.started_at,
             "due_at": s.due_at, "finished_at": s.finished_at, "overran": s.overran}
            for s in _steps(d)
        ]
    return out


def _api_error(exc: DossierError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, exc.fields)


def _dossier_or_404(request, code: str) -> Dossier:
    dossier = selectors.dossier_for(request.auth, code)
    if dossier is None:
        raise ApiError(404, "not_found", "Không tìm thấy hồ sơ.")
    return dossier


def _unit_in_scope(request, code: str | None, field: str) -> Unit | None:
    if code is None:
        return None
    unit = Unit.objects.filter(code=code.replace("\x00", "")).first()
    if unit is None or not can_see_unit(request.auth, unit):
        raise ApiError(422, "invalid_input", "Đơn vị không tồn tại hoặc ngoài phạm vi của bạn.", {field: ["Không có đơn vị này trong phạm vi của bạn."]})
    return unit


@router.post("", response={201: DossierDetailOut, **WRITE}, auth=WRITE_AUTH, summary="Receive a dossier at the counter or file it online",
             openapi_extra={"responses": {201: DOSSIER_LINKS}})
def create_dossier(request, payload: DossierIn):
    # From the process's catalogue cache (checked against the database's revision): no ORM query.
    version = catalog_cache.version_in_force(payload.procedure, timezone.localdate())
    if version is None:
        raise ApiError(422, "invalid_input", "Không có thủ tục này đang có hiệu lực.", {"procedure": ["Mã thủ tục không tồn tại hoặc chưa có hiệu lực."]})
    unit = _unit_in_scope(request, payload.unit, "unit")
    handling = _unit_in_scope(request, payload.handling_unit, "handling_unit")
    applicant = payload.applicant.dict()
    try:
        if payload.channel == "online":
            dossier = submit_online(unit, version, applicant, summary=payload.summary, copies=payload.copies, handling_unit=handling,
                                    reused_document_ids=payload.reused_document_ids, actor=request.auth)
        else:
            dossier = receive_dossier(
                request.auth, unit, version, applicant, channel=payload.channel, checked_document_ids=payload.checked_document_ids,
                summary=payload.summary, copies=payload.copies, handling_unit=handling, reused_document_ids=payload.reused_document_ids,
                not_applicable_document_ids=payload.not_applicable_document_ids,
            )
    except DossierError as exc:
        raise _api_error(exc) from None
    # The new dossier as the service left it: re-reading it would cost two queries for what is in memory.
    return Status(201, _out(dossier, steps=True))


@router.get("", response={200: DossierPage, **READ}, summary="List dossiers in scope")
def list_dossiers(
    request, status: StateParam | None = None, unit: str | None = Query(None, max_length=40), procedure: str | None = Query(None, max_length=60),
    overdue: bool | None = None, received_from: IsoDate | None = None, received_to: IsoDate | None = None,
    q: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=LIMIT_MAX), offset: int = Query(0, ge=0, le=10_000_000),
):
    qs = selectors.dossier_list(request.auth, status=status, unit=unit, procedure=procedure, overdue=overdue,
                                received_from=received_from, received_to=received_to, q=q)
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": [_out(d) for d in qs[offset:offset + limit]]}


@router.get("/{code}", response={200: DossierDetailOut, **READ}, summary="One dossier", openapi_extra={"responses": {200: DOSSIER_LINKS}})
def get_dossier(request, code: str):
    return _out(_dossier_or_404(request, code), steps=True)


@router.post("/{code}/actions/{action}", response={200: DossierDetailOut, **WRITE}, auth=WRITE_AUTH, summary="Act on a dossier",
             openapi_extra={"responses": {200: DOSSIER_LINKS}})
def act(request, code: str, action: ActionParam, payload: ActionIn):
    dossier = _dossier_or_404(request, code)
    try:
        dossier = perform_action(dossier, action, actor=request.auth, expected_version=payload.expected_version, **payload.params)
    except DossierError as exc:
        raise _api_error(exc) from None
    return _out(selectors.dossier_for(request.auth, dossier.code) or dossier, steps=True)


@router.get("/{code}/events", response={200: list[EventOut], **READ}, summary="The dossier's event log")
def events(request, code: str):
    dossier = _dossier_or_404(request, code)
    return [
        {"seq": e.seq, "action": e.action, "actor": e.actor_name, "at": e.at, "from_state": e.from_state, "to_state": e.to_state,
         "reason": e.reason, "data": e.data}
        for e in selectors.events_of(dossier)
    ]
