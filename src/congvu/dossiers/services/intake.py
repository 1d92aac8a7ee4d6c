"""Intake at the one-stop counter and online (Decree 118/2025 carrying Decree 61/2018 art. 18–19):
received (with a code, a due time and the workflow's steps), incomplete (a request listing everything
missing at once, nothing received), or refused with reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from congvu.catalog import boundary
from congvu.catalog.models import DocumentGroup
from congvu.dossiers import identifiers, permissions
from congvu.dossiers.models import (
    Applicant, ApplicantKind, Channel, Dossier, DossierDocument, DossierStep, IntakeOutcome, IntakeRecord, StepStatus,
)
from congvu.dossiers.services import catalog_cache, deadlines, numbering
from congvu.dossiers.services.errors import DossierError, ErrorCode, InvalidInput, ProcedureNotReceivable
from congvu.dossiers.services.transitions import create_dossier, run_action
from congvu.dossiers.states import Action
from congvu.units.models import Role, Unit, UnitKind

# The error code of an intake refused because another centre is competent (Decree 118/2025).
OUTSIDE_BOUNDARY = "outside_boundary"

# Desks and centres receive for the body they belong to (the commune People's Committee, the department).
_RECEIVING_ONLY_KINDS = {UnitKind.ONE_STOP_DESK, UnitKind.SERVICE_CENTRE}


@dataclass(frozen=True)
class ApplicantInput:
    full_name: str
    kind: str = ApplicantKind.CITIZEN
    personal_id: str = ""
    organisation_name: str = ""
    tax_code: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    # The commune or ward the applicant lives in (a unit code), when the officer or the citizen gave it: decides,
    # with the province's list (Decree 118/2025), whether this centre may receive and who decides. Not stored on
    # the applicant row; the dossier's handling unit records the result.
    residence: object = ""

    @classmethod
    def of(cls, value) -> ApplicantInput:
        if isinstance(value, ApplicantInput):
            return value
        if isinstance(value, dict):
            unknown = set(value) - set(cls.__dataclass_fields__)
            if unknown:
                raise InvalidInput("Thông tin người nộp có trường không hợp lệ.", {f"applicant.{k}": ["Trường không được hỗ trợ."] for k in sorted(unknown)})
            return cls(**{k: ("" if v is None else v) for k, v in value.items()})
        raise InvalidInput("Thiếu thông tin người nộp hồ sơ.", {"applicant": ["Bắt buộc."]})


def clean_applicant(data: ApplicantInput, *, need_contact: bool = False) -> Applicant:
    """An unsaved Applicant in normal form, or InvalidInput naming every field at fault."""
    errors: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(f"applicant.{name}", []).append(message)

    kind = data.kind or ApplicantKind.CITIZEN
    if kind not in ApplicantKind.values:
        bad("kind", "Loại người nộp phải là công dân hoặc tổ chức.")
    full_name = " ".join(str(data.full_name or "").split())
    if not full_name:
        bad("full_name", "Nhập họ và tên người nộp.")
    elif len(full_name) > 200:
        bad("full_name", "Họ và tên quá dài (tối đa 200 ký tự).")
    personal_id = tax_code = phone = ""
    if data.personal_id or kind == ApplicantKind.CITIZEN:
        try:
            personal_id = identifiers.check_personal_id(str(data.personal_id))
        except identifiers.IdentifierError as exc:
            bad("personal_id", exc.message)
    organisation_name = " ".join(str(data.organisation_name or "").split())
    if kind == ApplicantKind.ORGANISATION:
        if not organisation_name:
            bad("organisation_name", "Nhập tên tổ chức, doanh nghiệp.")
        try:
            tax_code = identifiers.check_tax_code(str(data.tax_code))
        except identifiers.IdentifierError as exc:
            bad("tax_code", exc.message)
    elif data.tax_code:
        try:
            tax_code = identifiers.check_tax_code(str(data.tax_code))
        except identifiers.IdentifierError as exc:
            bad("tax_code", exc.message)
    if len(organisation_name) > 255:
        bad("organisation_name", "Tên tổ chức quá dài (tối đa 255 ký tự).")
    if data.phone:
        try:
            phone = identifiers.check_phone(str(data.phone))
        except identifiers.IdentifierError as exc:
            bad("phone", exc.message)
    email = str(data.email or "").strip()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            bad("email", "Địa chỉ thư điện tử không hợp lệ.")
    if need_contact and not data.phone and not email:
        bad("phone", "Hồ sơ trực tuyến cần số điện thoại hoặc thư điện tử để nhận thông báo.")
    address = " ".join(str(data.address or "").split())
    if len(address) > 255:
        bad("address", "Địa chỉ quá dài (tối đa 255 ký tự).")
    if errors:
        raise InvalidInput("Thông tin người nộp hồ sơ không hợp lệ.", errors, code=ErrorCode.APPLICANT_INVALID)
    return Applicant(
        kind=kind, full_name=full_name, personal_id=personal_id, organisation_name=organisation_name if kind == ApplicantKind.ORGANISATION else "",
        tax_code=tax_code, phone=phone, email=email, address=address,
    )


def _residence(value) -> Unit | None:
    """The commune or ward of residence named by a unit (or its code), or None when not given."""
    if isinstance(value, Unit):
        unit = value
    else:
        code = str(value or "").strip()
        if not code:
            return None
        unit = Unit.objects.filter(code=code.replace("\x00", "")).first()
    if unit is None or unit.kind != UnitKind.COMMUNE:
        raise InvalidInput("Nơi cư trú của người nộp không hợp lệ.", {"applicant.residence": ["Chọn xã, phường nơi người nộp cư trú."]})
    return unit


def _boundary_route(unit: Unit, version, residence: Unit | None, at) -> boundary.Route:
    """Decree 118/2025: the centre receives for its own commune, and for anyone in the province the procedures the
    province lists; anything else is refused naming the competent centre, before anything is written."""
    try:
        return boundary.route_intake(unit, version, residence, at)
    except boundary.OutsideBoundary as exc:
        field_name = "applicant.residence" if residence is not None else "procedure"
        raise DossierError(OUTSIDE_BOUNDARY, exc.message, {field_name: [exc.message]}, status=422) from None


def _check_receivable(version) -> None:
    exc = catalog_cache.refusal(version)
    if exc is not None:
        raise ProcedureNotReceivable(
            f"Thủ tục {version.procedure.code} chưa thể tiếp nhận hồ sơ: {'; '.join(str(r) for r in exc.reasons)}.",
            [str(r) for r in exc.reasons],
        )


def _ids(values, name: str) -> set[int]:
    try:
        return {int(v) for v in (values or ())}
    except (TypeError, ValueError):
        raise InvalidInput("Danh sách giấy tờ không hợp lệ.", {name: ["Phải là danh sách mã số giấy tờ."]}) from None


def missing_documents(version, checked_document_ids: Iterable[int], not_applicable_ids: Iterable[int] = ()) -> list:
    """The documents to submit that the officer has not checked (nor marked as not applying to this case,
    for the documents the catalogue lists "in the case of …"). Unknown ids are refused."""
    checked = _ids(checked_document_ids, "checked_document_ids")
    not_applicable = _ids(not_applicable_ids, "not_applicable_document_ids")
    documents = list(version.documents.all())  # ordered by position (the model's Meta)
    known = {d.pk for d in documents}
    unknown = sorted((checked | not_applicable) - known)
    if unknown:
        raise InvalidInput(
            "Có giấy tờ không thuộc thành phần hồ sơ của thủ tục này.",
            {"checked_document_ids": [f"Không có giấy tờ mã {pk} trong thủ tục {version.procedure.code}." for pk in unknown]},
        )
    return [d for d in documents if d.group == DocumentGroup.SUBMIT and d.pk not in checked and d.pk not in not_applicable]


def _check_channel(channel: str, allowed=(Channel.COUNTER, Channel.POST)) -> str:
    if channel not in [c.value for c in allowed]:
        raise InvalidInput("Kênh nộp hồ sơ không hợp lệ.", {"channel": [f"Chọn một trong: {', '.join(c.value for c in allowed)}."]})
    return channel


def default_handling_unit(unit: Unit) -> Unit:
    """The body that decides, when the officer does not name one: a desk or service centre receives for the
    unit it belongs to; any other unit decides itself."""
    if unit.kind in _RECEIVING_ONLY_KINDS:
        parent = Unit.objects.get_parent(unit)
        if parent is not None and parent.kind not in (UnitKind.PROVINCE,):
            return parent
    return unit


def _step_unit(step, receiving: Unit, handling: Unit) -> Unit:
    """A concrete unit for a workflow step: its kind if one is named (the receiving unit, the handling unit,
    an ancestor or a child of the handling unit of that kind), the receiving unit for the one-stop officer's
    steps, else the handling unit."""
    if step.unit_kind:
        candidates = [receiving, handling, *reversed(Unit.objects.get_ancestors(handling))]
        for unit in candidates:
            if unit.kind == step.unit_kind:
                return unit
        child = Unit.objects.filter(path__startswith=handling.path, depth=handling.depth + 1, kind=step.unit_kind).order_by("path").first()
        if child is not None:
            return child
    if step.role == Role.ONE_STOP_OFFICER:
        return receiving
    return handling


def set_clock(dossier: Dossier, at: dt.datetime):
    """Set received/clock/due times (the row need not exist yet); returns the calendar they came from."""
    version = dossier.procedure_version
    calendar = deadlines.calendar_of(dossier)
    dossier.received_at = at
    # Received after hours counts from the next working morning (DOMAIN.md §3).
    dossier.clock_started_at = calendar.next_working_instant(at)
    dossier.due_at = dossier.original_due_at = deadlines.due_from(version, calendar, at)
    return calendar


def plan_steps(dossier: Dossier, at: dt.datetime, calendar) -> list[DossierStep]:
    """The unsaved steps of the workflow with their due times (the dossier need not be saved yet)."""
    version = dossier.procedure_version
    workflow = catalog_cache.workflow_for(version, dossier.handling_unit, fallback=dossier.receiving_unit)
    if workflow is not None:
        plan = [(s.name, _step_unit(s, dossier.receiving_unit, dossier.handling_unit), s.role, s.share) for s in workflow.steps]
    else:
        # No internal workflow published: one step for the deciding body, the whole time limit.
        plan = [("Giải quyết hồ sơ", dossier.handling_unit, "", Decimal(version.time_limit_value or 0))]
    dues = deadlines.step_due_times(version, calendar, at, [share for *_rest, share in plan])
    return [
        DossierStep(position=i, name=name, unit=unit, role=role, share=share, due_at=due, status=StepStatus.WAITING)
        for i, ((name, unit, role, share), due) in enumerate(zip(plan, dues))
    ]


def create_steps(dossier: Dossier, steps: list[DossierStep]) -> list[DossierStep]:
    """Insert planned steps for the saved dossier."""
    for step in steps:
        step.dossier = dossier
    steps = DossierStep.objects.bulk_create(steps)
    # Kept on the instance for the caller that answers with them (the API), so it needs no query.
    dossier.new_steps = steps
    return steps


def start_clock(dossier: Dossier, at: dt.datetime) -> None:
    """Set received/clock/due times and create the steps of the workflow (dossier saved, steps not yet)."""
    create_steps(dossier, plan_steps(dossier, at, set_clock(dossier, at)))


@dataclass
class _Intake:
    officer: object
    unit: Unit
    version: object
    applicant: Applicant
    channel: str
    summary: str
    copies: int
    handling_unit: Unit
    documents: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    listing: object = None  # the boundary-free listing that let this centre receive for another unit


def _prepare(officer, unit, procedure_version, applicant, channel, summary, copies, handling_unit, reused_document_ids, *, need_contact=False,
             at=None) -> _Intake:
    if unit is None or procedure_version is None:
        raise InvalidInput("Thiếu đơn vị tiếp nhận hoặc thủ tục.", {"unit" if unit is None else "procedure": ["Bắt buộc."]})
    if channel != Channel.ONLINE:
        permissions.check_counter(officer, unit)
    _check_receivable(procedure_version)
    applicant_input = ApplicantInput.of(applicant)
    applicant_row = clean_applicant(applicant_input, need_contact=need_contact)
    route = _boundary_route(unit, procedure_version, _residence(applicant_input.residence), at)
    try:
        copies = int(copies)
    except (TypeError, ValueError):
        copies = 0
    if not 1 <= copies <= 100:
        raise InvalidInput("Số bộ hồ sơ phải từ 1 đến 100.", {"copies": ["Từ 1 đến 100."]})
    summary = str(summary or "").strip()
    if len(summary) > 5000:
        raise InvalidInput("Nội dung yêu cầu quá dài.", {"summary": ["Tối đa 5000 ký tự."]})
    reused = []
    reused_ids = _ids(reused_document_ids, "reused_document_ids")
    if reused_ids:
        from congvu.documents.models import CitizenDocument

        reused = list(CitizenDocument.objects.filter(pk__in=reused_ids, personal_id=applicant_row.personal_id or "-"))
        if len(reused) != len(reused_ids):
            raise InvalidInput(
                "Giấy tờ tái sử dụng phải thuộc kho dữ liệu của chính người nộp.",
                {"reused_document_ids": [str(pk) for pk in sorted(reused_ids - {d.pk for d in reused})]},
            )
    handling = handling_unit or route.handling_unit or default_handling_unit(unit)
    return _Intake(officer, unit, procedure_version, applicant_row, channel, summary, copies, handling, reused=reused, listing=route.listing)


def _listing_data(p: _Intake) -> dict:
    """What the first event records of a dossier received for another unit under the province's list."""
    if p.listing is None:
        return {}
    return {"boundary_free": {"decision_number": p.listing.decision_number, "decision_date": p.listing.decision_date.isoformat(),
                              "handling_unit": p.handling_unit.code}}


