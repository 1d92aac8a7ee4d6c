"""What we send to the national portal about a dossier: the DongBoHoSoMC record and the CapNhatTienDoHoSoMC
history items (../shared/SYNC.md §2), built from what the dossier really recorded. Reads, never writes.

Every value is a string, every date `yyyyMMddHHmmss` in Vietnam time (`fields.format_time`); the result of
`build_record` passes `fields.validate_record` for every dossier the services can produce (tested through
every state). docs/sync.md has the field-by-field mapping and the choices where SYNC.md is uncertain.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

from congvu.dossiers.models import CHANNEL_NATIONAL_CODES, ApplicantKind, Channel, ReturnMethod
from congvu.dossiers.states import Action, DossierState
from congvu.sync.fields import MAX_ACTOR_NAME, MAX_SUMMARY, format_time

NATIONAL_PORTAL = "national_portal"

# ChucDanh when the actor has no job position: the role they act in.
ROLE_TITLES_VI = {
    "one_stop_officer": "Công chức tiếp nhận và trả kết quả",
    "specialist": "Chuyên viên",
    "unit_leader": "Lãnh đạo đơn vị",
    "inspector": "Cán bộ kiểm tra",
    "reform_admin": "Cán bộ cải cách hành chính",
    "system_admin": "Quản trị hệ thống",
}
RETURN_METHOD_VI = {
    ReturnMethod.COUNTER: "trực tiếp tại bộ phận một cửa",
    ReturnMethod.POST: "qua dịch vụ bưu chính công ích",
    ReturnMethod.ELECTRONIC: "bằng hình thức điện tử",
}
# HinhThucThu of a payment requested during processing: paid before the result is handed over ("4", thu khi
# trả kết quả); LoaiPhiLePhi "1", an ordinary fee (docs/sync.md, uncertain values).
PAYMENT_COLLECTION = "4"
PAYMENT_KIND = "1"
SYSTEM_ACTOR = "Hệ thống một cửa điện tử"


def national_status(dossier) -> int:
    """TrangThaiHoSo 1–10 from the state itself (DossierState.national_code): 5, 6 and 8 are sent as they are,
    never folded into 9."""
    return DossierState(dossier.state).national_code


def _public_link(dossier, stored_file_id: int | None) -> str:
    """The download address of a dossier's file: PUBLIC_BASE_URL + the path when the site's public address
    is configured, else the path alone ("/staff/dossiers/<code>/tep/<id>/")."""
    if not stored_file_id:
        return ""
    path = reverse("dossiers:file", args=[dossier.code, stored_file_id])
    base = str(getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


def _text(value, limit: int | None = None) -> str:
    text = " ".join(str(value or "").split())
    return text[:limit] if limit else text


def _applicant_kind(applicant) -> str:
    """LoaiDoiTuong: 1 citizen; an organisation with a tax code is a business (2), one without is another
    organisation (4). We never record state agencies as applicants (3)."""
    if applicant.kind == ApplicantKind.CITIZEN:
        return "1"
    return "2" if applicant.tax_code else "4"


def _identities(applicant) -> list[dict]:
    """DinhDanhCHS: the personal id as recorded (12 digits: type 1, 9 digits: type 2); no filler when none."""
    number = (applicant.personal_id or "").strip()
    kind = {12: "1", 9: "2"}.get(len(number)) if number.isdigit() else None
    return [{"LoaiDinhDanh": kind, "SoDinhDanh": number}] if kind else []


def _return_form(dossier) -> str:
    """HinhThuc: 1 by post, 0 otherwise (in person; the national list has no code for electronic return).
    Before the result is returned: as the dossier came in (by post → by post)."""
    method = dossier.return_method or (ReturnMethod.POST if dossier.channel == Channel.POST else ReturnMethod.COUNTER)
    return "1" if method == ReturnMethod.POST else "0"


def _return_info(dossier) -> str:
    if not dossier.returned_at:
        return ""
    parts = [f"Trả kết quả {RETURN_METHOD_VI.get(dossier.return_method, '')}".strip()]
    if dossier.returned_to:
        parts.append(f"người nhận: {dossier.returned_to}")
    if dossier.postal_tracking:
        parts.append(f"mã vận đơn: {dossier.postal_tracking}")
    return "; ".join(parts)


def _closure_note(dossier) -> str:
    try:
        closure = dossier.closure
    except ObjectDoesNotExist:
        return ""
    label = {"refused": "Từ chối giải quyết", "stopped": "Dừng xử lý", "withdrawn": "Rút hồ sơ theo yêu cầu"}.get(closure.kind, closure.kind)
    return _text(f"{label} (văn bản số {closure.letter_number}): {closure.reason}", 2000)


def _refusal_time(dossier, events) -> dt.datetime | None:
    """NgayTuChoi: when the dossier was not accepted (online filing turned away) or refused after appraisal."""
    for event in reversed(events):
        if event.action in (Action.NOT_ACCEPT.value, Action.REFUSE.value):
            return event.at
    return None


def _documents(dossier) -> list[dict]:
    items = []
    for doc in dossier.documents.select_related("reused_from").order_by("id"):
        items.append({
            "TepDinhKemId": str(doc.pk),
            "TenTepDinhKem": _text(doc.name, 500) or f"Giấy tờ {doc.pk}",
            "IsDeleted": "0",
            "MaThanhPhanHoSo": str(doc.required_document_id or ""),
            "DuongDanTaiTepTin": _public_link(dossier, doc.file_id),
            # A scan or upload we hold (a reused result is a digitised copy too).
            "DuocSoHoa": "1" if doc.file_id else "0",
            "DuocTaiSuDung": "1" if doc.reused_from_id else "0",
            # Our citizen's store is the province's, not the citizen's storage on the national portal.
            "DuocLayTuKhoDMQG": "0",
            "MaKetQuaThayThe": "",
        })
    return items


def _results(dossier) -> list[dict]:
    return [
        {
            "TenGiayTo": _text(result.name, 255),
            "MaThanhPhanHoSo": "",
            "GiayToId": str(result.pk),
            "DuongDanTepTinKetQua": _public_link(dossier, result.file_id),
            "MaGiayToKetQua": "",
        }
        for result in dossier.results.order_by("id")
    ]


def _fee(name: str, amount: int) -> dict:
    return {"TenPhiLePhi": _text(name, 255), "MaPhiLePhi": "", "HinhThucThu": PAYMENT_COLLECTION, "Gia": str(int(amount)), "LoaiPhiLePhi": PAYMENT_KIND}


def _payments(dossier) -> list:
    return list(dossier.payment_requests.order_by("requested_at", "id"))


def _online_payment(payments, origin: str) -> str:
    """DuocThanhToanTrucTuyen: 0 none paid online; a payment confirmed as paid online went through the
    payment platform of the system the applicant used: the national portal's (1) for a dossier filed there,
    the province's (2) otherwise."""
    if not any(p.paid_online and p.paid_at for p in payments):
        return "0"
    return "1" if origin == NATIONAL_PORTAL else "2"


