"""Reads of inspections, discipline and training — the interface evaluation and emulation code against
(see the contract of issue 6): `discipline_severity`, `discipline_in_year`, `findings_for_staff`,
`training_for_staff`. Each batched function runs a fixed number of queries for any number of people and
returns a key for every id asked about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from congvu.people.discipline import DISCIPLINE_FORMS, discipline_severity, sort_newest_first  # noqa: F401 (re-exported)
from congvu.people.models import (
    ActionState, CorrectiveAction, DisciplineRecord, Inspection, InspectionFinding, InspectionPlan, InspectionState,
    TrainingAttendance, TrainingCourse,
)

__all__ = ["DISCIPLINE_FORMS", "discipline_severity", "discipline_in_year", "findings_for_staff", "training_for_staff"]


def _ids(user_ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in user_ids})


def discipline_in_year(user_ids: Iterable[int], year: int) -> dict[int, list[DisciplineRecord]]:
    """Each person's discipline decisions dated in `year` (annulled ones excluded), newest first."""
    ids = _ids(user_ids)
    out: dict[int, list[DisciplineRecord]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = DisciplineRecord.objects.filter(staff_id__in=ids, decision_date__year=year, annulled=False).select_related("unit")
    for record in rows:
        out[record.staff_id].append(record)
    return {i: sort_newest_first(records) for i, records in out.items()}


def findings_for_staff(user_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, list[InspectionFinding]]:
    """Findings naming each person, of concluded inspections dated in [start, end], oldest inspection first.
    Draft records do not count: a finding is a fact only once the inspection concluded."""
    ids = _ids(user_ids)
    out: dict[int, list[InspectionFinding]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = (InspectionFinding.objects
            .filter(staff_id__in=ids, inspection__state=InspectionState.CONCLUDED, inspection__date__gte=start, inspection__date__lte=end)
            .select_related("inspection", "unit")
            .order_by("inspection__date", "inspection_id", "pk"))
    for finding in rows:
        out[finding.staff_id].append(finding)
    return out


def training_for_staff(user_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, list[TrainingAttendance]]:
    """Attendance (attended only) at courses ending in [start, end], in course order."""
    ids = _ids(user_ids)
    out: dict[int, list[TrainingAttendance]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = (TrainingAttendance.objects
            .filter(staff_id__in=ids, attended=True, course__end_date__gte=start, course__end_date__lte=end)
            .select_related("course")
            .order_by("course__end_date", "course_id", "pk"))
    for attendance in rows:
        out[attendance.staff_id].append(attendance)
    return out
