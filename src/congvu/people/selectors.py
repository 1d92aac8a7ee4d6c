"""Reads of inspections, discipline and training — the interface evaluation and emulation code against
(see the contract of issue 6): `discipline_severity`, `discipline_in_year`, `findings_for_staff`,
`training_for_staff`. Each batched function runs a fixed number of queries for any number of people and
returns a key for every id asked about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from congvu.people import access
from congvu.people.discipline import DISCIPLINE_FORMS, discipline_severity, sort_newest_first  # noqa: F401 (re-exported)
from congvu.people.models import (
    ActionState, CorrectiveAction, DisciplineRecord, Inspection, InspectionFinding, InspectionPlan, InspectionState,
    TrainingAttendance, TrainingCourse,
)
from congvu.people.followup import follow_up_status
from congvu.units.models import Role, StaffProfile
from congvu.units.selectors import scope_queryset, visible_units

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


# ------------------------------------------------------------------------------------------------ pages
# The lists of the people pages and their Excel exports: scoped in SQL by the rules of congvu.people.access.


def _search(qs: QuerySet, q: str, *fields: str) -> QuerySet:
    for term in q.split():
        cond = Q()
        for field in fields:
            cond |= Q(**{f"{field}__icontains": term})
        qs = qs.filter(cond)
    return qs


def _ordered(qs: QuerySet, sort: str, orders: dict[str, tuple[str, ...]], default: str) -> QuerySet:
    return qs.order_by(*orders.get(sort, orders[default]), "-pk")


PLAN_SORTS = {"-start": ("-start_date",), "start": ("start_date",), "code": ("code",), "title": ("title",)}


def plans_for(user, *, year: int | None = None, kind: str = "", q: str = "", sort: str = "-start") -> QuerySet[InspectionPlan]:
    """Plans the inspectorate and the administrators may read (never the inspected units): those of units or
    an inspecting unit in scope, plus those the user is on the team of."""
    team = Q(team=user) | Q(created_by=user) | Q(team_leader=user)
    if access.is_inspector(user) or access.is_admin_reader(user):
        units = visible_units(user).values("pk")
        qs = InspectionPlan.objects.filter(Q(units__in=units) | Q(owner_unit__in=units) | team)
    else:
        qs = InspectionPlan.objects.filter(team)
    qs = InspectionPlan.objects.filter(pk__in=qs.values("pk")).select_related("checklist", "team_leader", "owner_unit")
    if year:
        qs = qs.filter(start_date__year__lte=year, end_date__year__gte=year)
    if kind:
        qs = qs.filter(kind=kind)
    qs = _search(qs, q, "code", "title")
    return _ordered(qs, sort, PLAN_SORTS, "-start")


INSPECTION_SORTS = {"-date": ("-date",), "date": ("date",), "code": ("code",), "unit": ("unit__name",)}


def inspections_for(user, *, state: str = "", year: int | None = None, q: str = "", sort: str = "-date", violations: bool = False) -> QuerySet[Inspection]:
    """Records the user may read in full: the inspectorate's in scope (drafts too) and their team's; a unit
    leader's concluded ones in scope. Annotated with the number of findings and of violations."""
    from django.db.models import Count

    team = Q(plan__team=user) | Q(plan__created_by=user) | Q(plan__team_leader=user)
    if access.is_inspector(user) or access.is_admin_reader(user):
        base = scope_queryset(Inspection.objects.all(), user).values("pk")
        qs = Inspection.objects.filter(Q(pk__in=base) | team)
    elif access.is_leader(user):
        base = scope_queryset(Inspection.objects.filter(state=InspectionState.CONCLUDED), user).values("pk")
        qs = Inspection.objects.filter(Q(pk__in=base) | team)
    else:
        qs = Inspection.objects.filter(team)
    qs = (Inspection.objects.filter(pk__in=qs.values("pk")).select_related("unit", "plan")
          .annotate(finding_count=Count("findings", distinct=True), violation_count=Count("findings", filter=Q(findings__is_violation=True), distinct=True)))
    if state:
        qs = qs.filter(state=state)
    if year:
        qs = qs.filter(date__year=year)
    if violations:
        qs = qs.filter(violation_count__gt=0)
    qs = _search(qs, q, "code", "unit__name", "plan__title")
    return _ordered(qs, sort, INSPECTION_SORTS, "-date")


def visible_findings(user, inspection: Inspection) -> list[InspectionFinding]:
    """Every finding for those who read the whole record; a named staff member's own findings otherwise."""
    qs = inspection.findings.select_related("staff", "unit", "checklist_item").prefetch_related("evidence__file").order_by("pk")
    if access.can_view_inspection(user, inspection):
        return list(qs)
    return list(qs.filter(staff_id=user.pk)) if inspection.is_concluded else []


ACTION_SORTS = {"deadline": ("deadline",), "-deadline": ("-deadline",), "unit": ("unit__name", "deadline")}
ACTION_STATUSES = ("open", "overdue", "reported", "done")


