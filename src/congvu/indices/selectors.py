"""Reading the indicators: summary, Decision 766 index, ranking, trend, report rows and the records behind a number.

Every figure is read from the rollup tables (`congvu.indices.rollups` defines what they count): whole months from
the month rows, the days of a partial month from the day rows, and the part of today before "now" from the fact
rows of the dossiers that moved today (a day row cannot be cut in two). A period that has not ended is evaluated at the present instant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congvu.indices import rollups, scoping
from congvu.indices.measures import Measure
from congvu.indices.models import ClosureKind, DossierFact, Grain, IndicatorScheme, Outcome, Rollup
from congvu.indices.periods import Period
from congvu.indices.scoring import ScoredIndex, default_scheme_data, load_scheme, score

# ------------------------------------------------------------------------------------------------ counting


class Counts(dict):
    """Counter name → amount (missing = 0)."""

    def __missing__(self, key):
        return 0

    def plus(self, other: dict) -> Counts:
        out = Counts(self)
        for name, amount in other.items():
            out[name] = out[name] + amount
        return out


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), rollups.TZ)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _segments(a: dt.date | None, b: dt.date):
    """Split the days [a, b) into whole months (a range of month starts, or None) and leftover day ranges."""
    if a is not None and a >= b:
        return None, []
    last_full_end = b.replace(day=1)
    if a is None:
        return (None, last_full_end), ([(last_full_end, b)] if last_full_end < b else [])
    first_full = a if a.day == 1 else _next_month(a)
    if first_full >= last_full_end:
        return None, [(a, b)]
    days = []
    if a < first_full:
        days.append((a, first_full))
    if last_full_end < b:
        days.append((last_full_end, b))
    return (first_full, last_full_end), days


_SUMS = {name: Sum(name) for name in rollups.ALL_COUNTERS}
_GROUP_COLUMN = {None: None, "unit": "unit_id", "procedure": "procedure_id", "field": "field_id", "unit_procedure": ("unit_id", "procedure_id"),
                 "month": "day", "month_procedure": ("day", "procedure_id")}


def _rollup_sums(unit_ids, grain, day_range, group, by_procedure: bool) -> dict:
    qs = Rollup.objects.filter(grain=grain, unit_id__in=unit_ids)
    lo, hi = day_range
    if lo is not None:
        qs = qs.filter(day__gte=lo)
    qs = qs.filter(day__lt=hi)
    qs = qs.filter(procedure_id__gt=0) if by_procedure else qs.filter(procedure_id=0)
    column = _GROUP_COLUMN[group]
    columns = column if isinstance(column, tuple) else (column,) if column else ()
    rows = qs.values(*columns).annotate(**_SUMS) if columns else [qs.aggregate(**_SUMS)]
    out = {}
    for row in rows:
        key = tuple(row.pop(c) for c in columns) if isinstance(column, tuple) else row.pop(column) if column else None
        out[key] = Counts({n: a for n, a in row.items() if a})
    return out


def _merge(into: dict, more: dict) -> None:
    for key, counts in more.items():
        into[key] = into.get(key, Counts()).plus(counts)


def _fact_key(group):
    column = _GROUP_COLUMN[group]
    if isinstance(column, tuple):
        return lambda fact: tuple(fact[c] for c in column)
    return (lambda fact: fact[column]) if column else None


def window(unit_ids, start: dt.datetime | None, end: dt.datetime, group: str | None = None) -> dict:
    """Flows of the units in [start, end), grouped by None / "unit" / "procedure" / "field". `start` is a local
    midnight (or None: since the beginning); `end` a local midnight or any instant of the current day."""
    unit_ids = list(unit_ids)
    out: dict = {}
    if not unit_ids or (start is not None and end <= start):
        return out
    end_day = rollups.local_day(end)
    cut = _midnight(end_day)
    by_procedure = group in ("procedure", "field", "unit_procedure", "month_procedure")
    months, day_ranges = _segments(rollups.local_day(start) if start else None, end_day)
    if months:
        _merge(out, _rollup_sums(unit_ids, Grain.MONTH, months, group, by_procedure))
    for lo, hi in day_ranges:
        _merge(out, _rollup_sums(unit_ids, Grain.DAY, (lo, hi), group, by_procedure))
    if end > cut and (start is None or cut >= start):
        facts = rollups.facts_touching(unit_ids, cut, end)
        _merge(out, {k: Counts(v) for k, v in rollups.counters_in(facts, cut, end, _fact_key(group)).items()})
    return out


def _bounds(period: Period, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, evaluation instant): the period's start and min(its end, now)."""
    now = now or timezone.now()
    start = period.start_instant()
    return start, max(start, min(period.end_instant(), now))


@dataclass(frozen=True)
class Figures:
    """The counts of a period: flows inside it and the stocks at its start and evaluation instant."""

    flows: Counts
    before: Counts  # cumulative flows before the start
    upto: Counts  # cumulative flows before the evaluation instant

    @property
    def carried_over(self) -> int:
        return self.before["received"] - self.before["ended"]

    @property
    def in_process(self) -> int:
        return self.upto["received"] - self.upto["ended"]

    @property
    def open_overdue(self) -> int:
        return self.upto["became_overdue"] - self.upto["left_overdue"]

    @property
    def open_within(self) -> int:
        return self.in_process - self.open_overdue

    @property
    def on_time(self) -> Measure:
        f = self.flows
        return Measure(f["finished_early"] + f["finished_on_time"] + self.open_within, f["finished"] + self.in_process)


