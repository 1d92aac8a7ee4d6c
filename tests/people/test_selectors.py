"""The selectors evaluation and emulation read: every id a key, the right rows, a fixed number of queries."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from congvu.people import selectors, services

D = dt.date


def test_discipline_in_year(people):
    def rec(staff, number, day, form="reprimand", who=None):
        return services.record_discipline(who or people.leader_a, staff=staff, form=form, decision_number=number, decision_date=day,
                                          signer="Chủ tịch", reason="x")

    old = rec(people.officer, "1", D(2025, 12, 31))
    first = rec(people.officer, "2", D(2026, 3, 1), "warning")
    second = rec(people.officer, "3", D(2026, 9, 1))
    annulled = rec(people.specialist_a, "4", D(2026, 5, 1))
    services.annul_discipline(annulled, people.leader_a, "Hủy.")
    with CaptureQueriesContext(connection) as queries:
        result = selectors.discipline_in_year([people.officer.pk, people.specialist_a.pk, people.leader_b.pk], 2026)
    assert len(queries) == 1
    assert result == {people.officer.pk: [second, first], people.specialist_a.pk: [], people.leader_b.pk: []}
    assert old not in result[people.officer.pk]
    assert selectors.discipline_in_year([], 2026) == {}
    assert selectors.discipline_severity(result[people.officer.pk][1].form) == 2


def test_findings_only_of_concluded_inspections_in_range(concluded, plan, people, place):
    draft = services.open_inspection(plan, people.inspector, unit=place.a, date=D(2026, 10, 20))
    services.add_finding(draft, people.inspector, label="x", staff=people.officer, description="chưa kết luận")
    result = selectors.findings_for_staff([people.officer.pk, people.specialist_a.pk], D(2026, 10, 1), D(2026, 10, 31))
    (finding,) = result[people.officer.pk]
    assert result[people.specialist_a.pk] == []
    assert finding.is_violation and finding.severity == "minor" and finding.unit_id == place.centre.pk
    assert finding.inspection.code == concluded.code and finding.inspection.get_absolute_url().endswith(f"/{concluded.pk}/")
    assert finding.checklist_item_label.startswith("Đeo thẻ công chức")
    assert selectors.findings_for_staff([people.officer.pk], D(2026, 11, 1), D(2026, 11, 30)) == {people.officer.pk: []}


def test_training_for_staff(people, place):
    course = services.create_course(people.leader_a, name="Kỹ năng giao tiếp", organiser=place.a, start_date=D(2026, 9, 28),
                                    end_date=D(2026, 10, 2), hours=Decimal("12.5"))
    services.record_attendance(course, people.leader_a, [people.officer])
    services.record_attendance(course, people.leader_a, [people.specialist_a], attended=False)
    with CaptureQueriesContext(connection) as queries:
        result = selectors.training_for_staff([people.officer.pk, people.specialist_a.pk], D(2026, 10, 1), D(2026, 10, 31))
    assert len(queries) == 1
    (row,) = result[people.officer.pk]
    assert (row.course.name, row.course.hours, row.completed_on) == ("Kỹ năng giao tiếp", Decimal("12.5"), D(2026, 10, 2))
    assert result[people.specialist_a.pk] == []
    assert selectors.training_for_staff([people.officer.pk], D(2026, 9, 1), D(2026, 9, 30)) == {people.officer.pk: []}