def _due_history(events) -> list[tuple[int, dt.datetime | None]]:
    """(event seq, the dossier's due time just after it), replayed from each event's recorded changes."""
    due, out = None, []
    for event in events:
        changed = (event.data or {}).get("set", {})
        if "due_at" in changed:
            value = changed["due_at"]
            due = dt.datetime.fromisoformat(value) if value else None
        out.append((event.seq, due))
    return out


def _supplements(dossier, events) -> list[dict]:
    dues = dict(_due_history(events))
    requested = {}
    received = {}
    for event in events:
        number = (event.data or {}).get("number")
        if event.action == Action.REQUEST_SUPPLEMENT.value:
            requested[number] = event
        elif event.action == Action.RECEIVE_SUPPLEMENT.value:
            received[number] = event
    items = []
    for request in dossier.supplement_requests.select_related("requested_by").order_by("number"):
        asked, got = requested.get(request.number), received.get(request.number)
        content = "; ".join(request.items)
        if request.reason:
            content = f"{content}. Lý do: {request.reason}"
        requester = _person(request.requested_by) or dossier.current_unit.name
        items.append({
            "HoSoBoSungId": str(request.pk),
            "NguoiYeuCauBoSung": _text(requester, 200),
            "NoiDungBoSung": _text(content, 2000),
            "NgayBoSung": format_time(request.requested_at),
            "NguoiTiepNhanBoSung": _text(_person(got.actor) or got.actor_name, 200) if got else "",
            "ThongTinTiepNhan": _text(got.reason, 2000) if got else "",
            "NgayTiepNhanBoSung": format_time(request.fulfilled_at),
            "TrangThaiBoSung": "1" if request.fulfilled_at else "0",
            "DanhSachGiayToBoSung": [{"TenGiayTo": _text(item, 500)} for item in request.items],
            "DanhSachLePhiBoSung": [],
            "NgayHenTraTruoc": format_time(dues.get(asked.seq)) if asked else "",
            "NgayHenTraMoi": format_time(dues.get(got.seq)) if got else "",
        })
    return items


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def build_record(dossier, *, origin: str = "local", national_code: str = "") -> dict:
    """The DongBoHoSoMC record (`data[0]`) of `dossier` as it stands now. `origin` "national_portal" for a
    dossier filed on the national portal (NoiNopHoSo 1, MaHoSo its national code), "local" otherwise."""
    version = dossier.procedure_version
    applicant = dossier.applicant
    events = list(dossier.events.order_by("seq"))
    documents = _documents(dossier)
    payments = _payments(dossier)
    submitted = dossier.submitted_at or dossier.received_at or (events[0].at if events else None)
    return {
        "MaHoSo": national_code or dossier.code,
        "MaTTHC": version.procedure.code,
        "TenTTHC": _text(version.name, 2000),
        "MaLinhVuc": version.field.code,
        "TenLinhVuc": version.field.name,
        "KenhThucHien": str(CHANNEL_NATIONAL_CODES[Channel(dossier.channel)]),
        "ChuHoSo": _text(applicant.organisation_name or applicant.full_name, 255),
        "LoaiDoiTuong": _applicant_kind(applicant),
        # The applicant's national-portal TechID: we do not record it (docs/sync.md).
        "MaDoiTuong": "",
        "ThongTinKhac": _text(f"Địa chỉ: {applicant.address}" if applicant.address else ""),
        "Email": applicant.email or "",
        "Fax": "",
        "SoDienThoai": applicant.phone or "",
        "TrichYeuHoSo": _text(dossier.summary or version.name, MAX_SUMMARY),
        "NgayTiepNhan": format_time(dossier.received_at),
        "NgayHenTra": format_time(dossier.due_at),
        "TrangThaiHoSo": str(national_status(dossier)),
        "NgayTra": format_time(dossier.returned_at),
        "ThongTinTra": _return_info(dossier),
        "HinhThuc": _return_form(dossier),
        "NgayKetThucXuLy": format_time(dossier.finished_at),
        "DonViXuLy": dossier.handling_unit.name,
        "GhiChu": _closure_note(dossier),
        "NoiNopHoSo": "1" if origin == NATIONAL_PORTAL else "2",
        "HoSoCoThanhPhanSoHoa": "1" if any(d["DuocSoHoa"] == "1" for d in documents) else "0",
        # We do not record whether the applicant's account was verified with VNeID (docs/sync.md).
        "TaiKhoanDuocXacThucVoiVNeID": "0",
        "DuocThanhToanTrucTuyen": _online_payment(payments, origin),
        "NgayTuChoi": format_time(_refusal_time(dossier, events)),
        "NgayNopHoSo": format_time(submitted),
        "SoGiayToChuHoSo": applicant.personal_id or applicant.tax_code or "",
        "DinhDanhCHS": _identities(applicant),
        # No national database is consulted automatically; H's hard-coded "7" has no known meaning.
        "DSKetNoiCSDL": [],
        "TaiLieuNop": documents,
        "DanhSachGiayToKetQua": _results(dossier),
        "DanhSachLePhi": [_fee(p.description, p.amount_vnd) for p in payments],
        "DanhSachHoSoBoSung": _supplements(dossier, events),
        "DanhSachTepDinhKemKhac": [],
    }