def _figures_by(unit_ids, period: Period, group: str | None, now=None) -> dict:
    start, end = _bounds(period, now)
    if end <= start:  # a period that has not begun: nothing carried into it yet, nothing happened in it
        return {}
    before = window(unit_ids, None, start, group)
    flows = window(unit_ids, start, end, group)
    out = {}
    for key in set(before) | set(flows):
        b, f = before.get(key, Counts()), flows.get(key, Counts())
        out[key] = Figures(flows=f, before=b, upto=b.plus(f))
    return out


def figures(unit, period: Period, now=None) -> Figures:
    got = _figures_by(scoping.unit_ids(unit), period, None, now).get(None)
    return got or Figures(Counts(), Counts(), Counts())


# ------------------------------------------------------------------------------------------------ summary


@dataclass(frozen=True)
class Summary:
    received: int
    carried_over: int
    in_process: int
    finished: int
    finished_early: int
    finished_on_time: int
    finished_late: int
    open_within: int
    open_overdue: int
    on_time: Measure
    apologies: int
    withdrawn: int
    refused: int
    online: Measure
    satisfaction: Decimal | None  # percent (0–100) of the SIPAS-style index, None without ratings
    ratings: int
    feedback: int
    stopped: int = 0
    not_accepted: int = 0
    received_online: int = 0
    received_counter_post: int = 0
    average_days: Decimal | None = None  # 2.2: working days from clock start to result, on average


def _satisfaction(unit, period: Period) -> Decimal | None:
    from congvu.feedback.sipas import sipas_index

    return _satisfaction_percent(sipas_index(unit, period).overall)


