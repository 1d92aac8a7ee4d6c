"""The printed one-stop forms of Circular 03/2025/TT-VPCP, Phụ lục I (Mẫu 01–07), as PDF bytes.

Layouts follow the forms field by field as reproduced in Decision 3621/QĐ-BYT (see /work/shared/FORMS.md):
the two-column header (parent agency and "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" / the national motto), the
number line, the place-and-date line, a bold capital title, the fields in the form's order and the
signature blocks. The fixed wording is legal form text and lives in the templates in Vietnamese; this
module only turns rows into the values the forms ask for, always in Vietnam time.

The receipt's QR code opens the public lookup page with a signed token, so a citizen can check progress
without typing anything and nobody can enumerate other people's dossiers by guessing codes.
"""

import base64
import datetime as dt
import io
import os
from dataclasses import dataclass
from urllib.parse import quote

import qrcode
from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone, translation

from congvu.catalog.formatting import time_limit_text
from congvu.catalog.models import DocumentGroup
from congvu.core.excel import workbook_bytes
from congvu.core.pdf import render_pdf
from congvu.dossiers.models import (
    Apology, Closure, Dossier, IntakeOutcome, IntakeRecord, ReturnMethod, StepStatus, SupplementRequest, Timeliness,
)
from congvu.privacy.masking import mask_phone
from congvu.units.models import Unit, UnitKind

LOOKUP_SALT = "congvu.lookup"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DOTS_WHEN = "…giờ…phút, ngày…tháng…năm…"
DOTS_DAY = "ngày…tháng…năm…"
DESK = "Bộ phận Tiếp nhận và Trả kết quả"
CENTRE = "Trung tâm Phục vụ hành chính công"
# Province and city prefixes dropped from the place line ("Hà Tĩnh, ngày …", not "Tỉnh Hà Tĩnh, ngày …"),
# as Decree 30/2020 (administrative documents) writes the place name.
PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ")


# ---------------------------------------------------------------------------------------------------
# The public lookup link carried by the receipt's QR code