def _new_dossier(p: _Intake, code: str) -> Dossier:
    """The unsaved dossier row (its applicant is saved by the caller, inside its transaction)."""
    return Dossier(
        code=code, procedure_version=p.version, receiving_unit=p.unit, handling_unit=p.handling_unit, current_unit=p.unit,
        applicant=p.applicant, channel=p.channel, summary=p.summary, copies=p.copies, result_on_the_spot=p.version.result_on_the_spot,
    )


def _attach_documents(dossier: Dossier, documents, reused, at) -> None:
    DossierDocument.objects.bulk_create(
        [DossierDocument(dossier=dossier, required_document=d, name=d.name[:500], added_at=at) for d in documents]
        + [DossierDocument(dossier=dossier, name=r.name[:500], file=r.file, reused_from=r, added_at=at) for r in reused]
    )


def receive_dossier(
    officer, unit: Unit, procedure_version, applicant: ApplicantInput | dict, channel: str = Channel.COUNTER,
    checked_document_ids: Iterable[int] = (), summary: str = "", copies: int = 1, handling_unit: Unit | None = None,
    at: dt.datetime | None = None, reused_document_ids: Iterable[int] = (), not_applicable_document_ids: Iterable[int] = (),
) -> Dossier:
    """Receive a complete dossier at the counter (or by post): code, appointment, steps, event #1."""
    _check_channel(channel)
    # The catalogue's cached copy (documents, levels and fees prefetched, receivability known): no query.
    procedure_version = catalog_cache.cached(procedure_version)
    at = at or timezone.now()
    p = _prepare(officer, unit, procedure_version, applicant, channel, summary, copies, handling_unit, reused_document_ids, at=at)
    missing = missing_documents(procedure_version, checked_document_ids, not_applicable_document_ids)
    if missing:
        raise InvalidInput(
            f"Hồ sơ chưa đủ thành phần: còn thiếu {len(missing)} giấy tờ phải nộp. Hãy lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.",
            {"checked_document_ids": [d.name for d in missing]}, code=ErrorCode.DOCUMENTS_MISSING,
        )
    checked = _ids(checked_document_ids, "checked_document_ids")
    documents = [d for d in procedure_version.documents.all() if d.pk in checked]
    # Everything that needs no number is worked out before the transaction: the dossier code's counter row
    # is locked from the moment it is taken until commit, and every other intake of the unit waits on it.
    dossier = _new_dossier(p, "")
    dossier.submitted_at = at
    dossier.received_by = officer
    steps = plan_steps(dossier, at, set_clock(dossier, at))
    with transaction.atomic():
        p.applicant.save()
        dossier.applicant = p.applicant
        dossier.code = numbering.next_dossier_code(unit, timezone.localdate(at))

        def after_save(d, at, _state):
            create_steps(d, steps)
            _attach_documents(d, documents, p.reused, at)
            return {"documents": [doc.pk for doc in documents], "reused": [r.pk for r in p.reused]}

        return create_dossier(
            dossier, Action.RECEIVE, actor=officer, at=at, after_save=after_save,
            data={"channel": channel, "result_on_the_spot": procedure_version.result_on_the_spot, **_listing_data(p)},
        )