def _satisfaction_percent(estimate) -> Decimal | None:
    value = estimate.value
    return None if value is None else (Decimal(value) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ratings_and_feedback(unit, period: Period) -> tuple[int, int]:
    from congvu.feedback.models import Feedback, Rating

    start, end = period.start_instant(), period.end_instant()
    ratings = Rating.objects.filter(scoping.unit_q(unit, "handling_unit"), submitted_at__gte=start, submitted_at__lt=end).count()
    responsible = scoping.unit_q(unit, "responsible_unit")
    feedback = Feedback.objects.filter(responsible, received_at__gte=start, received_at__lt=end).count()
    return ratings, feedback


def _average_days(f: Counts) -> Decimal | None:
    if not f["with_result"]:
        return None
    return (Decimal(f["processing_days"]) / f["with_result"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _summary_of(fig: Figures, satisfaction=None, ratings=0, feedback=0) -> Summary:
    f = fig.flows
    return Summary(
        received=f["received"], carried_over=fig.carried_over, in_process=fig.in_process, finished=f["finished"],
        finished_early=f["finished_early"], finished_on_time=f["finished_on_time"], finished_late=f["finished_late"],
        open_within=fig.open_within, open_overdue=fig.open_overdue, on_time=fig.on_time, apologies=f["apologies"],
        withdrawn=f["withdrawn"], refused=f["refused"], online=Measure(f["received_online"], f["received"]),
        satisfaction=satisfaction, ratings=ratings, feedback=feedback, stopped=f["stopped"], not_accepted=f["not_accepted"],
        received_online=f["received_online"], received_counter_post=f["received_counter_post"], average_days=_average_days(f),
    )


def summary(unit, period: Period, now=None) -> Summary:
    ratings, feedback = _ratings_and_feedback(unit, period)
    return _summary_of(figures(unit, period, now), _satisfaction(unit, period), ratings, feedback)


# ------------------------------------------------------------------------------------------------ Decision 766


@dataclass(frozen=True)
class Index766(ScoredIndex):
    unit: object = None
    period: Period | None = None
    scheme_name: str = ""


NOT_RECORDED = {
    "4.5a": "Hệ thống chưa ghi nhận việc khai thác Cơ sở dữ liệu quốc gia về dân cư/VNeID theo thủ tục.",
    "4.5b": "Hệ thống chưa ghi nhận hồ sơ dùng tài khoản VNeID hoặc dữ liệu dân cư.",
    "4.6": "Hệ thống chưa ghi nhận dịch vụ chứng thực bản sao điện tử từ bản chính.",
}
HOW_MEASURED = {
    "1.4": "Hồ sơ tiếp nhận trong kỳ đã được Cổng DVCQG xác nhận (hoặc nộp từ Cổng DVCQG) / hồ sơ tiếp nhận trong kỳ theo hệ thống (không có số liệu của hệ thống báo cáo quốc gia để so sánh).",
    "2.1": "Đúng hạn = giải quyết trước hạn/đúng hạn + đang giải quyết còn hạn; mẫu số = đã giải quyết + đang giải quyết (đã trừ thời gian chờ bổ sung; bổ sung quá 1 lần, xin lỗi hẹn lại = trễ hạn).",
    "2.2": "Số ngày làm việc từ khi bắt đầu tính hạn đến khi có kết quả, trừ thời gian tạm dừng.",
    "3.1": "Thủ tục đang có hiệu lực thuộc thẩm quyền (theo cấp thực hiện) có cung cấp dịch vụ trực tuyến một phần hoặc toàn trình / thủ tục thuộc thẩm quyền.",
    "3.2": "Dịch vụ trực tuyến có phát sinh hồ sơ nộp trực tuyến trong kỳ / dịch vụ trực tuyến thuộc thẩm quyền.",
    "3.5": "Thủ tục có phí, lệ phí được cung cấp trực tuyến (nộp và thanh toán trên cổng) / thủ tục có phí, lệ phí thuộc thẩm quyền.",
    "3.5b": "Thủ tục có phí, lệ phí có ít nhất một hồ sơ thanh toán trực tuyến trong kỳ / thủ tục có phí, lệ phí thuộc thẩm quyền.",
    "3.6": "Hồ sơ thanh toán trực tuyến / hồ sơ có phí, lệ phí tiếp nhận trong kỳ.",
    "4.1": "Hồ sơ có kết quả điện tử / hồ sơ có kết quả trong kỳ.",
    "4.2": "Hồ sơ có thành phần và kết quả được số hóa (có tệp) / hồ sơ có kết quả trong kỳ.",
    "4.3": "Hồ sơ có thành phần tái sử dụng từ kho dữ liệu của công dân / hồ sơ tiếp nhận trong kỳ.",
    "4.4": "Hồ sơ tái sử dụng giấy tờ hoặc có kết quả số hóa đưa vào kho của người dân / hồ sơ tiếp nhận trong kỳ.",
    "5.4": "100% − (tỷ lệ hồ sơ trễ hạn + tỷ lệ hồ sơ bị phản ánh hoặc không hài lòng), trên hồ sơ đã giải quyết trong kỳ.",
}


def scheme_row_for(period: Period) -> IndicatorScheme | None:
    return IndicatorScheme.objects.filter(effective_from__lte=period.end).order_by("-effective_from").first()


def scheme_for(period: Period):
    row = scheme_row_for(period)
    return load_scheme(row.definition if row else default_scheme_data())


def _catalog_rows(unit, period: Period, cache: dict | None = None) -> list[dict]:
    """The procedures under `unit`'s authority in force on the period's last day (as `measures_catalog` decides
    it for 1.1–1.3 and 3.1), with whether they are offered online and carry a fee. Cached by implementing level,
    which is all the choice depends on."""
    from django.db.models import Exists, OuterRef

    from congvu.catalog.models import Fee, OnlineLevel
    from congvu.catalog.selectors import current_versions

    try:
        from congvu.indices.measures_catalog import procedure_levels_for, versions_for_unit
    except ImportError:  # the satisfaction helper's module is not there: every procedure in force
        procedure_levels_for, versions_for_unit = (lambda u: None), (lambda u, qs: qs)
    levels = procedure_levels_for(unit)
    key = (frozenset(levels) if levels is not None else None, period.end)
    if cache is not None and key in cache:
        return cache[key]
    qs = versions_for_unit(unit, current_versions(period.end).exclude(status="abolished"))
    rows = [
        {"procedure_id": r["procedure_id"], "online": bool(r["online_submission"] or r["online_level"] in (OnlineLevel.FULL, OnlineLevel.PARTIAL)),
         "fee": r["fee"]}
        for r in qs.annotate(fee=Exists(Fee.objects.filter(version=OuterRef("pk"), amount_vnd__gt=0)))
        .values("procedure_id", "online_submission", "online_level", "fee")
    ]
    if cache is not None:
        cache[key] = rows
    return rows


def _catalog_rows_at(history: list[dict], day: dt.date) -> list[dict]:
    """`_catalog_rows` from a `measures_catalog.catalogue_history` read, for the snapshot on `day`."""
    from congvu.catalog.models import OnlineLevel, VersionStatus
    from congvu.catalog.selectors import in_force_on

    return [
        {"procedure_id": r["procedure_id"], "online": bool(r["online_submission"] or r["online_level"] in (OnlineLevel.FULL, OnlineLevel.PARTIAL)),
         "fee": r["fee"]}
        for r in in_force_on(history, day) if r["mine"] and r["status"] != VersionStatus.ABOLISHED
    ]


def _schemes_by_month(months: list[Period]) -> dict[str, object]:
    """`scheme_for` of each month from one read of the (few) scheme rows."""
    rows = list(IndicatorScheme.objects.order_by("-effective_from"))
    loaded: dict = {}
    out = {}
    for month in months:
        row = next((r for r in rows if r.effective_from <= month.end), None)
        key = row.pk if row else None
        if key not in loaded:
            loaded[key] = load_scheme(row.definition if row else default_scheme_data())
        out[month.key] = loaded[key]
    return out


def _procedure_measures(catalog_rows: list[dict], used: dict) -> dict[str, Measure]:
    """3.1, 3.2, 3.5, 3.5b: counts of procedures. `used`: procedure id → counts of the unit's dossiers in the period."""
    authority = {r["procedure_id"] for r in catalog_rows}
    online = {r["procedure_id"] for r in catalog_rows if r["online"]}
    fee = {r["procedure_id"] for r in catalog_rows if r["fee"]}
    with_online = {p for p in online if used.get(p, {}).get("received_online")}
    paid = {p for p in fee if used.get(p, {}).get("paid_online")}
    return {
        "3.1": Measure(len(online), len(authority)),
        "3.2": Measure(len(with_online), len(online)),
        "3.5": Measure(len(fee & online), len(fee)),
        "3.5b": Measure(len(paid), len(fee)),
    }


def _lazy(module: str, function: str, unit, period) -> dict:
    import importlib

    try:
        fn = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError):
        return {}
    return fn(unit, period)


def _dossier_measures(fig: Figures) -> tuple[dict[str, Measure], dict[str, Decimal]]:
    f = fig.flows
    measures: dict[str, Measure] = {
        "1.4": Measure(f["synced"], f["received"]),
        "2.1": fig.on_time,
        "3.3": Measure(f["received_online"], f["received"]),
        "3.6": Measure(f["paid_online"], f["fee_bearing"]),
        "4.1": Measure(f["electronic_result"], f["with_result"]),
        "4.2": Measure(f["digitised"], f["with_result"]),
        "4.3": Measure(f["reused"], f["received"]),
        "4.4": Measure(f["shared"], f["received"]),
        "5.4": Measure(max(f["finished"] - f["finished_late"] - f["finished_complaint"], 0), f["finished"]),
    }
    values = {}
    if f["with_result"]:
        measures["2.2"] = Measure(Decimal(f["processing_days"]), f["with_result"])
        values["2.2"] = _average_days(f)
    return measures, values


_OTHER_MEASURES = (
    ("congvu.indices.measures_catalog", "transparency_measures"),
    ("congvu.indices.measures_feedback", "feedback_measures"),
)


def _lazy_many(module: str, function: str, units, period) -> dict | None:
    """`<function>_many(units, period) -> {unit pk: measures}` when the module offers a batch form (a ranking asks
    for every child at once), else None."""
    import importlib

    try:
        fn = getattr(importlib.import_module(module), f"{function}_many")
    except (ImportError, AttributeError):
        return None
    return fn(units, period)


def _scored(scheme, unit, period, fig: Figures, used: dict, catalog_rows: list[dict], others: list | None = None) -> Index766:
    measures, values = _dossier_measures(fig)
    measures.update(_procedure_measures(catalog_rows, used))
    for i, (module, function) in enumerate(_OTHER_MEASURES):
        batch = others[i] if others else None
        measures.update(batch.get(unit.pk, {}) if batch is not None else _lazy(module, function, unit, period))
    scored = score(scheme, measures, values)
    rows = []
    for row in scored.indicators:
        extra = NOT_RECORDED.get(row.code) if row.measure is None else HOW_MEASURED.get(row.code)
        rows.append(dataclasses.replace(row, rule_text=f"{row.rule_text} {extra}") if extra else row)
    return Index766(total=scored.total, band=scored.band, groups=scored.groups, indicators=rows, max_total=scored.max_total,
                    unit=unit, period=period, scheme_name=scheme.name)


def index_766(unit, period: Period, now=None) -> Index766:
    """The unit's Decision 766 index over the period, scored by the scheme in force on its last day."""
    scheme = scheme_for(period)
    ids = scoping.unit_ids(unit)
    fig = _figures_by(ids, period, None, now).get(None) or Figures(Counts(), Counts(), Counts())
    start, end = _bounds(period, now)
    used = window(ids, start, end, "procedure") if end > start else {}
    return _scored(scheme, unit, period, fig, used, _catalog_rows(unit, period))


def indices_766(units, period: Period, now=None) -> dict[int, Index766]:
    """index_766 of several units at once (a ranking): the dossier figures of all of them in a few grouped queries."""
    scheme = scheme_for(period)
    groups = scoping.unit_groups(units)
    by_unit = _figures_by(list(groups), period, "unit", now)
    start, end = _bounds(period, now)
    by_unit_procedure = window(list(groups), start, end, "unit_procedure") if end > start else {}
    figs: dict[int, Figures] = {}
    used: dict[int, dict] = defaultdict(dict)
    for unit_id, fig in by_unit.items():
        child = groups[unit_id].pk
        figs[child] = _sum_figures([figs.get(child), fig])
    for (unit_id, procedure_id), counts in by_unit_procedure.items():
        mine = used[groups[unit_id].pk]
        earlier = mine.get(procedure_id)  # a child with sub-units sums them; most children are one unit
        mine[procedure_id] = counts if earlier is None else earlier.plus(counts)
    cache: dict = {}
    empty = Figures(Counts(), Counts(), Counts())
    others = [_lazy_many(module, function, units, period) for module, function in _OTHER_MEASURES]
    return {u.pk: _scored(scheme, u, period, figs.get(u.pk, empty), used.get(u.pk, {}), _catalog_rows(u, period, cache), others)
            for u in units}


# ------------------------------------------------------------------------------------------------ metrics


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    higher_is_better: bool
    kind: str  # "percent", "count", "points", "days"


def _metrics() -> dict[str, Metric]:
    metrics = {
        "766.total": Metric("766.total", _("Decision 766 index (points)"), True, "points"),
    }
    for ind in load_scheme(default_scheme_data()).indicators:
        if ind.code == "2.2":
            metrics["766.2.2"] = Metric("766.2.2", f"2.2 {ind.name}", False, "days")
        elif not ind.scored:
            metrics[f"766.{ind.code}"] = Metric(f"766.{ind.code}", f"{ind.code} {ind.name}", True, "percent")
        else:
            metrics[f"766.{ind.code}"] = Metric(f"766.{ind.code}", f"{ind.code} {ind.name}", True, "points")
    metrics.update({
        "on_time_rate": Metric("on_time_rate", _("On-time rate (%)"), True, "percent"),
        "online_share": Metric("online_share", _("Share filed online (%)"), True, "percent"),
        "satisfaction": Metric("satisfaction", _("Satisfaction (%)"), True, "percent"),
        "received": Metric("received", _("Dossiers received"), True, "count"),
        "open_overdue": Metric("open_overdue", _("Overdue dossiers in process"), False, "count"),
        "apologies": Metric("apologies", _("Apology letters"), False, "count"),
        "finished_late": Metric("finished_late", _("Dossiers finished late"), False, "count"),
    })
    return metrics


METRICS: dict[str, Metric] = _metrics()
# Metrics read straight from the rollups (one grouped query for a whole ranking).
_ROLLUP_METRICS = {"on_time_rate", "online_share", "received", "open_overdue", "apologies", "finished_late"}


def _rollup_metric(metric: str, fig: Figures) -> tuple[Decimal | None, Measure | None]:
    if metric == "on_time_rate":
        m = fig.on_time
        return m.percent, m
    if metric == "online_share":
        m = Measure(fig.flows["received_online"], fig.flows["received"])
        return m.percent, m
    if metric == "open_overdue":
        return Decimal(fig.open_overdue), None
    return Decimal(fig.flows[metric]), None


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise KeyError(f"unknown metric {metric!r}")


def _metric_with_measure(metric: str, unit, period: Period, now=None) -> tuple[Decimal | None, Measure | None]:
    _check_metric(metric)
    if metric in _ROLLUP_METRICS:
        return _rollup_metric(metric, figures(unit, period, now))
    if metric == "satisfaction":
        return _satisfaction(unit, period), None
    return _index_metric(metric, index_766(unit, period, now))


def _index_metric(metric: str, index: Index766) -> tuple[Decimal | None, Measure | None]:
    if metric == "766.total":
        return index.total, None
    row = index.indicator(metric.removeprefix("766."))
    if METRICS[metric].kind == "points":
        return (row.points if row.measure is not None else None), row.measure
    return row.value, row.measure


def metric_value(metric: str, unit, period: Period, now=None) -> Decimal | None:
    return _metric_with_measure(metric, unit, period, now)[0]


def trend(unit, periods, metric: str, now=None) -> list[tuple[Period, Decimal | None]]:
    return [(p, metric_value(metric, unit, p, now)) for p in periods]


def _monthly(ids, months: list[Period], now) -> tuple[dict[str, Figures], dict[str, dict]]:
    """Figures and per-procedure flows of consecutive calendar `months`: the months already over from one grouped
    query over the month rollups, the stock before the first from one more; only a running month is read
    separately. The same numbers as `_figures_by` / `window` month by month (tests compare them)."""
    now = now or timezone.now()
    done = [m for m in months if m.end_instant() <= now]
    flows: dict = {}
    used: dict = defaultdict(dict)
    if done:
        span = (done[0].start, _next_month(done[-1].start))
        flows = _rollup_sums(ids, Grain.MONTH, span, "month", False)
        for (first, procedure_id), counts in _rollup_sums(ids, Grain.MONTH, span, "month_procedure", True).items():
            used[first][procedure_id] = counts
    before = window(ids, None, months[0].start_instant()).get(None, Counts()) if months[0].start_instant() < now else Counts()
    figs, used_by_key = {}, {}
    for month in months:
        start, end = _bounds(month, now)
        if end <= start:
            figs[month.key], used_by_key[month.key] = Figures(Counts(), Counts(), Counts()), {}
            continue
        if month.end_instant() <= now:
            f, month_used = flows.get(month.start, Counts()), used.get(month.start, {})
        else:
            f, month_used = window(ids, start, end).get(None, Counts()), window(ids, start, end, "procedure")
        figs[month.key], used_by_key[month.key] = Figures(flows=f, before=before, upto=before.plus(f)), month_used
        before = before.plus(f)
    return figs, used_by_key


def trends(unit, months: list[Period], metrics, now=None) -> dict[str, list[tuple[Period, Decimal | None]]]:
    """`trend` of several metrics over consecutive calendar months at once (the dashboard's charts): the rollups
    are read once for all months, satisfaction in one grouped query, the 766 index reuses those figures."""
    for metric in metrics:
        _check_metric(metric)
    months = list(months)
    calendar_months = all(m.start.day == 1 and m.end == _next_month(m.start) - dt.timedelta(days=1) for m in months)
    if not months or not calendar_months or any(b.start != _next_month(a.start) for a, b in zip(months, months[1:])):
        return {metric: trend(unit, months, metric, now) for metric in metrics}
    figs, used = _monthly(scoping.unit_ids(unit), months, now)
    out: dict[str, list] = {}
    indices: dict[str, Index766] = {}
    if any(m.startswith("766.") for m in metrics):
        from congvu.indices.measures_catalog import catalogue_history, transparency_measures_by_month
        from congvu.indices.measures_feedback import feedback_measures_by_month

        # The catalogue is read once for all month ends, the schemes once, the feedback in one grouped query.
        history = catalogue_history(unit)
        transparency = transparency_measures_by_month(unit, months, history)
        feedback = feedback_measures_by_month(unit, months)
        schemes = _schemes_by_month(months)
        for month in months:
            # In _OTHER_MEASURES' order.
            others = [{unit.pk: transparency[month.key]}, {unit.pk: feedback[month.key]}]
            indices[month.key] = _scored(schemes[month.key], unit, month, figs[month.key], used[month.key],
                                         _catalog_rows_at(history, month.end), others)
    satisfaction = {}
    if "satisfaction" in metrics:
        from congvu.feedback.sipas import overall_by_month

        satisfaction = {key: _satisfaction_percent(e) for key, e in overall_by_month(unit, months).items()}
    for metric in metrics:
        if metric in _ROLLUP_METRICS:
            out[metric] = [(m, _rollup_metric(metric, figs[m.key])[0]) for m in months]
        elif metric == "satisfaction":
            out[metric] = [(m, satisfaction[m.key]) for m in months]
        else:
            out[metric] = [(m, _index_metric(metric, indices[m.key])[0]) for m in months]
    return out


# ------------------------------------------------------------------------------------------------ ranking


@dataclass(frozen=True)
class RankRow:
    rank: int | None
    unit: object
    value: Decimal | None
    measure: Measure | None


def ranked_units(parent, period: Period, kind: str | None = None):
    from congvu.units.selectors import active_q

    from congvu.units.models import Unit

    if kind:
        qs = Unit.objects.filter(path__startswith=parent.path, depth__gt=parent.depth, kind=kind)
    else:
        qs = Unit.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
    return list(qs.filter(active_q(period.end)).order_by("path"))


def _rank(pairs, higher_is_better: bool) -> list[RankRow]:
    with_value = [(u, v, m) for u, v, m in pairs if v is not None]
    without = [(u, v, m) for u, v, m in pairs if v is None]
    with_value.sort(key=lambda t: (-t[1] if higher_is_better else t[1], t[0].name))
    rows, rank, previous = [], 0, object()
    for i, (u, v, m) in enumerate(with_value, start=1):
        if v != previous:
            rank, previous = i, v
        rows.append(RankRow(rank, u, v, m))
    rows += [RankRow(None, u, None, m) for u, _v, m in sorted(without, key=lambda t: t[0].name)]
    return rows


def ranking(parent, period: Period, metric: str, kind: str | None = None, now=None) -> list[RankRow]:
    """The active direct children of `parent` (or its units of `kind`), best first; ties share a rank; units
    without a value last."""
    _check_metric(metric)
    units = ranked_units(parent, period, kind)
    if metric in _ROLLUP_METRICS:
        groups = scoping.unit_groups(units)
        by_unit = _figures_by(list(groups), period, "unit", now)
        per_child: dict[int, Figures] = {}
        for unit_id, fig in by_unit.items():
            child = groups[unit_id]
            old = per_child.get(child.pk)
            per_child[child.pk] = fig if old is None else Figures(old.flows.plus(fig.flows), old.before.plus(fig.before), old.upto.plus(fig.upto))
        empty = Figures(Counts(), Counts(), Counts())
        pairs = [(u, *_rollup_metric(metric, per_child.get(u.pk, empty))) for u in units]
    elif metric == "satisfaction":
        from congvu.feedback.sipas import overall_many

        estimates = overall_many(units, period)
        pairs = [(u, _satisfaction_percent(estimates[u.pk]), None) for u in units]
    elif metric.startswith("766."):
        indices = indices_766(units, period, now)
        pairs = [(u, *_index_metric(metric, indices[u.pk])) for u in units]
    else:
        pairs = [(u, *_metric_with_measure(metric, u, period, now)) for u in units]
    return _rank(pairs, METRICS[metric].higher_is_better)


# ------------------------------------------------------------------------------------------------ report rows


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    carried_over: int
    received: int
    received_online: int
    received_counter_post: int
    finished: int
    finished_early: int
    finished_on_time: int
    finished_late: int
    open_within: int
    open_overdue: int

    @property
    def in_process(self) -> int:
        return self.open_within + self.open_overdue

    @property
    def total(self) -> int:
        return self.carried_over + self.received


def _row(key, label, fig: Figures) -> ReportRow:
    f = fig.flows
    return ReportRow(str(key), str(label), fig.carried_over, f["received"], f["received_online"], f["received_counter_post"],
                     f["finished"], f["finished_early"], f["finished_on_time"], f["finished_late"], fig.open_within, fig.open_overdue)


def report_rows(unit, period: Period, by: str = "field", now=None) -> list[ReportRow]:
    """Rows of the report a reform office sends upward: by field, by procedure or by unit (the direct children,
    and the unit's own dossiers), each with what was carried over, received, finished and left in process."""
    if by not in ("field", "procedure", "unit"):
        raise ValueError(f"unknown grouping {by!r}")
    if by == "unit":
        children = ranked_units(unit, period)
        groups = scoping.unit_groups(children)
        own = [pk for pk in scoping.unit_ids(unit) if pk not in groups]
        rows = []
        by_unit = _figures_by(list(groups) + own, period, "unit", now)
        for child in children:
            ids = [pk for pk, c in groups.items() if c.pk == child.pk]
            rows.append(_row(child.code, child.name, _sum_figures(by_unit.get(pk) for pk in ids)))
        own_fig = _sum_figures(by_unit.get(pk) for pk in own)
        if own_fig.before or own_fig.flows:
            rows.insert(0, _row(unit.code, unit.name, own_fig))
        return rows
    by_key = _figures_by(scoping.unit_ids(unit), period, by, now)
    labels = _labels(by, list(by_key))
    rows = [_row(key, labels.get(key, key), fig) for key, fig in by_key.items()]
    rows = [r for r in rows if r.total or r.finished or r.in_process]
    return sorted(rows, key=lambda r: r.label)


def _sum_figures(figs) -> Figures:
    out = Figures(Counts(), Counts(), Counts())
    for fig in figs:
        if fig is not None:
            out = Figures(out.flows.plus(fig.flows), out.before.plus(fig.before), out.upto.plus(fig.upto))
    return out


def _labels(by: str, keys) -> dict:
    from congvu.catalog.models import Field, ProcedureVersion

    if by == "field":
        return dict(Field.objects.filter(pk__in=keys).values_list("pk", "name"))
    labels = {}
    for v in ProcedureVersion.objects.filter(procedure_id__in=keys).order_by("procedure_id", "number").values("procedure_id", "procedure__code", "name"):
        labels[v["procedure_id"]] = f"{v['procedure__code']} — {v['name']}"
    return labels


# ------------------------------------------------------------------------------------------------ drill-down


@dataclass(frozen=True)
class Behind:
    kind: str  # "dossiers", "ratings", "feedback"
    queryset: object
    title: str
    facts: object = None  # for dossiers: the DossierFact rows behind them (one per dossier, same pk)


def _facts_in(name, start, end) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def _open_at(e) -> Q:
    ended = Q(finished_at__lt=e) | Q(closure=ClosureKind.WITHDRAWN, closed_at__lt=e)
    return Q(received_at__lt=e) & ~ended


# The dossiers behind each count: (filter on the facts, title). `s`/`e` are the period's start and evaluation instant.
def _fact_filters(s, e) -> dict[str, tuple[Q, str]]:
    finished = _facts_in("finished_at", s, e)
    received = _facts_in("received_at", s, e)
    open_end = _open_at(e)
    overdue_end = open_end & Q(overdue_at__lt=e)
    within_end = open_end & ~Q(overdue_at__lt=e)
    on_time = finished & Q(outcome__in=(Outcome.EARLY, Outcome.ON_TIME))
    return {
        "received": (received, "Hồ sơ tiếp nhận trong kỳ"),
        "received_online": (received & Q(channel="online"), "Hồ sơ nộp trực tuyến"),
        "carried_over": (_open_at(s), "Hồ sơ kỳ trước chuyển qua"),
        "in_process": (open_end, "Hồ sơ đang giải quyết cuối kỳ"),
        "finished": (finished, "Hồ sơ đã giải quyết trong kỳ"),
        "finished_early": (finished & Q(outcome=Outcome.EARLY), "Hồ sơ giải quyết trước hạn"),
        "finished_on_time": (finished & Q(outcome=Outcome.ON_TIME), "Hồ sơ giải quyết đúng hạn"),
        "finished_late": (finished & Q(outcome=Outcome.LATE), "Hồ sơ giải quyết trễ hạn"),
        "open_within": (within_end, "Hồ sơ đang giải quyết còn hạn"),
        "open_overdue": (overdue_end, "Hồ sơ đang giải quyết quá hạn"),
        "apologies": (_facts_in("apology_at", s, e), "Hồ sơ có phiếu xin lỗi, hẹn lại"),
        "withdrawn": (_facts_in("closed_at", s, e) & Q(closure=ClosureKind.WITHDRAWN), "Hồ sơ rút"),
        "refused": (finished & Q(closure=ClosureKind.REFUSED), "Hồ sơ từ chối giải quyết"),
        "on_time_rate.numerator": (on_time | within_end, "Hồ sơ đúng hạn và đang giải quyết còn hạn"),
        "on_time_rate.denominator": (finished | open_end, "Hồ sơ đã giải quyết và đang giải quyết"),
        "online_share.numerator": (received & Q(channel="online"), "Hồ sơ nộp trực tuyến"),
        "online_share.denominator": (received, "Hồ sơ tiếp nhận trong kỳ"),
        "2.2.numerator": (finished & ~Q(closure__in=(ClosureKind.REFUSED, ClosureKind.STOPPED)), "Hồ sơ có kết quả (thời gian giải quyết)"),
        "2.2.denominator": (finished & ~Q(closure__in=(ClosureKind.REFUSED, ClosureKind.STOPPED)), "Hồ sơ có kết quả"),
        "3.6.numerator": (received & Q(paid_online=True, fee_bearing=True), "Hồ sơ thanh toán trực tuyến"),
        "3.6.denominator": (received & Q(fee_bearing=True), "Hồ sơ có phí, lệ phí"),
        "4.1.numerator": (finished & Q(electronic_result=True) & ~Q(closure__in=(ClosureKind.REFUSED, ClosureKind.STOPPED)), "Hồ sơ có kết quả điện tử"),
        "4.1.denominator": (finished & ~Q(closure__in=(ClosureKind.REFUSED, ClosureKind.STOPPED)), "Hồ sơ có kết quả"),
        "4.2.numerator": (finished & Q(digitised_inputs=True, digitised_result=True) & ~Q(closure__in=(ClosureKind.REFUSED, ClosureKind.STOPPED)),
                          "Hồ sơ số hóa thành phần và kết quả"),
        "4.2.denominator": (finished & ~Q(closure__in=(ClosureKind.REFUSED, ClosureKind.STOPPED)), "Hồ sơ có kết quả"),
        "4.3.numerator": (received & Q(reused=True), "Hồ sơ tái sử dụng dữ liệu số hóa"),
        "4.3.denominator": (received, "Hồ sơ tiếp nhận trong kỳ"),
        "4.4.numerator": (received & Q(shared=True), "Hồ sơ chia sẻ, tái sử dụng dữ liệu"),
        "4.4.denominator": (received, "Hồ sơ tiếp nhận trong kỳ"),
        "5.4.numerator": (finished & ~Q(outcome=Outcome.LATE) & Q(complaint=False), "Hồ sơ đúng hạn, không bị phản ánh"),
        "5.4.denominator": (finished, "Hồ sơ đã giải quyết trong kỳ"),
    }


# Indicators whose drill-down is a list the summary already has ("766." prefix optional).
_ALIASES = {"2.1": "on_time_rate", "3.3": "online_share"}
_FEEDBACK_LISTS = {("5.1", "numerator"): "classified", ("5.2", "numerator"): "on_time", ("5.3", "numerator"): "unsatisfied"}
_FEEDBACK_TITLES = {
    "all": "Phản ánh, kiến nghị", "classified": "Phản ánh, kiến nghị đã phân loại", "on_time": "Phản ánh, kiến nghị xử lý đúng hạn",
    "unsatisfied": "Phản ánh, kiến nghị bị không hài lòng hoặc quá hạn (trừ khỏi tử số 5.3)",
}


def records_behind(unit, period: Period, metric: str, part: str = "numerator", now=None) -> Behind:
    """The raw records behind a number: dossiers for dossier counts and rates, ratings or feedback for the
    satisfaction measures (from the feedback app's selectors). `metric` is a summary field ("received",
    "open_overdue"…), a METRICS key, or an indicator code with or without "766."; KeyError when the number has no
    list of records (a count of procedures, an indicator not recorded)."""
    from congvu.dossiers.models import Dossier

    if part not in ("numerator", "denominator"):
        raise ValueError(f"unknown part {part!r}")
    key = metric.removeprefix("766.")
    key = _ALIASES.get(key, key)
    if key == "satisfaction":
        from congvu.feedback import selectors as feedback_selectors

        satisfied = True if part == "numerator" else None
        title = "Đánh giá có ý kiến hài lòng" if satisfied else "Đánh giá hài lòng"
        return Behind("ratings", feedback_selectors.ratings_behind(unit, period, satisfied=satisfied), title)
    if key in ("5.1", "5.2", "5.3"):
        from congvu.feedback import selectors as feedback_selectors

        which = _FEEDBACK_LISTS.get((key, part), "all")
        return Behind("feedback", feedback_selectors.feedback_behind(unit, period, which), _FEEDBACK_TITLES[which])
    s, e = _bounds(period, now)
    filters = _fact_filters(s, e)
    chosen = filters.get(key) or filters.get(f"{key}.{part}")
    if chosen is None:
        raise KeyError(f"no records behind {metric!r}")
    q, title = chosen
    facts = DossierFact.objects.filter(q, unit_id__in=scoping.unit_ids(unit))
    return Behind("dossiers", Dossier.objects.filter(pk__in=facts.values("pk")).order_by("-received_at", "pk"), title, facts)


def longest_overdue(unit, period: Period, limit: int, now=None) -> tuple[list, int]:
    """The `limit` dossiers overdue longest among those open and overdue at the period's end (or now), and how
    many there are. Chosen on the fact table's (unit, overdue_at) index: asking the dossier table for the same
    rows by due time makes PostgreSQL walk its due-time index through a million dossiers."""
    from congvu.dossiers.models import Dossier

    facts = records_behind(unit, period, "open_overdue", "numerator", now).facts
    ids = list(facts.order_by("overdue_at", "pk").values_list("pk", flat=True)[:limit])
    rank = {pk: i for i, pk in enumerate(ids)}
    rows = Dossier.objects.filter(pk__in=ids).select_related("procedure_version__procedure", "handling_unit")
    return sorted(rows, key=lambda d: rank[d.pk]), facts.count()


def data_as_of():
    from congvu.indices.services import data_as_of as as_of

    return as_of()


__all__ = [
    "METRICS", "Behind", "Index766", "Metric", "RankRow", "ReportRow", "Summary", "data_as_of", "index_766",
    "metric_value", "ranking", "records_behind", "report_rows", "summary", "trend",
]
