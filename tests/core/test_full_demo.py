"""The whole demo as `congvu demo` loads it (every extension), then the people side of its story, checked across
the three apps that tell it: the concluded unannounced inspection of the Ba Đình counter, the Q4 plan, the
September course and the reprimand (people); the October sheets waiting for the leader with the inspection
finding in the counter officer's facts (evaluation); the city's movement, initiatives, two years of decisions and
Ba Đình's provisional year-end proposal saying who qualifies and why not (emulation). A second load of each of
those demos changes nothing. One test, because the history it stands on takes a minute or more to build."""

import io

import pytest
from django.utils import timezone

from congvu.core.demo import load_demo
from congvu.emulation import demo as emulation_demo
from congvu.emulation.models import AuditEntry, Award, CommendationDecision, Initiative, Movement, Participant, Proposal, ProposalLine
from congvu.evaluation import demo as evaluation_demo
from congvu.evaluation.models import Sheet, SheetEvent, SheetState
from congvu.people import demo as people_demo
from congvu.people import selectors
from congvu.people.demo import demo_year
from congvu.people.models import (
    CorrectiveAction, DisciplineRecord, Inspection, InspectionFinding, InspectionPlan, PeopleEvent, TrainingAttendance, TrainingCourse,
)

pytestmark = pytest.mark.django_db(transaction=False)

COUNTED = (InspectionPlan, Inspection, InspectionFinding, CorrectiveAction, DisciplineRecord, TrainingCourse, TrainingAttendance, PeopleEvent,
           Sheet, SheetEvent, Movement, Participant, Initiative, CommendationDecision, Award, Proposal, ProposalLine, AuditEntry)


def counts():
    return tuple(m.objects.count() for m in COUNTED)


def test_the_people_story_of_the_whole_demo_and_its_idempotency():
    out = io.StringIO()
    assert load_demo(out)
    assert "kiểm tra công vụ" in out.getvalue() and "thi đua" in out.getvalue()
    inspection = Inspection.objects.get(unit__code="00004-TTPVHCC")
    year = inspection.date.year
    assert inspection.is_concluded and inspection.notice is not None and inspection.plan.kind == "unannounced" and inspection.date.month == 10
    assert inspection.plan.created_by.username == "thanhtra"
    officer = inspection.findings.filter(staff__username="motcua.badinh")
    assert officer.count() == 2 and all(f.is_violation for f in officer)
    assert inspection.actions.get().deadline > inspection.date
    assert InspectionPlan.objects.filter(kind="periodic", start_date__month=10, end_date__month=12).count() == 1
    course = TrainingCourse.objects.get(name="Kỹ năng giao tiếp với người dân")
    assert course.start_date.month == 9
    assert set(course.attendance.values_list("staff__username", flat=True)) >= {"motcua.badinh", "chuyenvien.badinh", "lanhdao.badinh", "chuyenvien2.badinh"}
    record = DisciplineRecord.objects.get(staff__username="chuyenvien2.badinh")
    assert record.form == "reprimand" and record.decision_date.year == year
    # What evaluation and emulation will read.
    assert selectors.discipline_in_year([record.staff_id], year)[record.staff_id] == [record]
    officer_id = officer.first().staff_id
    assert len(selectors.findings_for_staff([officer_id], inspection.date.replace(day=1), inspection.date.replace(day=31))[officer_id]) == 2

    # Evaluation: the inspection's month is in the counter officer's sheets, its finding among her facts (the
    # month the demo leaves for the leader moves with today's date; the facts of every month are pre-filled).
    sheet = Sheet.objects.get(user__username="motcua.badinh", year=inspection.date.year, month=inspection.date.month)
    assert sheet.state in (SheetState.SELF_ASSESSED, SheetState.APPROVED)
    assert sheet.facts["inspection_violations"] == 2 and any(code == inspection.code for code, _text in sheet.facts["inspection_refs"])
    year = demo_year(timezone.localdate())
    movement = Movement.objects.get(year=year, organiser__code="01")
    assert set(movement.participants.filter(user__isnull=True).values_list("unit__code", flat=True)) == {"00004", "00070"}
    assert all(p.total_points > 0 for p in movement.participants.filter(user__isnull=True))
    assert Initiative.objects.filter(authors__username="chuyenvien.badinh", year=year, scope="unit").exists()
    assert set(CommendationDecision.objects.filter(issuer__code="00004").values_list("year", flat=True)) == {year - 2, year - 1}
    proposal = Proposal.objects.get(unit__code="00004", year=year)
    assert proposal.provisional and proposal.state == "draft"
    lines = ProposalLine.objects.filter(proposal=proposal)
    people = set(lines.exclude(user=None).values_list("user__username", flat=True))
    assert {"lanhdao.badinh", "chuyenvien.badinh", "motcua.badinh", "chuyenvien2.badinh"} <= people
    # The reprimanded specialist is told why not, in Vietnamese.
    reprimanded = lines.get(user__username="chuyenvien2.badinh", title="lao_dong_tien_tien")
    assert not reprimanded.qualifies and any(not met and "kỷ luật" in text for met, text in reprimanded.reasons)
    assert lines.filter(qualifies=True).exists() and lines.filter(qualifies=False).exists()
    author = lines.get(user__username="chuyenvien.badinh", title="chien_si_thi_dua_cap_tinh")
    assert any("Chiến sĩ thi đua cơ sở" in text for _met, text in author.reasons)
    before = counts()
    for demo in (people_demo, evaluation_demo, emulation_demo):
        demo.load(io.StringIO())
    assert counts() == before
