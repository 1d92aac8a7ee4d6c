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

from congvu.core.text import fold
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


def worklist(user, now: dt.datetime | None = None) -> list[DossierStep]:
    """Active steps of open dossiers at the user's unit or assigned to the user, soonest due first, each with
    `overdue` and `due_soon` (within one working day of office time) set."""
    profile = staff_profile_of(user)
    if profile is None:
        return []
    now = now or timezone.now()
    steps = (
        DossierStep.objects.filter(status=StepStatus.ACTIVE, dossier__state__in=_OPEN)
        .filter(Q(unit=profile.unit) | Q(assignee=user))
        .select_related("dossier__procedure_version__procedure", "dossier__applicant", "dossier__receiving_unit", "unit", "assignee")
        .order_by("due_at", "dossier__code")
    )
    from congvu.workcal.services import calendar_for

    result = []
    calendars = {}  # one per receiving unit: calendar_for asks the database on every call
    for step in steps:
        step.overdue = step.due_at is not None and now > step.due_at
        paused = DossierState(step.dossier.state) in PAUSED_STATES
        unit = step.dossier.receiving_unit
        if not step.overdue and not paused and step.due_at is not None and unit.pk not in calendars:
            calendars[unit.pk] = calendar_for(unit)
        step.due_soon = (not step.overdue and not paused and step.due_at is not None
                         and calendars[unit.pk].working_time_between(now, step.due_at) <= ONE_WORKING_DAY)
        result.append(step)
    return result


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
