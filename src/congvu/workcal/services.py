"""Working calendars built from what administrators configured, one per unit, cached in the process.

`calendar_for(unit)` is the one way the rest of congvu gets a calendar (dossier due dates, step shares,
lateness, feedback deadlines). It layers, on Vietnam's public holidays:
  * the installation-wide overrides (no unit), then those of the unit's ancestors, then the unit's own, each
    level taking precedence over the one above it (a commune may open on a day the province closes);
  * the unit's office hours, else its nearest ancestor's, else the installation's, else the shipped default.

Cache: a calendar is kept per (unit, tree path) and dropped when overrides or office hours change — at once in
this process (post_save / post_delete), and in every other worker process because each call compares a
cheap revision stamp of both tables (row counts and last update) with the one the cache was built at.
Writes that bypass `save()` (QuerySet.update) change neither, so edit through the admin or the models.
"""

from __future__ import annotations

import threading
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from .core import OfficeHours as WeeklyHours
from .core import Override, OverrideKind, WorkCalendar
from .models import CalendarOverride, OfficeHours
from .official import DEFAULT_OFFICE_HOURS, OFFICIAL_OVERRIDES
from .public_holidays import VietnamHolidays

_lock = threading.Lock()
_cache: dict[Any, WorkCalendar] = {}
_cache_revision: tuple | None = None


def _revision() -> tuple:
    """What the cached calendars were built from, in one round trip: it is asked on every deadline computed.
    (Raw values are compared only with each other, so a backend's datetime type does not matter.)"""
    overrides, hours = CalendarOverride._meta.db_table, OfficeHours._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {overrides}), (SELECT MAX(updated_at) FROM {overrides}),"
            f" (SELECT COUNT(*) FROM {hours}), (SELECT MAX(updated_at) FROM {hours})"
        )
        return tuple(cursor.fetchone())


def calendar_for(unit=None) -> WorkCalendar:
    """The working calendar of `unit` (a `units.Unit`), or of the installation as a whole when None."""
    global _cache_revision
    revision = _revision()
    key = None if unit is None else (unit.pk, unit.path)
    with _lock:
        if revision != _cache_revision:
            _cache.clear()
            _cache_revision = revision
        calendar = _cache.get(key)
    if calendar is None:
        calendar = _build(unit)
        with _lock:
            # Only keep it if nothing changed while it was being built; otherwise the next call rebuilds.
            if _cache_revision == revision:
                calendar = _cache.setdefault(key, calendar)
    return calendar


def _build(unit) -> WorkCalendar:
    chain = [*type(unit).objects.get_ancestors(unit), unit] if unit is not None else []
    depth = {u.pk: u.depth for u in chain}
    scope = Q(unit__isnull=True) | Q(unit_id__in=list(depth))
    overrides = [
        Override(
            row.date, OverrideKind(row.kind), row.reason, row.decision_number, row.decision_date,
            precedence=depth.get(row.unit_id, 0),
        )
        for row in CalendarOverride.objects.filter(scope)
    ]
    by_unit: dict[int | None, list[OfficeHours]] = {}
    for row in OfficeHours.objects.filter(scope).order_by("weekday", "start"):
        by_unit.setdefault(row.unit_id, []).append(row)
    hours = DEFAULT_OFFICE_HOURS
    for owner in [*(u.pk for u in reversed(chain)), None]:
        if owner in by_unit:
            weekly: dict[int, list] = {}
            for row in by_unit[owner]:
                weekly.setdefault(row.weekday, []).append((row.start, row.end))
            hours = WeeklyHours.from_mapping(weekly)
            break
    return WorkCalendar(hours, overrides, holidays=VietnamHolidays(), tz=settings.TIME_ZONE)


def invalidate_calendars(**_: object) -> None:
    """Forget every cached calendar (receiver of the model signals; callable directly too)."""
    global _cache_revision
    with _lock:
        _cache.clear()
        _cache_revision = None


def connect_signals() -> None:
    for model in (CalendarOverride, OfficeHours, apps.get_model("units", "Unit")):
        # A unit moved in the tree has other ancestors, hence other closures and hours.
        post_save.connect(invalidate_calendars, sender=model, dispatch_uid=f"workcal.invalidate.save.{model._meta.label}")
        post_delete.connect(invalidate_calendars, sender=model, dispatch_uid=f"workcal.invalidate.delete.{model._meta.label}")


@transaction.atomic
def load_official_overrides() -> int:
    """Create the shipped official overrides that are missing, leaving edited ones alone; returns how many
    were created. The data migration does the same on install; call this after anything that empties the
    table (`manage flush`, a demo reset)."""
    created = 0
    for entry in OFFICIAL_OVERRIDES:
        _, was_created = CalendarOverride.objects.get_or_create(
            date=entry.day, kind=entry.kind.value, unit=None,
            defaults={"reason": entry.reason, "decision_number": entry.decision_number, "decision_date": entry.decision_date},
        )
        created += was_created
    return created
