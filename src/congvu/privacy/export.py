"""A person's data, as the machine-readable copy Decree 13/2023 art. 9.4 and 14 give them the right to:
every dossier, counter visit, rating, feedback, stored document and notification that carries their
personal ID, in JSON (for another system) and in Excel (for the person).

What is included is what the person gave or was told: their details as recorded, the dossier's procedure,
units, dates and states, the reasons written to them (the letters' reasons), their ratings and the answers to
their feedback. Officers' internal remarks to each other are not the person's data and stay out, as on the
public lookup page. Feedback linked to one of their dossiers by someone else keeps its sender hidden: that
sender's details are another person's data.
"""

from __future__ import annotations

import datetime as dt
import io
import json

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from congvu.core.excel import cell

FORMAT_VERSION = 1


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _applicant(a) -> dict:
    return {
        "kind": a.kind, "full_name": a.full_name, "personal_id": a.personal_id, "organisation_name": a.organisation_name,
        "tax_code": a.tax_code, "phone": a.phone, "email": a.email, "address": a.address,
    }


def _events(dossier) -> list[dict]:
    from congvu.portal.lookup import REASONS_FOR_THE_CITIZEN

    out = []
    for e in dossier.events.order_by("seq"):
        out.append({
            "at": _iso(e.at), "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
            "reason": e.reason if e.action in REASONS_FOR_THE_CITIZEN else "",
        })
    return out


def _same_person(feedback, applicant) -> bool:
    """Whether the feedback's sender is the applicant, judged by the contact details both gave."""
    if feedback.sender_phone and applicant.phone and feedback.sender_phone == applicant.phone:
        return True
    return bool(feedback.sender_email and applicant.email and feedback.sender_email.lower() == applicant.email.lower())


def _feedback(f, dossier) -> dict:
    item = {"code": f.code, "dossier": dossier.code, "received_at": _iso(f.received_at), "unit": f.unit.name, "state": f.state,
            "answered_at": _iso(f.answered_at)}
    if not _same_person(f, dossier.applicant):
        # Someone else wrote about this dossier: what they wrote and were answered is theirs.
        return {**item, "sent_by_another_person": True, "title": "", "content": "", "answer": "", "sender": None}
    return {**item, "sent_by_another_person": False, "title": f.title, "content": f.content, "answer": f.answer,
            "sender": {"name": f.sender_name, "phone": f.sender_phone, "email": f.sender_email}}


def citizen_data(personal_id: str, *, user=None) -> dict:
    """Everything held about `personal_id`. With `user` (an officer answering a request at the counter), only
    what lies in that officer's scope: each unit answers for its own processing, and only the citizen,
    signed in, gets the whole province's at once."""
    from congvu.documents.models import CitizenDocument
    from congvu.dossiers import selectors as dossier_selectors
    from congvu.dossiers.models import Dossier, IntakeRecord
    from congvu.feedback.models import Feedback, Rating
    from congvu.notify.models import OutboxMessage
    from congvu.units.selectors import scope_queryset

    if not personal_id:
        raise ValueError("a personal ID is required")
    dossier_qs = Dossier.objects.all() if user is None else dossier_selectors.dossiers_for(user)
    intake_qs = IntakeRecord.objects.all() if user is None else scope_queryset(IntakeRecord.objects.all(), user, "unit")
    stored_qs = CitizenDocument.objects.filter(personal_id=personal_id)
    dossiers = list(
        dossier_qs.filter(applicant__personal_id=personal_id)
        .select_related("applicant", "procedure_version__procedure", "receiving_unit", "handling_unit")
        .order_by("created_at", "id")
    )
    by_id = {d.pk: d for d in dossiers}
    ratings = Rating.objects.filter(dossier_id__in=list(by_id)).prefetch_related("answers").order_by("submitted_at", "id")
    feedback = Feedback.objects.filter(dossier_id__in=list(by_id)).select_related("unit").order_by("received_at", "id")
    if user is not None:
        stored_qs = stored_qs.filter(source_dossier_code__in=[d.code for d in dossiers])
    intake = intake_qs.filter(applicant__personal_id=personal_id).select_related("applicant", "unit", "procedure_version").order_by("at", "id")
    return {
        "format": "congvu-personal-data", "format_version": FORMAT_VERSION, "personal_id": personal_id, "scope": "province" if user is None else "unit", "generated_at": _iso(timezone.now()),
        "dossiers": [
            {
                "code": d.code, "procedure_code": d.procedure_version.procedure.code, "procedure": d.procedure_version.name,
                "channel": d.channel, "state": d.state, "summary": d.summary, "receiving_unit": d.receiving_unit.name,
                "handling_unit": d.handling_unit.name, "submitted_at": _iso(d.submitted_at), "received_at": _iso(d.received_at),
                "due_at": _iso(d.due_at), "finished_at": _iso(d.finished_at), "returned_at": _iso(d.returned_at),
                "timeliness": d.timeliness, "return_method": d.return_method, "applicant": _applicant(d.applicant),
                "documents": [doc.name for doc in d.documents.order_by("id")],
                "results": [{"name": r.name, "recorded_at": _iso(r.recorded_at), "returned_at": _iso(r.returned_at)} for r in d.results.order_by("id")],
                "events": _events(d),
            }
            for d in dossiers
        ],
        "counter_visits": [
            {
                "unit": r.unit.name, "procedure": r.procedure_version.name, "channel": r.channel, "outcome": r.outcome, "at": _iso(r.at),
                "missing": r.missing, "reasons": r.reasons, "letter_number": r.letter_number, "applicant": _applicant(r.applicant),
            }
            for r in intake
        ],
        "ratings": [
            {
                "dossier": by_id[r.dossier_id].code, "submitted_at": _iso(r.submitted_at), "mean_score": str(r.mean_score),
                "dissatisfied": r.dislike, "comment": r.comment, "answers": {a.question: a.value for a in r.answers.all()},
            }
            for r in ratings
        ],
        "feedback": [_feedback(f, by_id[f.dossier_id]) for f in feedback],
        "stored_documents": [
            {"name": c.name, "issued_at": _iso(c.issued_at), "from_dossier": c.source_dossier_code}
            for c in stored_qs.order_by("issued_at", "id")
        ],
        "notifications": [
            {"dossier": by_id[m.dossier_id].code, "kind": m.kind, "channel": m.channel, "recipient": m.recipient,
             "status": m.status, "sent_at": _iso(m.sent_at)}
            for m in OutboxMessage.objects.filter(dossier_id__in=list(by_id)).order_by("created_at", "id")
        ],
    }


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _local(value: str | None):
    """ISO text back to a naive Vietnam-time datetime for an Excel date cell."""
    if not value:
        return ""
    return dt.datetime.fromisoformat(value).replace(tzinfo=None)


