"""Decision 766 group 1 (publicity, transparency), indicators 1.1–1.3, from the procedure catalogue.

Which procedures count for a unit (`procedure_levels_for` / `versions_for_unit`, shared with indicator 3.1):
the versions whose implementing levels (`VersionLevel`) include a level the unit implements. A commune (and a
district before July 2025, whose procedures passed to the communes) implements commune-level procedures; a
department implements province-level ones; the province itself, which announces every procedure applied in it,
both; a service centre, one-stop desk or office implements those of the nearest unit above it that has a
level of its own.

- 1.1 announced on time: versions (new, amended or repealed — published or abolished, never drafts) whose
  announcing decision is dated within the period; on time when the decision date is no later than the
  effective date minus 5 working days (INDEX766.md 1.1, the provincial rule), counted on the unit's working
  calendar (`workcal`, with holidays and swapped working days). A version without a decision date cannot be
  judged and is left out of both numbers.
- 1.2 published on time: the same versions; on time when they were published no later than 5 working days
  after the decision. Proxy, because congvu does not see the national database (CSDLQG, issue 8): the day the
  version was published in congvu's catalogue — the first recorded change of its status to "published"
  (`ProcedureChange`), else the day the version row was created with that status (an import from the national
  portal creates it published). The public catalogue pages show the version from that instant.
- 1.3 published with all components: of the versions in force and published on the period's last day (a
  snapshot), those that carry the components Decree 63/2010 art. 8(2) requires and citizens need — name,
  manner of performance (channels), dossier components, time limit, implementing agency, result and legal
  basis — with nothing the catalogue flags as missing (`is_complete`: no `IncompletenessReason`, i.e. a time
  limit with its unit and every fee's amount).
1.4 (dossiers synced to the national portal) is a dossier flow (`rollups`: the fact's `synced`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from congvu.catalog.models import (
    ChannelInfo, Fee, ImplementingLevel, LegalBasis, ProcedureChange, ProcedureVersion, RequiredDocument, ResultDocument, VersionLevel,
    VersionStatus,
)
from congvu.indices.measures import Measure
from congvu.units.models import Unit, UnitKind
from congvu.workcal.services import calendar_for

ANNOUNCE_BEFORE_DAYS = 5  # Decision 766, 1.1 (province): decision ≤ effective date − 5 working days
PUBLISH_WITHIN_DAYS = 5  # Decision 766, 1.2 (province): in the national database ≤ 5 working days after

# Levels a unit implements by its kind; kinds not listed take their parent's.
LEVELS_BY_KIND: dict[str, frozenset[str]] = {
    UnitKind.PROVINCE: frozenset({ImplementingLevel.PROVINCE, ImplementingLevel.COMMUNE}),
    UnitKind.DEPARTMENT: frozenset({ImplementingLevel.PROVINCE}),
    UnitKind.COMMUNE: frozenset({ImplementingLevel.COMMUNE}),
    UnitKind.DISTRICT: frozenset({ImplementingLevel.COMMUNE}),
}


def procedure_levels_for(unit: Unit) -> frozenset[str]:
    """The implementing levels (`ImplementingLevel` values) of the procedures under `unit`'s authority."""
    if unit.kind in LEVELS_BY_KIND:
        return LEVELS_BY_KIND[unit.kind]
    for ancestor in reversed(list(Unit.objects.get_ancestors(unit)) if unit.depth > 1 else []):
        if ancestor.kind in LEVELS_BY_KIND:
            return LEVELS_BY_KIND[ancestor.kind]
    return frozenset()


def versions_for_unit(unit: Unit, qs: QuerySet[ProcedureVersion] | None = None) -> QuerySet[ProcedureVersion]:
    """Versions (of `qs`, all by default) whose implementing levels include one of `unit`'s."""
    qs = ProcedureVersion.objects.all() if qs is None else qs
    levels = procedure_levels_for(unit)
    return qs.filter(Exists(VersionLevel.objects.filter(version=OuterRef("pk"), level__in=list(levels))))


def working_days_before(calendar, day: dt.date, days: int) -> dt.date:
    """The day `days` working days before `day` (`day` itself not counted)."""
    current, counted = day, 0
    while counted < days:
        current -= dt.timedelta(days=1)
        if calendar.is_working_day(current):
            counted += 1
    return current


def working_days_after(calendar, day: dt.date, days: int) -> dt.date:
    """The day `days` working days after `day` (the Civil Code's count: the day of the event is not counted)."""
    current, counted = day, 0
    while counted < days:
        current += dt.timedelta(days=1)
        if calendar.is_working_day(current):
            counted += 1
    return current


def announced_in(unit: Unit, period) -> QuerySet[ProcedureVersion]:
    """Versions announced (new, amended, repealed) by a decision dated within the period, for `unit`."""
    qs = ProcedureVersion.objects.filter(
        status__in=[VersionStatus.PUBLISHED, VersionStatus.ABOLISHED], decision_date__gte=period.start, decision_date__lte=period.end,
    )
    return versions_for_unit(unit, qs)


def published_on(version: ProcedureVersion, first_change: dt.datetime | None) -> dt.date:
    return timezone.localdate(first_change or version.created_at)


def complete_q() -> Q:
    def has(model) -> Exists:
        return Exists(model.objects.filter(version=OuterRef("pk")))

    return (
        Q(is_complete=True) & ~Q(name="") & ~Q(agency="") & Q(time_limit_value__isnull=False)
        & has(ChannelInfo) & has(RequiredDocument) & has(ResultDocument) & has(LegalBasis)
    )