def _intake_record(officer, unit, version, applicant, channel, outcome, missing, reasons, form, at) -> IntakeRecord:
    at = at or timezone.now()
    with transaction.atomic():
        applicant.save()
        return IntakeRecord.objects.create(
            unit=unit, procedure_version=version, applicant=applicant, channel=channel, outcome=outcome, missing=missing,
            reasons=reasons, letter_number=numbering.next_letter_number(unit, form, timezone.localdate(at).year), officer=officer, at=at,
        )


def record_incomplete_intake(
    officer, unit: Unit, procedure_version, applicant, channel: str = Channel.COUNTER, checked_document_ids: Iterable[int] = (),
    other_missing: Iterable[str] = (), at: dt.datetime | None = None, not_applicable_document_ids: Iterable[int] = (),
) -> IntakeRecord:
    """Form 02 at the counter: everything missing listed at once (Decree 61 art. 18: once, in writing);
    nothing is received."""
    _check_channel(channel)
    permissions.check_counter(officer, unit)
    applicant_row = clean_applicant(ApplicantInput.of(applicant))
    missing = [d.name for d in missing_documents(procedure_version, checked_document_ids, not_applicable_document_ids)]
    missing += [s.strip() for s in other_missing if s and s.strip()]
    if not missing:
        raise InvalidInput("Hồ sơ không thiếu giấy tờ nào: hãy tiếp nhận hồ sơ.", {"checked_document_ids": ["Không còn giấy tờ thiếu."]})
    return _intake_record(officer, unit, procedure_version, applicant_row, channel, IntakeOutcome.INCOMPLETE, missing, "", numbering.LetterForm.REQUEST_TO_COMPLETE, at)