SHEETS = [
    ("Hồ sơ", [("Mã hồ sơ", 26), ("Thủ tục", 50), ("Trạng thái", 18), ("Nơi tiếp nhận", 36), ("Tiếp nhận lúc", 18),
               ("Hẹn trả", 18), ("Hoàn thành", 18), ("Họ tên", 26), ("Số định danh", 16), ("Điện thoại", 16), ("Thư điện tử", 26), ("Địa chỉ", 40)]),
    ("Lịch sử hồ sơ", [("Mã hồ sơ", 26), ("Thời điểm", 18), ("Thao tác", 24), ("Trạng thái mới", 18), ("Lý do", 50)]),
    ("Tiếp nhận không thành", [("Nơi tiếp nhận", 36), ("Thủ tục", 50), ("Thời điểm", 18), ("Kết quả", 14), ("Số phiếu", 18), ("Lý do", 50)]),
    ("Đánh giá", [("Mã hồ sơ", 26), ("Thời điểm", 18), ("Điểm trung bình", 14), ("Không hài lòng", 14), ("Ý kiến", 50)]),
    ("Phản ánh", [("Mã phản ánh", 20), ("Mã hồ sơ", 26), ("Thời điểm", 18), ("Tiêu đề", 40), ("Trạng thái", 16), ("Trả lời", 60)]),
    ("Kho giấy tờ", [("Giấy tờ", 50), ("Ngày cấp", 18), ("Từ hồ sơ", 26)]),
    ("Thông báo", [("Mã hồ sơ", 26), ("Loại", 24), ("Kênh", 10), ("Người nhận", 26), ("Đã gửi lúc", 18)]),
]


def _rows(data: dict) -> list[list[list]]:
    d = data
    return [
        [[x["code"], x["procedure"], x["state"], x["receiving_unit"], _local(x["received_at"] or x["submitted_at"]), _local(x["due_at"]),
          _local(x["finished_at"]), x["applicant"]["full_name"], x["applicant"]["personal_id"], x["applicant"]["phone"],
          x["applicant"]["email"], x["applicant"]["address"]] for x in d["dossiers"]],
        [[x["code"], _local(e["at"]), e["action"], e["to_state"], e["reason"]] for x in d["dossiers"] for e in x["events"]],
        [[x["unit"], x["procedure"], _local(x["at"]), x["outcome"], x["letter_number"], x["reasons"] or "; ".join(map(str, x["missing"]))]
         for x in d["counter_visits"]],
        [[x["dossier"], _local(x["submitted_at"]), x["mean_score"], "có" if x["dissatisfied"] else "không", x["comment"]] for x in d["ratings"]],
        [[x["code"], x["dossier"], _local(x["received_at"]), x["title"], x["state"], x["answer"]] for x in d["feedback"]],
        [[x["name"], _local(x["issued_at"]), x["from_dossier"]] for x in d["stored_documents"]],
        [[x["dossier"], x["kind"], x["channel"], x["recipient"], _local(x["sent_at"])] for x in d["notifications"]],
    ]


def as_xlsx(data: dict) -> bytes:
    """One sheet per kind of record; every cell through core.excel.cell (text stays text, never a formula)."""
    workbook = Workbook(write_only=True)
    for (title, columns), rows in zip(SHEETS, _rows(data), strict=True):
        sheet = workbook.create_sheet(title[:31])
        for index, (_header, width) in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.append([cell(sheet, header, bold=True) for header, _width in columns])
        for row in rows:
            sheet.append([cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