def _announced_with_publication(unit: Unit, period) -> list[tuple[ProcedureVersion, dt.date]]:
    """The versions announced in the period for `unit`'s levels, each with the day it was first published."""
    announced = list(announced_in(unit, period).only("pk", "decision_date", "effective_from", "created_at"))
    changes = ProcedureChange.objects.filter(version__in=[v.pk for v in announced], field_path="status", new_value=VersionStatus.PUBLISHED)
    first_published: dict[int, dt.datetime] = {}
    for version_id, at in changes.order_by("version_id", "at").values_list("version_id", "at"):
        first_published.setdefault(version_id, at)
    return [(v, published_on(v, first_published.get(v.pk))) for v in announced]


def _published_and_complete(unit: Unit, period) -> tuple[int, int]:
    from congvu.catalog.selectors import current_versions

    snapshot = versions_for_unit(unit, current_versions(period.end).filter(status=VersionStatus.PUBLISHED))
    return snapshot.count(), snapshot.filter(complete_q()).count()


def _measures(unit: Unit, announced, published: int, complete: int) -> dict[str, Measure]:
    calendar = calendar_for(unit) if announced else None  # most months announce nothing: no calendar to read
    on_time = sum(v.decision_date <= working_days_before(calendar, v.effective_from, ANNOUNCE_BEFORE_DAYS) for v, _day in announced)
    published_in_time = sum(day <= working_days_after(calendar, v.decision_date, PUBLISH_WITHIN_DAYS) for v, day in announced)
    return {
        "1.1": Measure(on_time, len(announced)),
        "1.2": Measure(published_in_time, len(announced)),
        "1.3": Measure(complete, published),
    }


def transparency_measures(unit: Unit, period) -> dict[str, Measure]:
    return _measures(unit, _announced_with_publication(unit, period), *_published_and_complete(unit, period))


def transparency_measures_many(units, period) -> dict[int, dict[str, Measure]]:
    """transparency_measures of several units (a ranking's children). The procedures depend only on a unit's
    implementing levels, so they are read once per set of levels; the working-day counts use each unit's own
    calendar."""
    by_levels: dict[frozenset[str], tuple] = {}
    out = {}
    for unit in units:
        levels = procedure_levels_for(unit)
        if levels not in by_levels:
            by_levels[levels] = (_announced_with_publication(unit, period), *_published_and_complete(unit, period))
        out[unit.pk] = _measures(unit, *by_levels[levels])
    return out


def catalogue_history(unit: Unit) -> list[dict]:
    """Every published or abolished version, each with whether it is under `unit`'s authority (`mine`: its levels
    include one of the unit's), complete for 1.3, offered online and fee-bearing (3.1, 3.5): one read from which
    any month end's snapshot is taken in memory (`catalog.selectors.in_force_on`). The version in force is chosen
    among all of a procedure's versions before the levels are looked at, as `current_versions` does."""
    from congvu.catalog.selectors import IN_FORCE_STATUSES

    levels = list(procedure_levels_for(unit))
    return list(
        ProcedureVersion.objects.filter(status__in=IN_FORCE_STATUSES)
        .annotate(
            mine=Exists(VersionLevel.objects.filter(version=OuterRef("pk"), level__in=levels)),
            complete=ExpressionWrapper(complete_q(), output_field=BooleanField()),
            fee=Exists(Fee.objects.filter(version=OuterRef("pk"), amount_vnd__gt=0)),
        )
        .values(
            "pk", "procedure_id", "effective_from", "number", "status", "decision_date", "created_at", "mine", "complete",
            "online_submission", "online_level", "fee",
        )
    )


def transparency_measures_by_month(unit: Unit, months, history: list[dict] | None = None) -> dict[str, dict[str, Measure]]:
    """transparency_measures of `unit` for each of `months` (the dashboard's trend), from one read of the catalogue
    history and one of the publication changes, instead of four queries per month."""
    from congvu.catalog.selectors import in_force_on

    history = catalogue_history(unit) if history is None else history
    mine = [r for r in history if r["mine"]]
    announced_by_month = {
        m.key: [r for r in mine if r["decision_date"] is not None and m.start <= r["decision_date"] <= m.end] for m in months
    }
    announced_ids = {r["pk"] for rows in announced_by_month.values() for r in rows}
    first_published: dict[int, dt.datetime] = {}
    if announced_ids:
        changes = ProcedureChange.objects.filter(version__in=announced_ids, field_path="status", new_value=VersionStatus.PUBLISHED)
        for version_id, at in changes.order_by("version_id", "at").values_list("version_id", "at"):
            first_published.setdefault(version_id, at)
    out = {}
    for month in months:
        announced = []
        for r in announced_by_month[month.key]:
            version = ProcedureVersion(pk=r["pk"], decision_date=r["decision_date"], effective_from=r["effective_from"], created_at=r["created_at"])
            announced.append((version, published_on(version, first_published.get(r["pk"]))))
        snapshot = [r for r in in_force_on(history, month.end) if r["mine"] and r["status"] == VersionStatus.PUBLISHED]
        out[month.key] = _measures(unit, announced, len(snapshot), sum(1 for r in snapshot if r["complete"]))
    return out
