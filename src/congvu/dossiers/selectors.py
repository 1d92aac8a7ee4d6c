"""Reads of dossiers, always scoped to what the user may see.

Scope rule: a user sees a dossier when its receiving unit, its lead handling unit, its current unit, or the
unit of any of its steps lies in the user's scope (units.selectors: their unit's subtree and the units merged
into it). So the centre that received it, the commune that decides, and every body of a joint (liên thông)
processing see it — and nobody else: another commune's officer never does. Filtering is one SQL statement
(subqueries on the unit ids), never a per-object check.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from congvu.core.text import fold, search_terms
from congvu.dossiers.models import Dossier, DossierEvent, DossierStep, StepStatus
from congvu.dossiers.services.deadlines import ONE_WORKING_DAY
from congvu.dossiers.states import OPEN_STATES, PAUSED_STATES, DossierState
from congvu.units.selectors import scope_of, staff_profile_of
from congvu.units.models import Unit

_OPEN = [s.value for s in OPEN_STATES]


def dossiers_for(user) -> QuerySet[Dossier]:
    scope = scope_of(user)
    qs = Dossier.objects.select_related("procedure_version__procedure", "receiving_unit", "handling_unit", "current_unit", "applicant")
    if scope.everything:
        return qs
    if scope.is_empty:
        return qs.none()
    units = Unit.objects.filter(scope.q()).values("pk")
    in_steps = DossierStep.objects.filter(dossier=OuterRef("pk"), unit__in=units)
    return qs.filter(Q(receiving_unit__in=units) | Q(handling_unit__in=units) | Q(current_unit__in=units) | Exists(in_steps))


def dossier_for(user, code: str) -> Dossier | None:
    """The dossier with this code if the user may see it; None both when it does not exist and when it lies
    outside their scope (the two must look the same)."""
    code = str(code or "").replace("\x00", "")
    return dossiers_for(user).filter(code=code).first()


def dossier_list(user, status=None, unit=None, procedure=None, overdue=None, received_from: dt.date | None = None,
                 received_to: dt.date | None = None, q: str | None = None, now: dt.datetime | None = None) -> QuerySet[Dossier]:
    """Filtered list in a stable order (newest receipt first, then code). `unit` is a Unit or its code and
    matches the receiving, handling or current unit; `procedure` a procedure code; `q` accent-insensitive."""
    qs = dossiers_for(user)
    if status:
        qs = qs.filter(state=str(status))
    if unit:
        unit_code = unit.code if isinstance(unit, Unit) else str(unit)
        qs = qs.filter(Q(receiving_unit__code=unit_code) | Q(handling_unit__code=unit_code) | Q(current_unit__code=unit_code))
    if procedure:
        qs = qs.filter(procedure_version__procedure__code=str(procedure))
    if overdue is not None:
        late = Q(state__in=_OPEN, due_at__lt=now or timezone.now()) & ~Q(state__in=[s.value for s in PAUSED_STATES])
        qs = qs.filter(late) if overdue else qs.exclude(late)
    tz = timezone.get_current_timezone()
    if received_from:
        qs = qs.filter(received_at__gte=dt.datetime.combine(received_from, dt.time.min, tz))
    if received_to:
        qs = qs.filter(received_at__lt=dt.datetime.combine(received_to + dt.timedelta(days=1), dt.time.min, tz))
    if q:
        for term in fold(str(q).replace("\x00", "")).split():
            qs = qs.filter(search_text__contains=term)
    return qs.order_by("-submitted_at", "-code")


def events_of(dossier: Dossier) -> QuerySet[DossierEvent]:
    return dossier.events.select_related("actor").order_by("seq")


def steps_of(dossier: Dossier) -> QuerySet[DossierStep]:
    return dossier.steps.select_related("unit", "assignee").order_by("position")


# The worklist's order: soonest due first, then by code (steps due the same closing time are many).
WORKLIST_ORDERING = ["due_at", "dossier__code"]
WORKLIST_DUE = ("overdue", "soon")
# A working day never spans more than ten calendar days (Tết): no step due later can be due within one.
_SOON_HORIZON = dt.timedelta(days=10)


def worklist_steps(user, *, q: str = "", mine: bool = False, due: str = "", now: dt.datetime | None = None,
                   calendars: dict | None = None) -> QuerySet[DossierStep]:
    """The active steps of open dossiers at the user's unit or assigned to the user, filtered in SQL: `mine`
    keeps the steps assigned to the user, `q` matches the dossier's folded text, `due` is "overdue" (past due)
    or "soon" (past due, or within one working day of office time by the receiving unit's calendar while the
    clock runs). Unordered: page it with core.keyset in WORKLIST_ORDERING. `calendars` (receiving unit id →
    calendar) is filled with the calendars the "soon" filter looked up, for the page's marks to reuse."""
    profile = staff_profile_of(user)
    if profile is None:
        return DossierStep.objects.none()
    now = now or timezone.now()
    steps = DossierStep.objects.filter(status=StepStatus.ACTIVE, dossier__state__in=_OPEN)
    steps = steps.filter(assignee=user) if mine else steps.filter(Q(unit=profile.unit) | Q(assignee=user))
    return _worklist_filters(steps, q, due, now, calendars)


