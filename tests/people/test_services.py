"""Inspection, discipline and training services, including the refusals: nothing is written when they refuse."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from congvu.people import services
from congvu.people.models import (
    ActionState, ChecklistItem, ChecklistTemplate, CorrectiveAction, DisciplineRecord, InspectionEvidence, InspectionFinding,
    InspectionPlan, InspectionState, PeopleEvent, TrainingAttendance,
)

D = dt.date
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_checklist_install_is_idempotent(db):
    first = services.install_shipped_checklists()
    count = ChecklistItem.objects.count()
    second = services.install_shipped_checklists()
    assert first[0][1] is True and second[0][1] is False
    assert ChecklistTemplate.objects.count() == 1 and ChecklistItem.objects.count() == count == 16
    assert PeopleEvent.objects.filter(action="install_checklist").count() == 1


def test_plan_gets_a_code_team_and_audit(plan, people):
    assert plan.code == "KH-2026-001"
    assert set(plan.team.all()) == {people.inspector, people.inspector2}
    assert plan.team_leader == people.inspector
    assert plan.events.get().action == "create_plan"


@pytest.mark.parametrize("who", ["leader_a", "officer", "reform"])
def test_only_inspectors_plan(people, place, checklist, who):
    with pytest.raises(PermissionDenied):
        services.create_plan(getattr(people, who), title="x", kind="periodic", start_date=D(2026, 10, 1), end_date=D(2026, 12, 31),
                             units=[place.a], team=[], checklist=checklist)
    assert not InspectionPlan.objects.exists()


def test_plan_refusals_are_vietnamese_and_write_nothing(people, place, checklist):
    with pytest.raises(ValidationError) as caught:
        services.create_plan(people.inspector_b, title="", kind="sometimes", start_date=D(2026, 12, 1), end_date=D(2026, 10, 1),
                             units=[place.a], team=[people.officer], checklist=checklist)
    errors = caught.value.message_dict
    assert set(errors) == {"title", "kind", "end_date", "units", "team"}
    assert "phạm vi" in errors["units"][0]
    assert not InspectionPlan.objects.exists() and not PeopleEvent.objects.filter(action="create_plan").exists()


def test_inspection_must_be_in_scope_and_period(plan, people, place):
    with pytest.raises(ValidationError) as caught:
        services.open_inspection(plan, people.inspector, unit=place.b, date=D(2027, 1, 5))
    assert set(caught.value.message_dict) == {"unit", "date"}
    with pytest.raises(PermissionDenied):
        services.open_inspection(plan, people.inspector_b, unit=place.a, date=D(2026, 10, 5))
    first = services.open_inspection(plan, people.inspector2, unit=place.a, date=D(2026, 10, 5))
    second = services.open_inspection(plan, people.inspector, unit=place.centre, date=D(2026, 10, 6))
    assert (first.code, second.code) == ("KT-2026-001", "KT-2026-002")


def test_findings_need_people_of_the_unit_and_an_item_of_the_plan(inspection, people, checklist):
    other = ChecklistTemplate.objects.create(code="X", name="Khác")
    foreign = ChecklistItem.objects.create(template=other, code="1", group="g", label="l")
    with pytest.raises(ValidationError) as caught:
        services.add_finding(inspection, people.inspector, checklist_item=foreign, staff=people.officer_b, description="")
    assert set(caught.value.message_dict) == {"checklist_item", "staff", "description"}
    with pytest.raises(PermissionDenied):
        services.add_finding(inspection, people.inspector_b, label="x", description="y")
    finding = services.add_finding(inspection, people.inspector, label="Thái độ", staff=people.officer, description="Trả lời cộc lốc.",
                                   severity="serious", files=[SimpleUploadedFile("anh.pdf", PDF)])
    assert finding.unit == people.officer.staff_profile.unit and finding.checklist_item_label == "Thái độ"
    assert InspectionEvidence.objects.filter(finding=finding).count() == 1


def test_bad_evidence_is_refused_without_the_finding(inspection, people):
    with pytest.raises(ValidationError) as caught:
        services.add_finding(inspection, people.inspector, label="x", description="y", files=[SimpleUploadedFile("a.pdf", b"<html>not a pdf")])
    assert "files" in caught.value.message_dict
    assert not InspectionFinding.objects.exists() and not InspectionEvidence.objects.exists()


def test_conclude_needs_a_finding_then_locks_the_record(inspection, people, checklist):
    with pytest.raises(ValidationError) as caught:
        services.conclude(inspection, people.inspector, summary="", conclusion="")
    assert set(caught.value.message_dict) == {"__all__", "conclusion"}
    services.add_finding(inspection, people.inspector, checklist_item=checklist.items.get(code="1.1"), description="Đi muộn 15 phút.",
                         staff=people.officer)
    done = services.conclude(inspection, people.inspector, summary="", conclusion="Chấn chỉnh giờ giấc.")
    assert done.state == InspectionState.CONCLUDED and done.notice is not None and done.notice_number == f"{done.code}/TB-ĐKT"
    with pytest.raises(ValidationError):
        services.add_finding(done, people.inspector, label="x", description="y")
    with pytest.raises(ValidationError):
        services.conclude(done, people.inspector, summary="", conclusion="again")


def test_action_deadline_and_unit(inspection, people, place):
    with pytest.raises(ValidationError) as caught:
        services.add_action(inspection, people.inspector, description="", deadline=D(2026, 10, 1), unit=place.b)
    assert set(caught.value.message_dict) == {"description", "deadline", "unit"}
    assert not CorrectiveAction.objects.exists()


def test_follow_up_report_return_accept(concluded, people):
    action = concluded.actions.get()
    with pytest.raises(PermissionDenied):
        services.report_action(action, people.leader_b, "Đã làm")
    with pytest.raises(PermissionDenied):
        services.report_action(action, people.officer, "Đã làm")
    with pytest.raises(ValidationError):
        services.report_action(action, people.leader_a, "  ")
    with pytest.raises(ValidationError):
        services.review_action(action, people.inspector, accept=True)  # nothing reported yet
    services.report_action(action, people.leader_a, "Đã nhắc nhở, công chức đã đeo thẻ.")
    with pytest.raises(PermissionDenied):
        services.review_action(action, people.leader_a, accept=True)
    with pytest.raises(ValidationError):
        services.review_action(action, people.inspector, accept=False, note="")
    back = services.review_action(action, people.inspector2, accept=False, note="Thiếu ảnh minh chứng.")
    assert back.state == ActionState.OPEN and back.review_note
    services.report_action(action, people.leader_p, "Bổ sung ảnh.")
    done = services.review_action(action, people.inspector, accept=True)
    assert done.state == ActionState.DONE and done.closed_by == people.inspector
    assert list(concluded.events.filter(action__endswith="_action").values_list("action", flat=True)) == [
        "add_action", "report_action", "return_action", "report_action", "accept_action"]


def test_discipline_rules(people, place, concluded):
    kwargs = {"form": "reprimand", "decision_number": "12/QĐ-UBND", "decision_date": D(2026, 11, 2), "signer": "Chủ tịch UBND phường",
              "reason": "Vi phạm quy chế văn hóa công sở."}
    for who in ("inspector", "officer", "reform", "leader_b", "specialist_a"):
        with pytest.raises(PermissionDenied):
            services.record_discipline(getattr(people, who), staff=people.officer, **kwargs)
    with pytest.raises(PermissionDenied):
        services.record_discipline(people.leader_a, staff=people.leader_a, **kwargs)  # never about oneself
    record = services.record_discipline(people.leader_a, staff=people.officer, inspection=concluded, **kwargs)
    assert record.unit == people.officer.staff_profile.unit and record.effective_from == D(2026, 11, 2)
    with pytest.raises(ValidationError) as caught:
        services.record_discipline(people.leader_p, staff=people.officer, **kwargs)
    assert "decision_number" in caught.value.message_dict
    services.record_discipline(people.sysadmin, staff=people.specialist_a, **{**kwargs, "decision_number": "13/QĐ-UBND", "form": "warning"})
    with pytest.raises(ValidationError) as caught:
        services.record_discipline(people.leader_p, staff=people.officer_b, form="scold", decision_number="", decision_date=D(2026, 5, 1),
                                   signer="", reason="", effective_from=D(2026, 4, 1), inspection=concluded)
    assert set(caught.value.message_dict) == {"form", "decision_number", "signer", "reason", "effective_from", "inspection"}
    assert DisciplineRecord.objects.count() == 2


def test_annulment(people):
    record = services.record_discipline(people.leader_a, staff=people.officer, form="warning", decision_number="1/QĐ", decision_date=D(2026, 3, 1),
                                        signer="Chủ tịch", reason="x")
    with pytest.raises(PermissionDenied):
        services.annul_discipline(record, people.leader_b, "x")
    with pytest.raises(ValidationError):
        services.annul_discipline(record, people.leader_a, "")
    services.annul_discipline(record, people.leader_a, "Hủy theo Quyết định 5/QĐ.")
    with pytest.raises(ValidationError):
        services.annul_discipline(record, people.leader_a, "again")
    record.refresh_from_db()
    assert record.annulled and record.events.count() == 2


def test_training(people, place):
    with pytest.raises(PermissionDenied):
        services.create_course(people.officer, name="x", organiser=place.a, start_date=D(2026, 9, 1), end_date=D(2026, 9, 2), hours=Decimal(8))
    with pytest.raises(ValidationError) as caught:
        services.create_course(people.leader_a, name="", organiser=place.a, start_date=D(2026, 9, 3), end_date=D(2026, 9, 2), hours=Decimal(0))
    assert set(caught.value.message_dict) == {"name", "end_date", "hours"}
    course = services.create_course(people.reform, name="Kỹ năng giao tiếp", organiser=place.dept, start_date=D(2026, 9, 8),
                                    end_date=D(2026, 9, 9), hours=Decimal(16))
    with pytest.raises(PermissionDenied):
        services.record_attendance(course, people.leader_a, [people.officer])  # the city's course, not the ward's
    with pytest.raises(ValidationError) as caught:
        services.record_attendance(course, people.reform, [people.officer], completed_on=D(2026, 9, 1))
    assert "completed_on" in caught.value.message_dict
    rows = services.record_attendance(course, people.reform, [people.officer, people.specialist_a])
    assert [r.completed_on for r in rows] == [D(2026, 9, 9)] * 2
    services.record_attendance(course, people.reform, [people.specialist_a], attended=False)
    assert TrainingAttendance.objects.filter(attended=True).count() == 1
    leader_course = services.create_course(people.leader_a, name="Nội bộ", organiser=place.a, start_date=D(2026, 9, 8), end_date=D(2026, 9, 8),
                                           hours=Decimal(4))
    with pytest.raises(ValidationError):
        services.record_attendance(leader_course, people.leader_a, [people.officer_b])
