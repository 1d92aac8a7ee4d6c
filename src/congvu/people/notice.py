"""The concluding notice of an inspection (thông báo kết luận kiểm tra công vụ), A4, in Vietnamese: the
administrative header of the inspecting unit, what was inspected, findings about the unit and about named
staff, the corrective actions with their deadlines, signed by the team leader."""

from __future__ import annotations

from django.utils import timezone

from congvu.core.pdf import render_pdf
from congvu.dossiers.letters import Header, day_text, header_for, person_name

OFFICE = "Đoàn kiểm tra công vụ"


def notice_context(inspection) -> dict:
    plan = inspection.plan
    owner = plan.owner_unit
    place = header_for(owner, as_desk=False).place
    header = Header(agency=owner.name.upper(), office=OFFICE.upper(), office_name=OFFICE, place=place)
    findings = list(inspection.findings.select_related("staff", "unit").order_by("pk"))
    issued = inspection.concluded_at or timezone.now()
    return {
        "header": header,
        "number": inspection.notice_number,
        "place_date": f"{place}, {day_text(issued)}",
        "inspection": inspection,
        "plan": plan,
        "kind_text": "đột xuất" if plan.kind == "unannounced" else "định kỳ",
        "date_text": day_text(inspection.date),
        "team": [(person_name(m), getattr(getattr(m, "staff_profile", None), "job_position", None) or "") for m in plan.team.select_related("staff_profile__job_position").order_by("pk")],
        "unit_findings": [f for f in findings if f.staff_id is None],
        "staff_findings": [(f, person_name(f.staff)) for f in findings if f.staff_id is not None],
        "violations": sum(1 for f in findings if f.is_violation),
        "actions": list(inspection.actions.select_related("unit").order_by("deadline", "pk")),
        "signer": person_name(plan.team_leader),
    }


def render_notice(inspection) -> bytes:
    # Signed by the unit that owns the inspection plan, whose name heads the notice (congvu.signing).
    return render_pdf("people/notice_pdf.html", notice_context(inspection), paper="A4", signed_by=inspection.plan.owner_unit)