def actions_for(user, *, status: str = "", sort: str = "deadline") -> list[CorrectiveAction]:
    """Corrective actions of concluded inspections the user reads (the inspectorate's, the unit leaders'),
    each with `.status` computed (open / overdue / reported / reported_late / done)."""
    from django.utils import timezone

    readable = inspections_for(user).filter(state=InspectionState.CONCLUDED).values("pk")
    qs = CorrectiveAction.objects.filter(inspection__in=readable).select_related("inspection", "unit")
    today = timezone.localdate()
    if status == "done":
        qs = qs.filter(state=ActionState.DONE)
    elif status == "reported":
        qs = qs.filter(state=ActionState.REPORTED)
    elif status == "open":
        qs = qs.filter(state=ActionState.OPEN, deadline__gte=today)
    elif status == "overdue":
        qs = qs.filter(state=ActionState.OPEN, deadline__lt=today)
    rows = list(_ordered(qs, sort, ACTION_SORTS, "deadline"))
    for action in rows:
        action.status = follow_up_status(action.state, action.deadline, today,
                                         timezone.localtime(action.reported_at).date() if action.reported_at else None)
    return rows


DISCIPLINE_SORTS = {"-date": ("-decision_date",), "date": ("decision_date",), "name": ("staff__last_name", "staff__first_name"), "form": ("form",)}


def discipline_for(user, *, year: int | None = None, form: str = "", q: str = "", sort: str = "-date", annulled: bool = False) -> QuerySet[DisciplineRecord]:
    """Records of people in scope for leaders, inspectors and administrators; one's own otherwise."""
    if access.can_list_discipline(user):
        qs = DisciplineRecord.objects.filter(Q(pk__in=scope_queryset(DisciplineRecord.objects.all(), user).values("pk")) | Q(staff=user))
    else:
        qs = DisciplineRecord.objects.filter(staff=user)
    qs = qs.select_related("staff", "unit")
    if not annulled:
        qs = qs.filter(annulled=False)
    if year:
        qs = qs.filter(decision_date__year=year)
    if form:
        qs = qs.filter(form=form)
    qs = _search(qs, q, "staff__first_name", "staff__last_name", "staff__username", "decision_number")
    return _ordered(qs, sort, DISCIPLINE_SORTS, "-date")


COURSE_SORTS = {"-start": ("-start_date",), "start": ("start_date",), "name": ("name",), "hours": ("-hours",)}


def courses_for(user, *, year: int | None = None, q: str = "", sort: str = "-start") -> QuerySet[TrainingCourse]:
    from django.db.models import Count

    units = visible_units(user).values("pk")
    qs = TrainingCourse.objects.filter(Q(organiser__in=units) | Q(attendance__unit__in=units) | Q(attendance__staff=user))
    qs = (TrainingCourse.objects.filter(pk__in=qs.values("pk")).select_related("organiser")
          .annotate(attended_count=Count("attendance", filter=Q(attendance__attended=True))))
    if year:
        qs = qs.filter(end_date__year=year)
    qs = _search(qs, q, "name", "topic")
    return _ordered(qs, sort, COURSE_SORTS, "-start")


def attendance_of(user, course: TrainingCourse) -> list[TrainingAttendance]:
    """The course's attendance the user may read: everyone's when the organiser is in scope, else the
    rows of units in scope and their own."""
    qs = course.attendance.select_related("staff", "unit").order_by("unit__name", "staff__last_name", "staff__first_name", "pk")
    from congvu.units.selectors import can_see_unit

    if can_see_unit(user, course.organiser):
        return list(qs)
    return list(qs.filter(Q(unit__in=visible_units(user).values("pk")) | Q(staff=user)))


def staff_choices(unit_qs) -> QuerySet:
    """Active staff of the given units, as users, for a form's choices."""
    return (get_user_model().objects.filter(is_active=True, staff_profile__unit__in=unit_qs.values("pk"))
            .select_related("staff_profile__unit").order_by("last_name", "first_name", "username"))


def inspectors_in(units_qs) -> QuerySet:
    return get_user_model().objects.filter(is_active=True, staff_profile__role=Role.INSPECTOR,
                                           staff_profile__unit__in=units_qs.values("pk")).order_by("last_name", "first_name", "username")


def my_records(user, year: int | None = None) -> dict:
    """What is recorded about the user: findings of concluded inspections, discipline (annulled too, marked),
    training attended."""
    findings = (InspectionFinding.objects.filter(staff=user, inspection__state=InspectionState.CONCLUDED)
                .select_related("inspection", "unit").order_by("-inspection__date", "-pk"))
    discipline = DisciplineRecord.objects.filter(staff=user).order_by("-decision_date", "-pk")
    training = TrainingAttendance.objects.filter(staff=user).select_related("course").order_by("-course__end_date", "-pk")
    if year:
        findings = findings.filter(inspection__date__year=year)
        discipline = discipline.filter(decision_date__year=year)
        training = training.filter(course__end_date__year=year)
    return {"findings": list(findings), "discipline": list(discipline), "training": list(training)}


def profile_unit(user):
    profile = StaffProfile.objects.select_related("unit").filter(user=user).first()
    return profile.unit if profile else None
