"""The people demo inside the whole demo (base data + the indices history + this app): the concluded
unannounced inspection of the Ba Đình counter, the Q4 plan, the September course, the reprimand; a second
load changes nothing. Slow (the indices history builds months of dossiers): about a minute."""

import io

import pytest

from congvu.core import demo as core_demo
from congvu.people import demo, selectors
from congvu.people.models import (
    CorrectiveAction, DisciplineRecord, Inspection, InspectionFinding, InspectionPlan, PeopleEvent, TrainingAttendance, TrainingCourse,
)

pytestmark = pytest.mark.django_db(transaction=False)

BASE = ("congvu.notify.demo", "congvu.portal.demo", "congvu.feedback.demo", "congvu.queueing.demo")


def counts():
    return tuple(m.objects.count() for m in (InspectionPlan, Inspection, InspectionFinding, CorrectiveAction, DisciplineRecord, TrainingCourse,
                                             TrainingAttendance, PeopleEvent))


def test_demo_story_loads_once(monkeypatch):
    monkeypatch.setattr(core_demo, "DEMO_EXTENSIONS", BASE + ("congvu.indices.demo", "congvu.people.demo"))
    out = io.StringIO()
    assert core_demo.load_demo(out)
    assert "kiểm tra công vụ" in out.getvalue()
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
    before = counts()
    demo.load(io.StringIO())
    assert counts() == before
