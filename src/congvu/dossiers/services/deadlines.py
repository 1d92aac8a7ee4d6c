"""Due times from the procedure's time limit on the receiving unit's working calendar (DESIGN.md "Deadlines").
All arithmetic is `workcal`'s; nothing here adds dates by hand except calendar-day limits, which the
Civil Code counts in calendar days (art. 147–148: a limit ending on a day off ends on the next working day)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.utils import timezone

from congvu.catalog.models import TimeLimitUnit
from congvu.workcal.services import calendar_for

# A working day counts as 8 office hours when a share of it is a fraction (DOMAIN.md §3).
HOURS_PER_WORKING_DAY = 8
ONE_WORKING_DAY = dt.timedelta(hours=HOURS_PER_WORKING_DAY)
# Decree 61/2018 art. 19 (kept by Decree 118/2025): a same-day procedure received after 15:00 is due the next working day.
SAME_DAY_CUTOFF = dt.time(15, 0)


def calendar_of(dossier):
    return calendar_for(dossier.receiving_unit)


def add_limit(calendar, version, start: dt.datetime, amount: Decimal | int) -> dt.datetime:
    """`start` plus `amount` of the version's time-limit unit."""
    amount = Decimal(amount)
    unit = version.time_limit_unit
    if unit == TimeLimitUnit.WORKING_HOURS:
        return calendar.add_working_hours(start, amount)
    if unit == TimeLimitUnit.DAYS:
        day = timezone.localtime(start, calendar.tz).date() + dt.timedelta(days=math.ceil(amount))
        while not calendar.is_working_day(day):
            day += dt.timedelta(days=1)
        return calendar.working_hours_on(day)[-1][1]
    whole = int(amount)
    due = calendar.add_working_days(start, whole)
    fraction = amount - whole
    if fraction:
        due = calendar.add_working_hours(due, fraction * HOURS_PER_WORKING_DAY)
    return due


def due_from(version, calendar, start: dt.datetime) -> dt.datetime:
    """The appointment for a dossier of `version` whose clock starts at `start`."""
    if version.same_day:
        local = timezone.localtime(start, calendar.tz)
        late_in_day = calendar.is_working_day(local.date()) and local.time() >= SAME_DAY_CUTOFF
        return calendar.add_working_days(start, 1 if late_in_day else 0)
    return add_limit(calendar, version, start, version.time_limit_value or 0)


def step_due_times(version, calendar, start: dt.datetime, shares: list[Decimal]) -> list[dt.datetime]:
    """Each step's due time: the clock start plus the shares of the steps up to and including it, so the
    last step is due when the dossier is (the shares add up to the time limit, catalog.validate_workflow)."""
    total = Decimal(0)
    result = []
    for share in shares:
        total += Decimal(share)
        result.append(add_limit(calendar, version, start, total))
    return result


def shift(calendar, instant: dt.datetime | None, paused: dt.timedelta) -> dt.datetime | None:
    """Move a due time on by the office time the clock was paused (OpenCPS and Decree 61 art. 19: the time
    the applicant takes to complete the dossier is not counted)."""
    if instant is None or paused <= dt.timedelta(0):
        return instant
    return calendar.add_working_hours(instant, paused)


def previous_working_day_close(calendar, instant: dt.datetime) -> dt.datetime:
    """The close of office hours of the working day before the day of `instant`."""
    day = timezone.localtime(instant, calendar.tz).date() - dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return calendar.working_hours_on(day)[-1][1]


def at_risk(dossier, now: dt.datetime | None = None) -> bool:
    """Whether an open dossier whose clock runs is overdue or has at most one working day of office time left."""
    from congvu.dossiers.states import DossierState

    if dossier.due_at is None or not DossierState(dossier.state).is_open or dossier.paused_at is not None:
        return False
    now = now or timezone.now()
    return calendar_of(dossier).working_time_between(now, dossier.due_at) <= ONE_WORKING_DAY


def is_overdue(dossier, now: dt.datetime | None = None) -> bool:
    from congvu.dossiers.states import DossierState

    return dossier.due_at is not None and DossierState(dossier.state).is_open and (now or timezone.now()) > dossier.due_at
