"""The facts of a person's month (congvu.evaluation.prefill) from what really happened, on the dossier tests'
small province: dossiers received and steps handled through the dossier services, ratings, feedback answered
with a finding, inspection findings and training built by hand. March 2026 is the month measured."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from congvu.dossiers.models import Dossier, DossierStep, StepStatus
from congvu.dossiers.services import perform_action
from congvu.evaluation.prefill import MAX_LATE_STEP_REFS, StaffMonthFacts, facts_for
from congvu.feedback import services as feedback_services
from congvu.feedback.models import Rating, RatingAnswer, RatingScheme, SipasSettings
from congvu.people.models import (
    ChecklistTemplate, Inspection, InspectionFinding, InspectionKind, InspectionPlan, InspectionState, TrainingAttendance, TrainingCourse,
)
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD, catalogue, local, place, receive, staff  # noqa: F401
from tests.feedback.conftest import feedback_input

pytestmark = pytest.mark.django_db

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def counter_then_appraisal(dossier, staff, *, counter_at, taken_at):
    """The officer takes up and passes on the counter step; the specialist takes up the appraisal."""
    d = perform_action(dossier, "start_processing", actor=staff.officer, at=counter_at)
    d = perform_action(d, "accept_step", actor=staff.officer, at=counter_at)
    d = perform_action(d, "forward", actor=staff.officer, at=counter_at + dt.timedelta(minutes=30))
    return perform_action(d, "accept_step", actor=staff.specialist, at=taken_at)


def rate(dossier, officer, at, officer_score, scheme):
    """A rating given through the portal, built by hand: the officer factor answered `officer_score`."""
    rating = Rating.objects.create(
        dossier=dossier, procedure=dossier.procedure_version.procedure, receiving_unit=dossier.receiving_unit,
        handling_unit=dossier.handling_unit, officer=officer, scheme=scheme, submitted_at=at, mean_score=Decimal(officer_score),
    )
    RatingAnswer.objects.bulk_create([RatingAnswer(rating=rating, question="officer", value=officer_score),
                                      RatingAnswer(rating=rating, question="access", value=5)])
    return rating


@pytest.fixture
def inspections(place, staff):
    """A concluded inspection of the centre on 10 March (a violation and a commendation of the officer, a
    violation of the specialist), one still being recorded (does not count) and one concluded on 2 April."""
    inspector = units.create_staff_member("thanhtra", "Thanh Tra Viên", place.province, Role.INSPECTOR, password=PASSWORD).user
    checklist = ChecklistTemplate.objects.create(code="1847", name="Văn hóa công vụ")
    plan = InspectionPlan.objects.create(code="KH-2026-001", title="Kiểm tra công vụ quý I", kind=InspectionKind.UNANNOUNCED,
                                         start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 4, 30), team_leader=inspector,
                                         checklist=checklist, owner_unit=place.province, created_by=inspector)

    def inspection(code, day, state):
        return Inspection.objects.create(code=code, plan=plan, unit=place.centre, date=day, state=state, created_by=inspector)

    def finding(insp, person, label, description, violation=True):
        return InspectionFinding.objects.create(inspection=insp, checklist_item_label=label, unit=place.centre, staff=person,
                                                is_violation=violation, description=description, created_by=inspector)

    march = inspection("KT-2026-001", dt.date(2026, 3, 10), InspectionState.CONCLUDED)
    finding(march, staff.officer, "Đeo thẻ công chức", "Không đeo thẻ khi tiếp công dân.")
    finding(march, staff.officer, "Thái độ giao tiếp", "Hướng dẫn tận tình, được người dân khen.", violation=False)
    finding(march, staff.specialist, "Giờ làm việc", "Đến muộn 30 phút.")
    finding(march, None, "Niêm yết thủ tục", "Bảng niêm yết đã cũ.")  # about the unit: nobody's
    draft = inspection("KT-2026-002", dt.date(2026, 3, 20), InspectionState.DRAFT)
    finding(draft, staff.officer, "Trang phục", "Chưa mặc đồng phục.")
    april = inspection("KT-2026-003", dt.date(2026, 4, 2), InspectionState.CONCLUDED)
    finding(april, staff.officer, "Giờ làm việc", "Rời vị trí trong giờ làm việc.")
    return march


@pytest.fixture
def training(place, staff):
    """Two March courses for the officer (8 and 4.5 hours; the specialist enrolled in one but did not attend) and
    one ending in April."""
    def course(name, start, end, hours):
        return TrainingCourse.objects.create(name=name, organiser=place.a, start_date=start, end_date=end, hours=Decimal(hours),
                                             created_by=staff.leader)

    communication = course("Kỹ năng giao tiếp với người dân", dt.date(2026, 3, 16), dt.date(2026, 3, 17), "8")
    digital = course("Chuyển đổi số trong giải quyết thủ tục", dt.date(2026, 3, 25), dt.date(2026, 3, 25), "4.5")
    later = course("Văn hóa công vụ", dt.date(2026, 3, 30), dt.date(2026, 4, 1), "12")
    for c in (communication, digital, later):
        TrainingAttendance.objects.create(course=c, staff=staff.officer, unit=place.centre, completed_on=c.end_date)
    TrainingAttendance.objects.create(course=communication, staff=staff.specialist, unit=place.a, attended=False)


@pytest.fixture
def month(place, staff, receive, inspections, training, monkeypatch):
    """A March at the centre: three dossiers received by the officer (one at 23:30 on 31 March), one received on
    1 April; the specialist finishes one appraisal late and leaves one open past due; ratings; complaints."""
    monkeypatch.setattr("congvu.notify.services.enqueue", lambda *a, **k: [])
    a = receive(at=local(2026, 3, 2, 9))
    b = receive(at=local(2026, 3, 3, 9))
    c = receive(at=local(2026, 3, 31, 16))
    april = receive(at=local(2026, 4, 1, 9))
    Dossier.objects.filter(pk=c.pk).update(received_at=local(2026, 3, 31, 23, 30))
    Dossier.objects.filter(pk=april.pk).update(received_at=local(2026, 4, 1, 0, 10))

    # A: counter on time, appraisal taken up on 3 March and passed on on 20 March (past its due time).
    a = counter_then_appraisal(a, staff, counter_at=local(2026, 3, 2, 10), taken_at=local(2026, 3, 3, 9))
    a = perform_action(a, "forward", actor=staff.specialist, at=local(2026, 3, 20, 9))
    # B: the appraisal is taken up on 4 March and still open on 31 March.
    b = counter_then_appraisal(b, staff, counter_at=local(2026, 3, 3, 10), taken_at=local(2026, 3, 4, 9))

    # Ratings naming the officer: satisfied (5), not (3), satisfied under a lenient scheme (3 ≥ 3), one in April.
    shipped = RatingScheme.objects.get()  # the migration's: satisfied from 4 of 5
    assert shipped.satisfied_at_least == 4
    lenient = RatingScheme.objects.create(effective_from=dt.date(2020, 1, 1), name="Thang điểm thử", scale_max=5, satisfied_at_least=3,
                                          dislike_at_most=2)
    rate(a, staff.officer, local(2026, 3, 21, 10), 5, shipped)
    rate(b, staff.officer, local(2026, 3, 22, 10), 3, shipped)
    rate(c, staff.officer, local(2026, 3, 31, 23, 50), 3, scheme=lenient)
    rate(april, staff.officer, local(2026, 4, 1, 8), 5, shipped)

    # Complaints about the officer: upheld (answered in March), not upheld, upheld but answered in April.
    def complaint(title, answered_at, upheld):
        item = feedback_services.submit_feedback(feedback_input(place.centre, subject_kind="officer", officer=staff.officer, title=title,
                                                                sender_phone="", sender_email=""), at=local(2026, 3, 2, 9))
        return feedback_services.answer_feedback(item, staff.leader, "Đã xem xét.", upheld=upheld, at=answered_at)

    upheld = complaint("Cán bộ trả lời cộc lốc", local(2026, 3, 10, 9), True)
    complaint("Cán bộ làm chậm", local(2026, 3, 11, 9), False)
    complaint("Cán bộ không đeo thẻ", local(2026, 4, 1, 9), True)
    return {"a": a, "b": b, "c": c, "april": april, "upheld": upheld}


def test_a_month_of_facts(month, staff, inspections):
    people = [staff.officer.pk, staff.specialist.pk, staff.leader.pk, staff.other.pk]
    facts = facts_for(people, *MARCH)
    assert set(facts) == set(people)

    officer = facts[staff.officer.pk]
    assert (officer.start, officer.end) == MARCH
    assert officer.dossiers_received == 3  # A, B and C at 23:30 on 31 March; not the one at 00:10 on 1 April
    assert (officer.steps_finished, officer.steps_on_time, officer.steps_late) == (2, 2, 0)  # the counter steps of A and B
    assert officer.on_time_share == Decimal("100.00") and officer.late_step_refs == () and officer.open_steps_overdue == 0
    assert (officer.ratings_count, officer.ratings_satisfied) == (3, 2)
    assert officer.complaints_upheld == 1 and officer.complaint_refs == (month["upheld"].code,)
    assert (officer.inspection_violations, officer.inspection_commendations) == (1, 1)
    assert officer.inspection_refs == (
        ("KT-2026-001", "Vi phạm — Đeo thẻ công chức: Không đeo thẻ khi tiếp công dân."),
        ("KT-2026-001", "Ghi nhận tốt — Thái độ giao tiếp: Hướng dẫn tận tình, được người dân khen."),
    )
    assert officer.inspection_ids == (inspections.pk, inspections.pk)
    assert officer.training_hours == Decimal("12.5")
    assert officer.training_courses == ("Kỹ năng giao tiếp với người dân", "Chuyển đổi số trong giải quyết thủ tục")

    specialist = facts[staff.specialist.pk]
    assert specialist.dossiers_received == 0
    assert (specialist.steps_finished, specialist.steps_on_time, specialist.steps_late) == (1, 0, 1)
    assert specialist.late_step_refs == ((month["a"].code, "Thẩm định hồ sơ"),)
    assert specialist.on_time_share == Decimal("0.00")
    assert specialist.open_steps_overdue == 1  # B's appraisal, due in early March, still open
    assert (specialist.inspection_violations, specialist.training_hours, specialist.training_courses) == (1, Decimal(0), ())

    # The leader was never assigned a step (A's approval step is active but unassigned); the other commune's
    # officer did nothing this month: both are keys, with nothing to count.
    for quiet in (facts[staff.leader.pk], facts[staff.other.pk]):
        assert quiet == StaffMonthFacts(user_id=quiet.user_id, start=MARCH[0], end=MARCH[1])
        assert quiet.on_time_share is None


def test_the_period_boundaries_are_vietnam_calendar_days(month, staff):
    april = facts_for([staff.officer.pk], dt.date(2026, 4, 1), dt.date(2026, 4, 30))[staff.officer.pk]
    assert april.dossiers_received == 1  # 00:10 on 1 April in Hà Nội is still 31 March in UTC
    assert (april.ratings_count, april.ratings_satisfied) == (1, 1)
    assert april.complaints_upheld == 1 and april.inspection_violations == 1
    assert april.training_courses == ("Văn hóa công vụ",) and april.training_hours == Decimal("12")
    last_day = facts_for([staff.officer.pk], dt.date(2026, 3, 31), dt.date(2026, 3, 31))[staff.officer.pk]
    assert last_day.dossiers_received == 1  # C, moved to 23:30
    assert (last_day.ratings_count, last_day.ratings_satisfied) == (1, 1)


def test_open_steps_are_counted_as_they_stood_at_the_end_of_the_period(month, staff):
    # On 15 March A's appraisal (due early March, passed on only on 20 March) and B's were both open past due.
    first_half = facts_for([staff.specialist.pk], dt.date(2026, 3, 1), dt.date(2026, 3, 15))[staff.specialist.pk]
    assert first_half.open_steps_overdue == 2 and first_half.steps_finished == 0
    # On 3 March nothing the specialist had taken up was due yet (B was taken up on the 4th).
    early = facts_for([staff.specialist.pk], dt.date(2026, 3, 1), dt.date(2026, 3, 3))[staff.specialist.pk]
    assert early.open_steps_overdue == 0
    # Waiting for the applicant's papers stops the clock: B does not count against the specialist while it waits.
    Dossier.objects.filter(pk=month["b"].pk).update(paused_at=local(2026, 3, 5, 9))
    assert facts_for([staff.specialist.pk], *MARCH)[staff.specialist.pk].open_steps_overdue == 0


def test_a_step_sent_back_and_finished_again_counts_once_when_it_is_finished(month, staff):
    b = perform_action(month["b"], "forward", actor=staff.specialist, at=local(2026, 3, 5, 9))
    b = perform_action(b, "send_back", actor=staff.leader, reason="Cần thẩm định lại.", at=local(2026, 3, 5, 10))
    facts = facts_for([staff.specialist.pk], *MARCH)[staff.specialist.pk]
    appraisal = DossierStep.objects.get(dossier=b, name="Thẩm định hồ sơ")
    assert appraisal.status == StepStatus.ACTIVE and appraisal.finished_at is None
    assert facts.steps_finished == 1  # only A's: B's appraisal is back on the desk
    perform_action(b, "forward", actor=staff.specialist, at=local(2026, 3, 6, 9))
    assert facts_for([staff.specialist.pk], *MARCH)[staff.specialist.pk].steps_finished == 2


def test_the_satisfied_rule_follows_the_sipas_settings_in_force(month, staff):
    # From 2026 the officer factor is read from the "access" question too: every answer must be satisfied.
    SipasSettings.objects.create(effective_from=dt.date(2026, 1, 1), name="Thử", factor_questions={
        "access": ["access"], "procedure": ["procedure"], "officer": ["officer", "access"], "result": ["result"], "feedback": ["feedback"]})
    officer = facts_for([staff.officer.pk], *MARCH)[staff.officer.pk]
    assert (officer.ratings_count, officer.ratings_satisfied) == (3, 2)  # access 5 is satisfied on both scales
    RatingAnswer.objects.filter(rating__dossier=month["a"], question="access").update(value=2)
    officer = facts_for([staff.officer.pk], *MARCH)[staff.officer.pk]
    assert officer.ratings_satisfied == 1


def test_late_step_references_are_capped(month, staff, receive):
    extra = MAX_LATE_STEP_REFS + 2
    for n in range(extra):
        d = counter_then_appraisal(receive(at=local(2026, 3, 2, 9)), staff, counter_at=local(2026, 3, 2, 10), taken_at=local(2026, 3, 3, 9))
        perform_action(d, "forward", actor=staff.specialist, at=local(2026, 3, 20, 10, n))
    facts = facts_for([staff.specialist.pk], *MARCH)[staff.specialist.pk]
    assert facts.steps_late == extra + 1 and len(facts.late_step_refs) == MAX_LATE_STEP_REFS
    assert facts.late_step_refs[0] == (month["a"].code, "Thẩm định hồ sơ")  # oldest first


def test_the_number_of_queries_does_not_grow_with_the_number_of_people(month, staff, place, django_assert_max_num_queries):
    crowd = [units.create_staff_member(f"canbo{n}", f"Cán bộ {n}", place.centre, Role.ONE_STOP_OFFICER).user.pk for n in range(12)]
    with CaptureQueriesContext(connection) as one:
        facts_for([staff.officer.pk], *MARCH)
    everyone = [staff.officer.pk, staff.specialist.pk, staff.leader.pk, staff.other.pk, *crowd]
    with django_assert_max_num_queries(len(one.captured_queries)):
        facts = facts_for(everyone, *MARCH)
    assert len(facts) == len(everyone) and len(one.captured_queries) <= 10


def test_nobody_asked_about_reads_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert facts_for([], *MARCH) == {}


def test_an_end_before_the_start_is_refused(db):
    with pytest.raises(ValueError):
        facts_for([1], dt.date(2026, 3, 31), dt.date(2026, 3, 1))


def test_facts_survive_a_trip_through_json(month, staff):
    facts = facts_for([staff.officer.pk, staff.specialist.pk, staff.leader.pk], *MARCH)
    for f in facts.values():
        stored = json.loads(json.dumps(f.as_dict()))
        assert StaffMonthFacts.from_dict(stored) == f
    stored = facts[staff.specialist.pk].as_dict()
    assert stored["start"] == "2026-03-01" and stored["on_time_share"] == "0.00" and stored["late_step_refs"] == [[month["a"].code, "Thẩm định hồ sơ"]]
    assert facts[staff.leader.pk].as_dict()["on_time_share"] is None


def test_facts_stored_by_an_older_version_still_load():
    old = {"user_id": 7, "start": "2026-03-01", "end": "2026-03-31", "steps_finished": 2, "steps_on_time": 1, "steps_late": 1,
           "on_time_share": "50.00", "training_hours": "3.5", "retired_field": 1}
    facts = StaffMonthFacts.from_dict(old)
    assert facts.on_time_share == Decimal("50.00") and facts.training_hours == Decimal("3.5") and facts.inspection_ids == ()
    assert facts.ratings_satisfied_share is None


# ------------------------------------------------------------------------------------------------ the facts table


def render_facts(facts) -> str:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("vi"):
        return render_to_string("evaluation/_facts.html", {"facts": facts})


def test_the_table_shows_the_facts_in_vietnamese_with_links(month, staff, inspections):
    from django.urls import reverse

    facts = facts_for([staff.officer.pk, staff.specialist.pk], *MARCH)
    html = render_facts(facts[staff.officer.pk])
    assert "<caption" in html and 'scope="row"' in html and "01/03/2026" in html and "31/03/2026" in html
    assert "Hồ sơ tiếp nhận tại quầy" in html and "đúng hạn 2, trễ hạn 0" in html and "100%" in html
    assert "hài lòng 2, 66,67%" in html
    assert f'href="{reverse("feedback_staff:detail", args=[month["upheld"].code])}"' in html
    assert f'href="{reverse("people:inspection", args=[inspections.pk])}"' in html
    assert "Vi phạm — Đeo thẻ công chức" in html and "12,5 giờ" in html and "Kỹ năng giao tiếp với người dân" in html
    late = render_facts(facts[staff.specialist.pk])
    assert f'href="{reverse("dossiers:detail", args=[month["a"].code])}"' in late and "Thẩm định hồ sơ" in late
    assert "0%" in late


def test_the_table_of_a_quiet_month_and_of_findings_stored_without_ids():
    quiet = render_facts(StaffMonthFacts(user_id=1, start=MARCH[0], end=MARCH[1]))
    assert "Không có bước hoàn thành" in quiet and "<a " not in quiet and "0 giờ" in quiet
    # Facts stored before the inspections' ids were kept: the finding is shown, as text, without a link.
    older = StaffMonthFacts(user_id=1, start=MARCH[0], end=MARCH[1], inspection_violations=1,
                            inspection_refs=(("KT-2026-001", "Vi phạm — Giờ làm việc"),))
    html = render_facts(older)
    assert "KT-2026-001" in html and "Vi phạm — Giờ làm việc" in html and "<a " not in html