def refuse_intake(officer, unit: Unit, procedure_version, applicant, reasons: str, channel: str = Channel.COUNTER, at: dt.datetime | None = None) -> IntakeRecord:
    """Form 03 at the counter: the dossier is not eligible, with the reasons."""
    _check_channel(channel)
    permissions.check_counter(officer, unit)
    applicant_row = clean_applicant(ApplicantInput.of(applicant))
    reasons = str(reasons or "").strip()
    if not reasons:
        raise InvalidInput("Nêu rõ lý do từ chối tiếp nhận.", {"reasons": ["Bắt buộc."]})
    return _intake_record(officer, unit, procedure_version, applicant_row, channel, IntakeOutcome.INELIGIBLE, [], reasons, numbering.LetterForm.REFUSAL, at)


def submit_online(
    unit: Unit, procedure_version, applicant, summary: str = "", copies: int = 1, handling_unit: Unit | None = None,
    at: dt.datetime | None = None, reused_document_ids: Iterable[int] = (), actor=None, uploads: Iterable = (),
) -> Dossier:
    """An online filing: a dossier with its code, waiting for an officer to accept it (national status 1).

    `uploads` are (required document of this version, StoredFile) pairs: the files the citizen attached, already
    checked and stored by `documents.services.store_upload`."""
    at = at or timezone.now()
    procedure_version = catalog_cache.cached(procedure_version)
    p = _prepare(actor, unit, procedure_version, applicant, Channel.ONLINE, summary, copies, handling_unit, reused_document_ids, need_contact=True,
                 at=at)
    uploads = list(uploads)
    own = {d.pk for d in procedure_version.documents.all()}
    foreign = [str(doc.pk) for doc, _file in uploads if doc.pk not in own]
    if foreign:
        raise InvalidInput("Giấy tờ đính kèm không thuộc thủ tục này.", {"uploads": foreign})
    with transaction.atomic():
        p.applicant.save()
        dossier = _new_dossier(p, numbering.next_dossier_code(unit, timezone.localdate(at)))
        dossier.submitted_at = at

        def after_save(d, at, _state):
            _attach_documents(d, [], p.reused, at)
            DossierDocument.objects.bulk_create([
                DossierDocument(dossier=d, required_document=doc, name=doc.name[:500], file=stored, added_at=at) for doc, stored in uploads
            ])
            return {"reused": [r.pk for r in p.reused], "uploads": [stored.pk for _doc, stored in uploads]}

        return create_dossier(dossier, Action.SUBMIT_ONLINE, actor=actor, at=at, after_save=after_save,
                              data={"channel": Channel.ONLINE, **_listing_data(p)})


def accept_online(dossier: Dossier, officer, expected_version: int | None = None, at: dt.datetime | None = None) -> Dossier:
    def apply(d, at, _state):
        _check_receivable(d.procedure_version)
        d.received_by = officer
        start_clock(d, at)
        return {}

    return run_action(dossier, Action.RECEIVE, actor=officer, expected_version=expected_version, at=at, apply=apply)


def reject_online(dossier: Dossier, officer, reasons: str, expected_version: int | None = None, at: dt.datetime | None = None) -> Dossier:
    reasons = str(reasons or "").strip()
    if not reasons:
        raise InvalidInput("Nêu rõ lý do không tiếp nhận hồ sơ.", {"reasons": ["Bắt buộc."]})

    return run_action(dossier, Action.NOT_ACCEPT, actor=officer, expected_version=expected_version, at=at, reason=reasons)