# ------------------------------------------------------------------------------------------------ history


_ACTIVATING = (Action.START_PROCESSING.value, Action.FORWARD.value, Action.SEND_BACK.value)
_ENDING = (Action.RECORD_RESULT.value, Action.REFUSE.value, Action.STOP.value, Action.WITHDRAW.value)


def _current_position(position: int, seq: int, inserts: list[tuple[int, int]]) -> int:
    """Where the step at `position` when event `seq` happened stands now: every later joint forward inserted a
    step at its position and moved the steps from there on one place down."""
    for insert_seq, inserted_at in inserts:
        if insert_seq > seq and position >= inserted_at:
            position += 1
    return position


def _event_steps(steps, all_events) -> dict[int, tuple[object | None, dt.datetime | None]]:
    """For each event (by seq): the processing step it happened in and when that step was (last) started,
    replayed from the events themselves (a step's own started_at is overwritten when it is sent back to)."""
    by_position = {s.position: s for s in steps}
    inserts = [(e.seq, int(e.data["to_step"])) for e in all_events
               if e.action == Action.FORWARD.value and (e.data or {}).get("to_unit") and "to_step" in e.data]
    current, started, out = None, None, {}
    for event in all_events:
        data = event.data or {}
        recorded = data.get("to_step") if event.action in (Action.FORWARD.value, Action.SEND_BACK.value) else data.get("step")
        step = by_position.get(_current_position(int(recorded), event.seq, inserts)) if isinstance(recorded, int) else None
        if event.action in _ACTIVATING and step is not None:
            current, started = step, event.at
            out[event.seq] = (current, started)
        elif event.action in (Action.ACCEPT_STEP.value, Action.ASSIGN.value) and step is not None:
            out[event.seq] = (step, started if step is current else None)
        else:
            out[event.seq] = (current, started) if current is not None else (None, None)
        if event.action in _ENDING:
            current, started = None, None
    return out


