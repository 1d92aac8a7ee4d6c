"""Dossiers filed on the national portal (Cổng DVCQG), forwarded by the province's integration gateway.

`receive_inbound` checks the national record (`inbound_format`), finds the procedure and the receiving unit,
and files the dossier as an online filing (`submitted_online`, national status 1) through the one intake
service every channel uses, then marks it as the portal's (`sync.services.register_inbound`) in the same
transaction: from then on each of its events is queued for the portal under the national MaHoSo, with
NoiNopHoSo "1".

Idempotent on MaHoSo: a record the gateway sends again (a retry after a lost answer) returns the dossier
already filed and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from congvu.catalog import selectors as catalog_selectors
from congvu.dossiers.models import Dossier
from congvu.dossiers.services import DossierError, submit_online
from congvu.dossiers.services.intake import ApplicantInput, clean_applicant
from congvu.sync import inbound_format
from congvu.sync.inbound_format import InboundProblems
from congvu.units.models import Unit


class InboundError(Exception):
    """A record that cannot be filed: the API answers `status` with `{code, message, fields}`."""

    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None, status: int = 422):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.status = status


class _AlreadyFiled(Exception):
    """Rolls back a filing that lost the race to a concurrent request for the same MaHoSo."""


@dataclass(frozen=True)
class InboundResult:
    dossier: Dossier
    national_code: str
    created: bool


def existing_inbound(national_code: str) -> Dossier | None:
    from congvu.sync.models import Origin, PortalSync

    row = (
        PortalSync.objects.filter(origin=Origin.NATIONAL_PORTAL, national_code=national_code)
        .select_related("dossier__receiving_unit", "dossier__procedure_version__procedure").first()
    )
    return row.dossier if row else None


def find_unit(ref: str) -> Unit | None:
    """The receiving unit by its electronic identifier (what the national portal knows it by) or our code."""
    ref = ref.replace("\x00", "")
    return Unit.objects.filter(identifier=ref).first() or Unit.objects.filter(code=ref).first()


def covers(owner: Unit, unit: Unit) -> bool:
    """A gateway token acts for its owning unit's subtree (the province's token: every unit of the province)."""
    return unit.path.startswith(owner.path)


def _invalid(problems: dict[str, list[str]]) -> InboundError:
    return InboundError("invalid_input", "Hồ sơ gửi từ Cổng DVCQG không hợp lệ.", problems)


def receive_inbound(data, *, token_unit: Unit, actor=None, now=None) -> InboundResult:
    """File one national record for a gateway whose token belongs to `token_unit`.

    Raises InboundError: 422 for a bad record or an unknown procedure or unit (naming which), 403 for a unit
    the token does not cover. Nothing is written unless the dossier is filed."""
    now = now or timezone.now()
    try:
        record = inbound_format.parse_record(data, now=now)
    except InboundProblems as problems:
        raise _invalid(problems.fields) from None
    known = existing_inbound(record.national_code)
    if known is not None:
        _check_scope(token_unit, known.receiving_unit)
        return InboundResult(known, record.national_code, created=False)

    problems = InboundProblems()
    unit = find_unit(record.unit_ref)
    if unit is None:
        problems.add("MaDonVi", f"Không có đơn vị tiếp nhận mã {record.unit_ref} trong hệ thống.")
    elif not unit.is_active_on(timezone.localdate(record.submitted_at)):
        problems.add("MaDonVi", f"Đơn vị {unit.name} không còn hoạt động vào ngày nộp hồ sơ.")
    procedure = catalog_selectors.procedure_by_code(record.procedure_code)
    version = catalog_selectors.version_in_force(procedure) if procedure else None
    if version is None:
        problems.add("MaTTHC", f"Thủ tục {record.procedure_code} không có trong danh mục hoặc chưa có hiệu lực.")
    try:
        clean_applicant(ApplicantInput.of(record.applicant), need_contact=True)
    except DossierError as exc:
        for name, messages in inbound_format.national_field_names(exc.fields).items():
            for message in messages:
                problems.add(name, message)
    if problems:
        unknown = [n for n, what in (("MaTTHC", "thủ tục"), ("MaDonVi", "đơn vị tiếp nhận")) if n in problems.fields]
        if unknown and set(problems.fields) <= {"MaTTHC", "MaDonVi"}:
            which = " và ".join(what for n, what in (("MaTTHC", "thủ tục"), ("MaDonVi", "đơn vị tiếp nhận")) if n in unknown)
            raise InboundError("unknown_reference", f"Không xác định được {which} của hồ sơ.", problems.fields)
        raise _invalid(problems.fields)
    _check_scope(token_unit, unit)
    return _file(record, unit, version, data, actor)


def _check_scope(token_unit: Unit, unit: Unit) -> None:
    if not covers(token_unit, unit):
        raise InboundError(
            "forbidden", "Khoá truy cập này không được gửi hồ sơ cho đơn vị này.",
            {"MaDonVi": [f"Ngoài phạm vi của {token_unit.name}."]}, status=403,
        )


def _file(record: inbound_format.InboundDossier, unit: Unit, version, data: dict, actor) -> InboundResult:
    from congvu.sync.services import register_inbound

    try:
        with transaction.atomic():
            dossier = submit_online(unit, version, record.applicant, summary=record.summary, at=record.submitted_at, actor=actor)
            # The dossier code's counter (per unit and day) is locked until commit: a concurrent request filing
            # the same record waited for it here, and now sees the dossier the first one filed.
            if existing_inbound(record.national_code) is not None:
                raise _AlreadyFiled()
            register_inbound(dossier, national_code=record.national_code, payload=data)
    except (IntegrityError, _AlreadyFiled):
        known = existing_inbound(record.national_code)
        if known is None:
            raise
        return InboundResult(known, record.national_code, created=False)
    except DossierError as exc:
        raise InboundError(exc.code, exc.message, inbound_format.national_field_names(exc.fields), status=exc.status) from None
    return InboundResult(dossier, record.national_code, created=True)