def worklist_parts(user, *, q: str = "", mine: bool = False, due: str = "", now: dt.datetime | None = None,
                   calendars: dict | None = None) -> list[QuerySet[DossierStep]]:
    """worklist_steps as disjoint parts, for keyset.page_of_union: the steps at the user's unit, and those
    assigned to the user at other units. Each part is one ordered scan of an index on (unit or assignee, due
    time) of the active steps, where their OR is a sort of every active step of the unit."""
    profile = staff_profile_of(user)
    if profile is None:
        return []
    now = now or timezone.now()
    steps = DossierStep.objects.filter(status=StepStatus.ACTIVE, dossier__state__in=_OPEN)
    if mine:
        parts = [steps.filter(assignee=user)]
    else:
        parts = [steps.filter(unit=profile.unit), steps.filter(assignee=user).exclude(unit=profile.unit)]
    calendars = {} if calendars is None else calendars
    return [_worklist_filters(part, q, due, now, calendars) for part in parts]


def _worklist_filters(steps, q, due, now, calendars) -> QuerySet[DossierStep]:
    for term in search_terms(q):
        steps = steps.filter(dossier__search_text__contains=term)
    if due == "overdue":
        steps = steps.filter(due_at__lt=now)
    elif due == "soon":
        steps = steps.filter(Q(due_at__lt=now) | _due_soon_q(steps, now, {} if calendars is None else calendars))
    return steps.select_related("dossier__procedure_version__procedure", "dossier__applicant", "dossier__receiving_unit", "unit", "assignee")


def _due_soon_q(steps: QuerySet[DossierStep], now: dt.datetime, calendars: dict) -> Q:
    """Steps not yet due whose remaining office time is at most one working day, while the dossier's clock
    runs: due before the receiving unit's calendar's `now + one working day + 1 µs` (the office time elapsed
    stays at one working day through the closed hours that follow, and grows as soon as the office opens).
    One query finds the receiving units of the candidates (due within the horizon); units whose calendars
    give the same bound share one condition."""
    from congvu.workcal.services import calendar_for

    paused = [s.value for s in PAUSED_STATES]
    candidates = steps.filter(due_at__gte=now, due_at__lte=now + _SOON_HORIZON).exclude(dossier__state__in=paused)
    units = Unit.objects.filter(pk__in=candidates.values("dossier__receiving_unit"))
    by_bound: dict[dt.datetime, list[int]] = {}
    for unit in units:
        if unit.pk not in calendars:
            calendars[unit.pk] = calendar_for(unit)
        bound = calendars[unit.pk].add_working_hours(now, ONE_WORKING_DAY + dt.timedelta(microseconds=1))
        by_bound.setdefault(bound, []).append(unit.pk)
    soon = Q(pk__in=[])
    for bound, unit_ids in by_bound.items():
        soon |= Q(dossier__receiving_unit__in=unit_ids, due_at__lt=bound)
    return Q(due_at__gte=now) & ~Q(dossier__state__in=paused) & soon


def mark_steps(steps, now: dt.datetime, calendars: dict | None = None):
    """Yield each step with `overdue` and `due_soon` (within one working day of office time, clock running)
    set; a receiving unit's calendar is looked up once (calendar_for asks the database on every call)."""
    from congvu.workcal.services import calendar_for

    calendars = {} if calendars is None else calendars
    for step in steps:
        step.overdue = step.due_at is not None and now > step.due_at
        paused = DossierState(step.dossier.state) in PAUSED_STATES
        step.due_soon = False
        if not step.overdue and not paused and step.due_at is not None:
            unit = step.dossier.receiving_unit
            if unit.pk not in calendars:
                calendars[unit.pk] = calendar_for(unit)
            step.due_soon = calendars[unit.pk].working_time_between(now, step.due_at) <= ONE_WORKING_DAY
        yield step


def worklist(user, now: dt.datetime | None = None) -> list[DossierStep]:
    """The whole worklist, soonest due first, each step with `overdue` and `due_soon` set (pages show it by
    keyset pages of worklist_steps instead)."""
    from congvu.core import keyset

    now = now or timezone.now()
    return list(mark_steps(keyset.order_by(worklist_steps(user, now=now), WORKLIST_ORDERING), now))


def warnings(user, now: dt.datetime | None = None) -> list[Dossier]:
    """Open dossiers in scope, clock running, overdue or due within one working day (soonest first)."""
    now = now or timezone.now()
    from congvu.dossiers.services.deadlines import at_risk

    running = [s.value for s in OPEN_STATES - PAUSED_STATES]
    horizon = now + dt.timedelta(days=10)  # a working day never spans more than ten calendar days (Tết)
    candidates = dossiers_for(user).filter(state__in=running, due_at__lte=horizon).order_by("due_at", "code")
    return [d for d in candidates if at_risk(d, now)]


ONLINE_WAITING_SHOWN = 50


def online_waiting(user) -> list[Dossier]:
    """Dossiers filed online that wait for a one-stop officer (oldest first), for the counters in the user's
    scope: they have no step yet, so the worklist of steps would never show them."""
    from congvu.dossiers import permissions
    from congvu.units.selectors import staff_profile_of

    profile = staff_profile_of(user)
    if not getattr(user, "is_superuser", False) and (profile is None or profile.role not in permissions.COUNTER_ROLES):
        return []
    qs = dossiers_for(user).filter(state=DossierState.SUBMITTED_ONLINE.value)
    return list(qs.select_related("procedure_version__procedure", "receiving_unit", "applicant").order_by("submitted_at", "code")[:ONLINE_WAITING_SHOWN])
