"""Reads of the monthly evaluation: the year-end results other apps use (congvu.emulation reads
`annual_results`), locked sheets to link to, and the lists behind the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from congvu.evaluation.arithmetic import quarter_months, roll_up
from congvu.evaluation.models import Sheet, SheetState
from congvu.evaluation.results import AnnualResult, DisciplineFact, annual_result

__all__ = ["AnnualResult", "annual_results", "locked_sheets", "unit_month_sheets", "unit_summary"]


def _ids(user_ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in user_ids})


def _discipline(ids: list[int], year: int) -> dict[int, list[DisciplineFact]]:
    from congvu.people.selectors import discipline_in_year

    return {uid: [DisciplineFact(form_label=str(r.get_form_display()), decision_number=r.decision_number, decision_date=r.decision_date)
                  for r in records]
            for uid, records in discipline_in_year(ids, year).items()}


def annual_results(user_ids: Iterable[int], year: int) -> dict[int, AnnualResult]:
    """Each person's year: the average of their approved (locked) monthly sheets under the framework of their
    latest one, its level, then the automatic rule (disciplined in the year → not completed). Every id is a key;
    a person without an approved sheet and without discipline is not rated (level ""). Three queries in all."""
    ids = _ids(user_ids)
    if not ids:
        return {}
    sheets: dict[int, list[Sheet]] = {i: [] for i in ids}
    for sheet in Sheet.objects.filter(user_id__in=ids, year=year, state=SheetState.APPROVED).select_related("framework").order_by("month"):
        sheets[sheet.user_id].append(sheet)
    discipline = _discipline(ids, year)
    out = {}
    for uid in ids:
        rows = sheets[uid]
        framework = rows[-1].framework.spec if rows else None
        out[uid] = annual_result(framework, uid, year, {s.month: s.points for s in rows if s.points is not None}, discipline.get(uid, ()))
    return out


def locked_sheets(user_ids: Iterable[int], start: dt.date, end: dt.date) -> QuerySet[Sheet]:
    """Approved sheets of these people for the months touching [start, end], oldest first."""
    ids = _ids(user_ids)
    condition = Q(pk__in=[])
    for year in range(start.year, end.year + 1):
        first = start.month if year == start.year else 1
        last = end.month if year == end.year else 12
        condition |= Q(year=year, month__gte=first, month__lte=last)
    return (Sheet.objects.filter(condition, user_id__in=ids, state=SheetState.APPROVED)
            .select_related("user", "unit", "framework").order_by("year", "month", "user__username"))


SHEET_SORTS = {"name": ("user__last_name", "user__first_name", "user__username"), "-points": ("-points", "user__username"),
               "points": ("points", "user__username"), "state": ("state", "user__username")}


def unit_month_sheets(unit, year: int, month: int, sort: str = "name", state: str = "") -> QuerySet[Sheet]:
    qs = Sheet.objects.filter(unit=unit, year=year, month=month).select_related("user", "framework", "scored_by", "approved_by")
    if state in SheetState.values:
        qs = qs.filter(state=state)
    return qs.order_by(*SHEET_SORTS.get(sort, SHEET_SORTS["name"]))


def my_sheets(user, year: int | None = None) -> QuerySet[Sheet]:
    qs = Sheet.objects.filter(user=user).select_related("unit", "framework")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-month")


@dataclass
class SummaryRow:
    user: object
    months: dict[int, Sheet]  # month → locked or pending sheet
    quarters: dict[int, tuple[Decimal | None, str]]  # quarter → (points, band label) from locked months
    year: AnnualResult


def unit_summary(unit, year: int) -> list[SummaryRow]:
    """Every person rated by the unit in the year: their months, quarters (average of the locked months) and year."""
    sheets = list(Sheet.objects.filter(unit=unit, year=year).select_related("user", "framework").order_by("user__last_name", "user__first_name", "user__username", "month"))
    by_user: dict[int, list[Sheet]] = {}
    users = {}
    for s in sheets:
        by_user.setdefault(s.user_id, []).append(s)
        users[s.user_id] = s.user
    annual = annual_results(by_user.keys(), year)
    rows = []
    for uid, items in by_user.items():
        locked = {s.month: s.points for s in items if s.state == SheetState.APPROVED and s.points is not None}
        spec = items[-1].framework.spec
        quarters = {}
        for q in range(1, 5):
            result = roll_up(spec, locked, quarter_months(q))
            quarters[q] = (result.points, result.band.label if result.band else "")
        rows.append(SummaryRow(user=users[uid], months={s.month: s for s in items}, quarters=quarters, year=annual[uid]))
    return rows


def history_of(sheet: Sheet):
    return sheet.events.select_related("actor").order_by("at", "pk")