def _profile(user):
    if user is None:
        return None
    try:
        return user.staff_profile
    except ObjectDoesNotExist:
        return None


def _reason(event) -> str:
    return f" Lý do: {_text(event.reason)}" if event.reason else ""


def _describe(dossier, event, step, payments_by_time) -> str:
    """NoiDungXuLy: what was done, in Vietnamese, with what the event recorded."""
    action, data = event.action, event.data or {}
    step_name = f" «{step.name}»" if step is not None else ""
    if action == Action.SUBMIT_ONLINE.value:
        return "Nộp hồ sơ trực tuyến"
    if action == Action.RECEIVE.value:
        return "Tiếp nhận hồ sơ nộp trực tuyến" if event.from_state == DossierState.SUBMITTED_ONLINE.value else "Tiếp nhận hồ sơ"
    if action == Action.NOT_ACCEPT.value:
        return "Không tiếp nhận hồ sơ." + _reason(event)
    if action == Action.START_PROCESSING.value:
        return f"Bắt đầu xử lý: chuyển bước{step_name}"
    if action == Action.ACCEPT_STEP.value:
        return f"Nhận xử lý bước{step_name}"
    if action == Action.FORWARD.value:
        if data.get("to_unit"):
            return f"Chuyển đơn vị phối hợp giải quyết: bước{step_name}" + (f". {_text(event.reason)}" if event.reason else "")
        return f"Hoàn thành bước trước, chuyển bước{step_name}"
    if action == Action.SEND_BACK.value:
        return f"Trả lại bước{step_name}." + _reason(event)
    if action == Action.ASSIGN.value:
        return f"Phân công xử lý bước{step_name}"
    if action == Action.REQUEST_SUPPLEMENT.value:
        items = "; ".join(str(i) for i in data.get("items", []))
        return _text(f"Yêu cầu bổ sung hồ sơ: {items}." + _reason(event))
    if action == Action.RECEIVE_SUPPLEMENT.value:
        return "Nhận hồ sơ bổ sung" + (f": {_text(event.reason)}" if event.reason else "")
    if action == Action.REQUEST_PAYMENT.value:
        payment = payments_by_time.get(event.at)
        what = f" {payment.description}" if payment else ""
        amount = data.get("amount_vnd")
        money = f" ({int(amount):,} đồng)".replace(",", ".") if amount else ""
        return _text(f"Yêu cầu thực hiện nghĩa vụ tài chính:{what}{money}")
    if action == Action.CONFIRM_PAYMENT.value:
        return "Xác nhận đã thực hiện nghĩa vụ tài chính"
    if action == Action.WITHDRAW.value:
        return "Công dân yêu cầu rút hồ sơ." + _reason(event)
    if action == Action.STOP.value:
        return "Dừng xử lý hồ sơ." + _reason(event)
    if action == Action.REFUSE.value:
        return "Từ chối giải quyết hồ sơ." + _reason(event)
    if action == Action.RECORD_RESULT.value:
        names = "; ".join(r.get("name", "") for r in data.get("results", []) if isinstance(r, dict))
        return _text("Đã xử lý xong, có kết quả" + (f": {names}" if names else ""))
    if action == Action.RETURN_RESULT.value:
        return f"Trả kết quả {RETURN_METHOD_VI.get(data.get('method'), '')}".strip()
    if action == Action.ISSUE_APOLOGY.value:
        return "Gửi phiếu xin lỗi và hẹn lại ngày trả kết quả." + _reason(event)
    return _text(event.action.replace("_", " ").capitalize() + "." + _reason(event))