def public_base_url() -> str:
    return (getattr(settings, "CONGVU_PUBLIC_URL", None) or os.environ.get("CONGVU_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


def lookup_token(dossier: Dossier) -> str:
    """A token signed with the site's secret key that names one dossier; no expiry, because the paper
    receipt is kept until the result is collected, however late that is."""
    return signing.dumps({"code": dossier.code}, salt=LOOKUP_SALT)


def dossier_code_from_token(token: str) -> str:
    """The dossier code a lookup token names; raises django.core.signing.BadSignature when it was altered."""
    data = signing.loads(token, salt=LOOKUP_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        raise signing.BadSignature("lookup token without a dossier code")
    return data["code"]


def lookup_url(dossier: Dossier, request=None) -> str:
    """`<public base>/tra-cuu/<code>/?t=<token>`: the page the receipt's QR code opens. With a request the
    base is the host it came to; otherwise settings/env CONGVU_PUBLIC_URL (default http://127.0.0.1:8000)."""
    base = request.build_absolute_uri("/").rstrip("/") if request is not None else public_base_url()
    return f"{base}/tra-cuu/{quote(dossier.code, safe='')}/?t={quote(lookup_token(dossier), safe=':')}"


def qr_data_uri(text: str) -> str:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image().save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


# ---------------------------------------------------------------------------------------------------
# Vietnamese dates, in Vietnam time


def when_text(at: dt.datetime | None) -> str:
    """"08 giờ 30 phút, ngày 13 tháng 02 năm 2026" (the forms' "…giờ…phút, ngày…tháng…năm…")."""
    if at is None:
        return DOTS_WHEN
    local = timezone.localtime(at)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def day_text(at: dt.datetime | dt.date | None) -> str:
    if at is None:
        return DOTS_DAY
    day = timezone.localtime(at).date() if isinstance(at, dt.datetime) else at
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def short_when(at: dt.datetime | None) -> str:
    """"08:30 13/02/2026", for table cells."""
    return "" if at is None else f"{timezone.localtime(at):%H:%M %d/%m/%Y}"


def _local_naive(at: dt.datetime | None) -> dt.datetime | None:
    return None if at is None else timezone.localtime(at)


# ---------------------------------------------------------------------------------------------------
# Header and shared fields


@dataclass(frozen=True)
class Header:
    agency: str
    office: str  # as printed in the header, in capitals
    office_name: str  # as named in a sentence
    place: str


def header_for(unit: Unit, *, as_desk: bool = True) -> Header:
    """The left column of the header: the parent agency, then the one-stop office (Circular 03/2025 forms
    01–03, 05–07) or, for the apology that the body at fault signs (form 04), that body itself."""
    parent = unit.parent_name
    if not as_desk:
        return Header(agency=parent.upper(), office=unit.name.upper(), office_name=unit.name, place=_place(unit))
    if unit.kind == UnitKind.SERVICE_CENTRE:
        return Header(agency=(parent or unit.name).upper(), office=CENTRE.upper(), office_name=CENTRE, place=_place(unit))
    if unit.kind == UnitKind.ONE_STOP_DESK:
        return Header(agency=(parent or unit.name).upper(), office=DESK.upper(), office_name=DESK, place=_place(unit))
    return Header(agency=unit.name.upper(), office=DESK.upper(), office_name=DESK, place=_place(unit))


def _place(unit: Unit) -> str:
    root = Unit.objects.get(path=unit.path[: Unit.steplen]) if unit.depth > 1 else unit
    name = root.name
    for prefix in PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def place_date(header: Header, at) -> str:
    return f"{header.place}, {day_text(at)}"


def person_name(user) -> str:
    """Vietnamese order: family name first ("Nguyễn Thị Lan")."""
    if user is None:
        return ""
    return " ".join(filter(None, [user.last_name, user.first_name])) or user.get_username()


def _staff_phone(user) -> str:
    profile = getattr(user, "staff_profile", None) if user is not None else None
    return getattr(profile, "phone_display", None) or getattr(profile, "phone", "") or ""


def _item_text(item) -> str:
    """A missing document or supplement item as the services store it: a string, or a mapping with a name
    and an optional note."""
    if isinstance(item, dict):
        name = item.get("name") or item.get("document") or item.get("text") or ""
        note = item.get("note") or item.get("reason") or ""
        return f"{name} ({note})" if name and note else (name or note)
    return str(item)


def _applicant_context(applicant) -> dict:
    return {
        "applicant": applicant,
        "applicant_name": applicant.display_name,
        "applicant_id": applicant.tax_code if applicant.organisation_name and applicant.tax_code else applicant.personal_id,
    }


def _render(template: str, context: dict, paper: str = "A4", *, unit: Unit) -> bytes:
    # Forms are Vietnamese legal documents whatever language the officer's screen is in. Each is signed with
    # the certificate of the unit that issues it (congvu.signing), unsigned while that unit has none.
    with translation.override("vi"):
        return render_pdf(f"dossiers/letters/{template}", context, paper=paper, signed_by=unit)


# ---------------------------------------------------------------------------------------------------
# Mẫu 01: receipt and appointment slip


def submitted_documents(dossier: Dossier) -> list[str]:
    """What the applicant handed in: the dossier's documents, or when none were recorded the documents the
    procedure requires to be submitted."""
    names = [doc.name for doc in dossier.documents.all()]
    if names:
        return names
    return [doc.name for doc in dossier.procedure_version.documents.filter(group=DocumentGroup.SUBMIT)]


def receipt_pdf(dossier: Dossier, request=None) -> bytes:
    """Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, A5, with a QR code to the public lookup page."""
    if dossier.received_at is None:
        raise ValueError(f"dossier {dossier.code} has not been received; there is no receipt to print")
    header = header_for(dossier.receiving_unit)
    url = lookup_url(dossier, request)
    with translation.override("vi"):
        time_limit = time_limit_text(dossier.procedure_version)
    return_method = RETURN_METHOD_TEXT.get(dossier.return_method, "")
    context = {
        "header": header, "dossier": dossier, "place_date": place_date(header, dossier.received_at),
        **_applicant_context(dossier.applicant),
        "request_text": dossier.summary or dossier.procedure_version.name,
        "procedure_name": dossier.procedure_version.name,
        "documents": submitted_documents(dossier),
        "time_limit": time_limit,
        "received": when_text(dossier.received_at),
        "due": when_text(dossier.due_at),
        "collect_at": _collect_at(dossier, return_method),
        "officer": person_name(dossier.received_by),
        "lookup_url": url, "qr": qr_data_uri(url),
    }
    return _render("receipt.html", context, paper="A5", unit=dossier.receiving_unit)


def _collect_at(dossier: Dossier, return_method_label: str) -> str:
    unit = dossier.receiving_unit
    desk = f"{header_for(unit).office_name} – {unit.name}" + (f", {unit.address}" if unit.address else "")
    if dossier.return_method == ReturnMethod.POST:
        return f"{return_method_label}: {dossier.applicant.address}" if dossier.applicant.address else return_method_label
    if dossier.return_method == ReturnMethod.ELECTRONIC:
        return return_method_label
    return desk


# ---------------------------------------------------------------------------------------------------
# Mẫu 02: request to complete the dossier


def supplement_request_pdf(record: IntakeRecord | SupplementRequest) -> bytes:
    """Mẫu 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: at the counter (an IntakeRecord with outcome
    incomplete) or during processing (a SupplementRequest, Decree 118 art. 22: within 3 working days)."""
    if isinstance(record, IntakeRecord):
        if record.outcome != IntakeOutcome.INCOMPLETE:
            raise ValueError("a request to complete is printed for an intake record with outcome 'incomplete' only")
        unit, applicant, version = record.unit, record.applicant, record.procedure_version
        items, reason, officer, at, code = record.missing, record.reasons, record.officer, record.at, ""
        request_text = version.name
    elif isinstance(record, SupplementRequest):
        dossier = record.dossier
        unit, applicant, version = dossier.receiving_unit, dossier.applicant, dossier.procedure_version
        items, reason, officer, at, code = record.items, record.reason, record.requested_by, record.requested_at, dossier.code
        request_text = dossier.summary or version.name
    else:
        raise TypeError(f"no request to complete for {type(record).__name__}")
    header = header_for(unit)
    context = {
        "header": header, "number": record.letter_number, "place_date": place_date(header, at),
        **_applicant_context(applicant), "code": code, "request_text": request_text,
        "items": [text for text in map(_item_text, items or []) if text],
        "reason": reason, "officer": person_name(officer),
        "contact_phone": _staff_phone(officer) or unit.phone_display,
    }
    return _render("supplement_request.html", context, unit=unit)


# ---------------------------------------------------------------------------------------------------
# Mẫu 03: refusal


def refusal_pdf(record: IntakeRecord | Closure) -> bytes:
    """Mẫu 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ: at the counter (IntakeRecord ineligible) or after
    appraisal (a Closure of kind refused)."""
    if isinstance(record, IntakeRecord):
        if record.outcome != IntakeOutcome.INELIGIBLE:
            raise ValueError("a refusal is printed for an intake record with outcome 'ineligible' only")
        unit, applicant, version, code = record.unit, record.applicant, record.procedure_version, ""
        reasons, officer, at, request_text = record.reasons, record.officer, record.at, record.procedure_version.name
    elif isinstance(record, Closure):
        if record.kind != Closure.Kind.REFUSED:
            raise ValueError("a closure that is not a refusal is printed as a stop notice (stop_notice_pdf)")
        dossier = record.dossier
        unit, applicant, version, code = dossier.receiving_unit, dossier.applicant, dossier.procedure_version, dossier.code
        reasons, officer, at, request_text = record.reason, record.by, record.at, dossier.summary or dossier.procedure_version.name
    else:
        raise TypeError(f"no refusal for {type(record).__name__}")
    header = header_for(unit)
    context = {
        "header": header, "number": record.letter_number, "place_date": place_date(header, at), "unit": unit,
        **_applicant_context(applicant), "code": code, "request_text": request_text, "procedure_name": version.name,
        "reasons": [line.strip() for line in (reasons or "").splitlines() if line.strip()],
        "officer": person_name(officer),
    }
    return _render("refusal.html", context, unit=unit)


# ---------------------------------------------------------------------------------------------------
# Mẫu 04: apology and request to extend the time


def apology_pdf(apology: Apology) -> bytes:
    """Mẫu 04 Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết, signed by the head of the body at
    fault and sent through the one-stop desk (Decree 118/2025: at least 1 working day before the due date;
    the new date is set once)."""
    dossier = apology.dossier
    header = header_for(apology.unit, as_desk=False)
    context = {
        "header": header, "number": apology.letter_number, "place_date": place_date(header, apology.issued_at),
        "dossier": dossier, **_applicant_context(dossier.applicant),
        "unit_name": apology.unit.name, "receiving_unit_name": dossier.receiving_unit.name,
        "procedure_name": dossier.procedure_version.name,
        "received_day": day_text(dossier.received_at), "previous_due": when_text(apology.previous_due_at),
        "reason": apology.reason, "new_due_day": day_text(apology.new_due_at), "new_due": when_text(apology.new_due_at),
        "signer": person_name(apology.issued_by),
    }
    return _render("apology.html", context, unit=apology.unit)


# ---------------------------------------------------------------------------------------------------
# Mẫu 05: notice of stopping the processing


def stop_notice_pdf(closure: Closure) -> bytes:
    """Mẫu 05 Thông báo dừng giải quyết hồ sơ (new in Circular 03/2025, art. 7, applying Decree 118 art. 21):
    processing stopped, or withdrawn at the applicant's request before a decision was issued."""
    if closure.kind not in (Closure.Kind.STOPPED, Closure.Kind.WITHDRAWN):
        raise ValueError("a refusal is printed with refusal_pdf, not as a stop notice")
    dossier = closure.dossier
    header = header_for(dossier.receiving_unit)
    context = {
        "header": header, "number": closure.letter_number, "place_date": place_date(header, closure.at),
        "dossier": dossier, **_applicant_context(dossier.applicant),
        "withdrawn": closure.kind == Closure.Kind.WITHDRAWN,
        "procedure_name": dossier.procedure_version.name, "request_text": dossier.summary or dossier.procedure_version.name,
        "received": when_text(dossier.received_at), "stopped_at": when_text(closure.at),
        "reasons": [line.strip() for line in closure.reason.splitlines() if line.strip()],
        "officer": person_name(closure.by),
    }
    return _render("stop_notice.html", context, unit=dossier.receiving_unit)


# ---------------------------------------------------------------------------------------------------
# Mẫu 06: processing control sheet


RETURN_METHOD_TEXT = {
    ReturnMethod.COUNTER: "Tại Bộ phận Một cửa",
    ReturnMethod.POST: "Qua dịch vụ bưu chính công ích",
    ReturnMethod.ELECTRONIC: "Bản điện tử, trực tuyến",
}
TIMELINESS_TEXT = {Timeliness.EARLY: "Trước hạn", Timeliness.ON_TIME: "Đúng hạn", Timeliness.LATE: "Quá hạn"}
MIN_HANDOVER_BLOCKS = 4  # the form prints four hand-over blocks; more are added when the dossier had more


@dataclass(frozen=True)
class Handover:
    giver: str
    receiver: str
    at: dt.datetime | None
    result: str
    note: str


def step_timeliness(finished_at: dt.datetime | None, due_at: dt.datetime | None, overran: bool = False) -> str:
    """Trước hạn / Đúng hạn / Quá hạn for a finished piece of work: late after its due instant, on time on
    the due day, early on an earlier day (Vietnam calendar days)."""
    if finished_at is None or due_at is None:
        return ""
    if overran or finished_at > due_at:
        return TIMELINESS_TEXT[Timeliness.LATE]
    if timezone.localtime(finished_at).date() < timezone.localtime(due_at).date():
        return TIMELINESS_TEXT[Timeliness.EARLY]
    return TIMELINESS_TEXT[Timeliness.ON_TIME]


def handovers(dossier: Dossier) -> list[Handover]:
    """The hand-overs the control sheet records: desk → first step, each step → the next, the last step
    back to the desk once finished; forwards to other units (routings) that started no step of their own
    are listed too, in time order. Each hand-over carries the giving side's timeliness."""
    desk = "Bộ phận TN&TKQ"
    steps = list(dossier.steps.select_related("unit").order_by("position"))
    result: list[Handover] = []
    previous_name, previous_step = desk, None
    for step in steps:
        if step.started_at is None and step.status == StepStatus.WAITING:
            break
        result.append(Handover(
            giver=previous_name, receiver=step.unit.name, at=step.started_at,
            result=step_timeliness(previous_step.finished_at, previous_step.due_at, previous_step.overran) if previous_step else "",
            note=step.name,
        ))
        previous_name, previous_step = step.unit.name, step
    if previous_step is not None and previous_step.finished_at is not None and previous_step.status == StepStatus.DONE and all(
        s.status == StepStatus.DONE for s in steps
    ):
        result.append(Handover(
            giver=previous_name, receiver=desk, at=previous_step.finished_at,
            result=step_timeliness(previous_step.finished_at, previous_step.due_at, previous_step.overran), note="Trả kết quả",
        ))
    starts = {(h.receiver, h.at.replace(second=0, microsecond=0)) for h in result if h.at is not None}
    for routing in dossier.routings.select_related("from_unit", "to_unit"):
        if (routing.to_unit.name, routing.at.replace(second=0, microsecond=0)) in starts:
            continue
        result.append(Handover(giver=routing.from_unit.name, receiver=routing.to_unit.name, at=routing.at, result="", note=routing.note or "Liên thông"))
    far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
    result.sort(key=lambda h: h.at or far_past)
    return result


def control_sheet_pdf(dossier: Dossier) -> bytes:
    """Mẫu 06 Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05 under Circular 01/2018)."""
    header = header_for(dossier.receiving_unit)
    blocks = [
        {"handover": h, "when": when_text(h.at) if h.at else ""}
        for h in handovers(dossier)
    ]
    blocks += [{"handover": None, "when": ""}] * max(0, MIN_HANDOVER_BLOCKS - len(blocks))
    involved = {s.unit.name for s in dossier.steps.select_related("unit")} | {r.to_unit.name for r in dossier.routings.select_related("to_unit")}
    cooperating = sorted(involved - {dossier.handling_unit.name, dossier.receiving_unit.name})
    context = {
        "header": header, "place_date": place_date(header, dossier.received_at), "dossier": dossier,
        **_applicant_context(dossier.applicant),
        "handling_unit": dossier.handling_unit.name, "cooperating": ", ".join(cooperating),
        "received": when_text(dossier.received_at), "due": when_text(dossier.due_at), "blocks": blocks,
    }
    return _render("control_sheet.html", context, unit=dossier.receiving_unit)


# ---------------------------------------------------------------------------------------------------
# Mẫu 07: dossier register


REGISTER_COLUMNS = [
    ("STT", 6), ("Mã hồ sơ", 24), ("Tên TTHC", 40), ("Tên tổ chức, cá nhân", 28), ("Địa chỉ/SĐT", 30),
    ("Cơ quan chủ trì giải quyết", 28), ("Nhận hồ sơ", 17), ("Hẹn trả kết quả", 17), ("Trả kết quả", 17),
    ("Phương thức nhận kết quả", 20), ("Ký nhận", 20),
]


def _register_dossiers(year: int, dossiers) -> list[Dossier]:
    """The dossiers received in `year` (Vietnam time), in the order received."""
    if isinstance(dossiers, QuerySet):
        dossiers = dossiers.filter(received_at__year=year).select_related(
            "applicant", "procedure_version", "handling_unit"
        ).order_by("received_at", "id")
        return list(dossiers)
    chosen = [d for d in dossiers if d.received_at is not None and timezone.localtime(d.received_at).year == year]
    return sorted(chosen, key=lambda d: (d.received_at, d.pk or 0))


def register_rows(year: int, dossiers) -> list[list]:
    """The 11 columns of Mẫu 07 per dossier; datetimes in Vietnam time."""
    rows = []
    with translation.override("vi"):
        for index, dossier in enumerate(_register_dossiers(year, dossiers), start=1):
            applicant = dossier.applicant
            # The register is a list of a whole year's applicants, printed and kept at the desk: the phone is
            # masked as in every list (Decree 13/2023); the full number is on the dossier, behind a reason.
            contact = " / ".join(filter(None, [applicant.address, mask_phone(applicant.phone)]))
            rows.append([
                index, dossier.code, dossier.procedure_version.name, applicant.display_name, contact, dossier.handling_unit.name,
                _local_naive(dossier.received_at), _local_naive(dossier.due_at), _local_naive(dossier.returned_at),
                RETURN_METHOD_TEXT.get(dossier.return_method, ""), dossier.returned_to,
            ])
    return rows


def register_pdf(unit: Unit, year: int, dossiers) -> bytes:
    """Mẫu 07 Sổ theo dõi hồ sơ for one unit and year, A4 landscape (11 columns do not fit portrait)."""
    header = header_for(unit)
    rows = [
        [*row[:6], *(f"{v:%H:%M %d/%m/%Y}" if isinstance(v, dt.datetime) else "" for v in row[6:9]), *row[9:]]
        for row in register_rows(year, dossiers)
    ]
    context = {
        "header": header, "unit": unit, "year": year, "rows": rows,
        "place_date": place_date(header, timezone.now()), "blank_rows": range(max(0, 5 - len(rows))),
        "column_widths": [4, 15, 13, 10, 11, 10, 8, 8, 8, 7, 6],
    }
    return _render("register.html", context, paper="A4-landscape", unit=unit)


def register_xlsx(unit: Unit, year: int, dossiers) -> bytes:
    """The same register as an Excel sheet (the electronic register the form's note allows)."""
    return workbook_bytes(f"Sổ theo dõi {year}", REGISTER_COLUMNS, register_rows(year, dossiers))