def _history_code(dossier, national_code: str | None) -> str:
    if national_code is not None:
        return national_code or dossier.code
    try:
        return dossier.portal_sync.national_code or dossier.code
    except (ObjectDoesNotExist, AttributeError):
        return dossier.code


def build_history_items(dossier, events, *, national_code: str | None = None) -> list[dict]:
    """One CapNhatTienDoHoSoMC item per event given, in their order. MaHoSo is `national_code` when given,
    else the national code recorded in the dossier's sync row (a dossier filed on the national portal), else
    our code. TrangThai is the national code of the state the event left the dossier in."""
    code = _history_code(dossier, national_code)
    steps = list(dossier.steps.select_related("unit").order_by("position"))
    # The replay needs every event, also when only the newest are sent.
    step_of = _event_steps(steps, list(dossier.events.order_by("seq")))
    payments_by_time = {p.requested_at: p for p in _payments(dossier)}
    items = []
    for event in events:
        actor = event.actor
        profile = _profile(actor)
        step, started = step_of.get(event.seq, (None, None))
        if actor is None and event.action == Action.SUBMIT_ONLINE.value:
            who, title = dossier.applicant.display_name, "Người nộp hồ sơ"
        else:
            who = event.actor_name or _person(actor) or SYSTEM_ACTOR
            title = (profile.job_position.name if profile and profile.job_position_id else ROLE_TITLES_VI.get(profile.role, "")) if profile else ""
        if profile is not None:
            unit = profile.unit
        elif event.action in (Action.SUBMIT_ONLINE.value, Action.RECEIVE.value):
            unit = dossier.receiving_unit
        else:
            unit = step.unit if step is not None else dossier.current_unit
        items.append({
            "MaHoSo": code,
            "NguoiXuLy": _text(who, MAX_ACTOR_NAME),
            "ChucDanh": _text(title, 200),
            "ThoiDiemXuLy": format_time(event.at),
            "PhongBanXuLy": _text(unit.name, 255),
            "NoiDungXuLy": _describe(dossier, event, step, payments_by_time) or "Xử lý hồ sơ",
            "TrangThai": str(DossierState(event.to_state).national_code),
            "NgayBatDau": format_time(started),
            "NgayKetThucTheoQuyDinh": format_time(step.due_at) if step is not None else "",
        })
    return items
