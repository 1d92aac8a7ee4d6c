"""The SIPAS-style satisfaction index of a unit over a period, from the portal's ratings (DOMAIN.md §5).

For each of the five factors of Decision 1001/QĐ-BNV (access, procedure, officer, result, feedback handling)
and overall: the value, the number of answers, a 95% confidence interval and whether the sample is large
enough to be significant. A figure below the minimum sample is still shown, flagged, never hidden.

Definitions (congvu's default, named as such because the official formula was not found):
- Which survey questions make up a factor, the overall rule and the minimum sample are `SipasSettings`
  (versioned; the row in force on the period's last day; one question per factor by default).
- A factor's value under the default "share of satisfied answers" aggregation is the share of its answers at or
  above the rating scheme's "satisfied from" score (satisfied or very satisfied), with a Wilson interval. Under the
  "mean score" aggregation it is the mean answer rescaled to 0–1, with a normal interval (mean ± 1.96 · s/√n).
  The aggregation is the one of the rating scheme in force on the period's last day; "satisfied" and the scale
  of each answer are those of the scheme the rating was given under.
- Overall, by default, is the mean of the factors that have answers; its interval is the mean of their bounds
  (the answers of one person to the five factors are strongly correlated, and averaging the bounds is the
  interval under perfect correlation, so it is never narrower than the truth); its number of answers is the
  number of ratings. The "pooled" alternative pools every factor answer into one share with one Wilson interval.
- Ratings count toward `Rating.handling_unit` (with its subtree and the units merged into it) and the month
  the rating was given in, in Vietnam's time.

Speed: whole months are read from `RatingRollup` (one row per unit, month, scheme, question, value); the
partial first and last month of a custom range, and ratings newer than the rollups' checkpoint, are counted
from the raw ratings, so a province-year figure never scans all ratings and is never staler than the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.feedback.models import (
    DEFAULT_FACTOR_QUESTIONS, OVERALL_POOLED, SIPAS_OVERALL, OfficialSurveyResult, RatingAnswer, RatingMonth, RatingRollup,
    RatingRollupCheckpoint, RatingScheme, SipasSettings,
)
from congvu.feedback.scoring import FACTORS, Aggregation, SchemeRules
from congvu.indices.periods import Period
from congvu.indices.scoping import unit_ids

Z_95 = 1.96

FACTOR_NAMES = {
    "access": _("Access to the service"),
    "procedure": _("Administrative procedure"),
    "officer": _("Officers handling the dossier"),
    "result": _("Result of the service"),
    "feedback": _("Receiving and handling feedback"),
    SIPAS_OVERALL: pgettext_lazy("sipas", "Overall"),
}


@dataclass(frozen=True)
class Estimate:
    code: str  # a factor ("access", …) or "overall"
    name: str
    answers: int
    value: Decimal | None  # 0–1; None without answers
    low: Decimal | None
    high: Decimal | None
    significant: bool
    satisfied: int | None = None  # satisfied answers (share aggregation, factors and pooled overall)

    @property
    def percent(self) -> Decimal | None:
        return _pct(self.value)

    @property
    def low_percent(self) -> Decimal | None:
        return _pct(self.low)

    @property
    def high_percent(self) -> Decimal | None:
        return _pct(self.high)


@dataclass(frozen=True)
class SipasResult:
    overall: Estimate
    factors: list[Estimate]
    official: list[OfficialSurveyResult]
    unit: object = None
    period: Period | None = None
    settings_name: str = ""
    aggregation: str = Aggregation.SHARE_SATISFIED.value
    min_sample: int = 30
    ratings: int = 0
    dislikes: int = 0
    notes: list[str] = field(default_factory=list)


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------------ pure arithmetic


@dataclass
class Tally:
    """Answers of one factor: how many, how many satisfied, and the sum and sum of squares of the answers
    rescaled to 0–1 (for the mean-score aggregation)."""

    answers: int = 0
    satisfied: int = 0
    score_sum: float = 0.0
    score_squares: float = 0.0

    def add(self, value: int, n: int, rules: SchemeRules) -> None:
        if value not in rules.scale or n <= 0:
            return
        self.answers += n
        if value >= rules.satisfied_at_least:
            self.satisfied += n
        score = (value - 1) / (rules.scale_max - 1)
        self.score_sum += n * score
        self.score_squares += n * score * score

    def __iadd__(self, other: Tally) -> Tally:
        self.answers += other.answers
        self.satisfied += other.satisfied
        self.score_sum += other.score_sum
        self.score_squares += other.score_squares
        return self


def _dec(x) -> Decimal | None:
    return None if x is None else Decimal(str(x))


def _wilson(successes: int, n: int) -> tuple[Decimal, Decimal]:
    from congvu.indices.scoring import wilson_interval

    result = wilson_interval(successes, n, Z_95)
    low, high = (result.low, result.high) if hasattr(result, "low") else result
    return _dec(low), _dec(high)


def mean_interval_from_tally(tally: Tally, z: float = Z_95) -> tuple[Decimal | None, Decimal | None]:
    """Normal interval of the mean rescaled answer, clipped to [0, 1]; None below two answers (no spread)."""
    n = tally.answers
    if n < 2:
        return None, None
    mean = tally.score_sum / n
    variance = max(0.0, (tally.score_squares - n * mean * mean) / (n - 1))
    half = z * math.sqrt(variance / n)
    return _dec(round(max(0.0, mean - half), 10)), _dec(round(min(1.0, mean + half), 10))


def factor_estimate(code: str, name: str, tally: Tally, aggregation: str, min_sample: int) -> Estimate:
    if not tally.answers:
        return Estimate(code, str(name), 0, None, None, None, False, 0)
    if aggregation == Aggregation.MEAN_SCORE.value:
        value = Decimal(str(tally.score_sum)) / tally.answers
        low, high = mean_interval_from_tally(tally)
        return Estimate(code, str(name), tally.answers, value, low, high, tally.answers >= min_sample, tally.satisfied)
    low, high = _wilson(tally.satisfied, tally.answers)
    value = Decimal(tally.satisfied) / Decimal(tally.answers)
    return Estimate(code, str(name), tally.answers, value, low, high, tally.answers >= min_sample, tally.satisfied)


def overall_estimate(factors: list[Estimate], tallies: Iterable[Tally], ratings: int, aggregation: str, overall: str,
                     min_sample: int) -> Estimate:
    name = str(FACTOR_NAMES[SIPAS_OVERALL])
    if overall == OVERALL_POOLED:
        pooled = Tally()
        for tally in tallies:
            pooled += tally
        return factor_estimate(SIPAS_OVERALL, name, pooled, aggregation, min_sample)
    scored = [f for f in factors if f.value is not None]
    if not scored:
        return Estimate(SIPAS_OVERALL, name, ratings, None, None, None, False)
    value = sum((f.value for f in scored), Decimal(0)) / len(scored)
    bounded = [f for f in scored if f.low is not None and f.high is not None]
    low = high = None
    if len(bounded) == len(scored):
        low = sum((f.low for f in bounded), Decimal(0)) / len(bounded)
        high = sum((f.high for f in bounded), Decimal(0)) / len(bounded)
    return Estimate(SIPAS_OVERALL, name, ratings, value, low, high, ratings >= min_sample)


# ------------------------------------------------------------------------------------------------ configuration


def sipas_settings_in_force(day) -> SipasSettings:
    """The settings row in force on `day`; before (or without) any row, congvu's shipped default, unsaved."""
    row = SipasSettings.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if row is not None:
        return row
    return SipasSettings(
        effective_from=day, name=str(_("congvu's default: share of satisfied answers per SIPAS factor, overall = mean of the factors")),
        factor_questions=DEFAULT_FACTOR_QUESTIONS, min_sample=30,
    )


def _aggregation_on(day) -> str:
    scheme = RatingScheme.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    scheme = scheme or RatingScheme.objects.order_by("effective_from").first()
    return scheme.aggregation if scheme else Aggregation.SHARE_SATISFIED.value


# ------------------------------------------------------------------------------------------------ counting


def whole_and_partial_months(period: Period) -> tuple[list[Period], list[Period]]:
    """The calendar months lying wholly inside the period, and the parts of the edge months that do not (as
    ranges clipped to the period)."""
    whole, partial = [], []
    for month in period.months():
        if period.start <= month.start and month.end <= period.end:
            whole.append(month)
        else:
            partial.append(Period.between(max(month.start, period.start), min(month.end, period.end)))
    return whole, partial


def _instant_q(prefix: str, periods: list[Period]) -> Q:
    q = Q(pk__in=[])
    for p in periods:
        q |= Q(**{f"{prefix}submitted_at__gte": p.start_instant(), f"{prefix}submitted_at__lt": p.end_instant()})
    return q


Counts = dict[tuple[int, str, int], int]  # (scheme id, question, value) → answers


def raw_counts(ids: list[int], periods: list[Period], extra: Q | None = None) -> tuple[Counts, int, int]:
    """Answers and ratings straight from the ratings of units `ids` submitted within `periods`."""
    from congvu.feedback.models import Rating

    if not periods:
        return {}, 0, 0
    ratings = Rating.objects.filter(_instant_q("", periods), handling_unit_id__in=ids)
    if extra is not None:
        ratings = ratings.filter(extra)
    counts: Counts = {}
    rows = (RatingAnswer.objects.filter(rating__in=ratings.values("pk")).values("rating__scheme_id", "question", "value")
            .annotate(n=Count("pk")).order_by().values_list("rating__scheme_id", "question", "value", "n"))
    for scheme_id, question, value, n in rows:
        counts[(scheme_id, question, value)] = counts.get((scheme_id, question, value), 0) + n
    totals = ratings.order_by().aggregate(n=Count("pk"), dislikes=Count("pk", filter=Q(dislike=True)))
    return counts, totals["n"], totals["dislikes"]


def rollup_counts(ids: list[int], months: list[Period]) -> tuple[Counts, int, int]:
    if not months:
        return {}, 0, 0
    firsts = [m.start for m in months]
    counts: Counts = {}
    rows = (RatingRollup.objects.filter(unit_id__in=ids, month__in=firsts).values("scheme_id", "question", "value")
            .annotate(n=Sum("answers")).order_by().values_list("scheme_id", "question", "value", "n"))
    for scheme_id, question, value, n in rows:
        counts[(scheme_id, question, value)] = n
    totals = RatingMonth.objects.filter(unit_id__in=ids, month__in=firsts).aggregate(n=Sum("ratings"), dislikes=Sum("dislikes"))
    return counts, totals["n"] or 0, totals["dislikes"] or 0


def _merge(into: Counts, more: Counts) -> None:
    for key, n in more.items():
        into[key] = into.get(key, 0) + n


def period_counts(unit, period: Period, *, use_rollups: bool = True) -> tuple[Counts, int, int]:
    """(answers per scheme, question and value; ratings; dislikes) of `unit` over `period`."""
    ids = unit_ids(unit)
    if not use_rollups:
        return raw_counts(ids, [period])
    whole, partial = whole_and_partial_months(period)
    counts, ratings, dislikes = rollup_counts(ids, whole)
    edge, edge_ratings, edge_dislikes = raw_counts(ids, partial)
    _merge(counts, edge)
    # Ratings submitted after the last refresh are not in the rollups yet: count them raw, so the figure is
    # current whether or not the worker has run.
    checkpoint = RatingRollupCheckpoint.objects.filter(pk=1).values_list("last_rating_id", flat=True).first() or 0
    tail, tail_ratings, tail_dislikes = raw_counts(ids, whole, Q(pk__gt=checkpoint))
    _merge(counts, tail)
    return counts, ratings + edge_ratings + tail_ratings, dislikes + edge_dislikes + tail_dislikes


def tallies_from_counts(counts: Counts, mapping: dict[str, list[str]], rules: dict | None = None) -> dict[str, Tally]:
    """`rules`: scheme id → SchemeRules, read here when not given (a batch passes them all, read once)."""
    question_factor = {q: f for f, questions in mapping.items() for q in questions}
    rules = rules if rules is not None else _scheme_rules({k[0] for k in counts})
    tallies = {f.value: Tally() for f in FACTORS}
    for (scheme_id, question, value), n in counts.items():
        factor = question_factor.get(question)
        if factor is not None and factor in tallies:
            tallies[factor].add(value, n, rules[scheme_id])
    return tallies


def _scheme_rules(ids) -> dict:
    return {s.pk: s.rules() for s in RatingScheme.objects.filter(pk__in=list(ids))}


# ------------------------------------------------------------------------------------------------ the index


def _estimates(counts: Counts, ratings: int, settings: SipasSettings, aggregation: str, rules: dict | None = None):
    tallies = tallies_from_counts(counts, settings.mapping(), rules)
    factors = [factor_estimate(f.value, FACTOR_NAMES[f.value], tallies[f.value], aggregation, settings.min_sample) for f in FACTORS]
    return factors, overall_estimate(factors, tallies.values(), ratings, aggregation, settings.overall, settings.min_sample)


def sipas_index(unit, period: Period, *, use_rollups: bool = True) -> SipasResult:
    """The index of `unit` over `period` (see the module's docstring for the definitions)."""
    settings = sipas_settings_in_force(period.end)
    aggregation = _aggregation_on(period.end)
    counts, ratings, dislikes = period_counts(unit, period, use_rollups=use_rollups)
    factors, overall = _estimates(counts, ratings, settings, aggregation)
    years = range(period.start.year, period.end.year + 1)
    official = list(OfficialSurveyResult.objects.filter(unit=unit, year__in=list(years)).select_related("imported_by").order_by("year", "factor"))
    return SipasResult(overall, factors, official, unit=unit, period=period, settings_name=settings.name, aggregation=aggregation,
                       min_sample=settings.min_sample, ratings=ratings, dislikes=dislikes)


# ------------------------------------------------------------------------------------------------ batches
# A ranking wants the overall figure of a hundred units for one period, a trend chart that of one unit for twelve
# months. Both read the same rows as `period_counts`, grouped in one query per source instead of one per unit or
# month, and give the same figures (tests compare them with sipas_index).

_Totals = tuple[Counts, int, int]


def _empty() -> list:
    return [{}, 0, 0]


def _add(into: list, counts: Counts, ratings: int, dislikes: int) -> None:
    _merge(into[0], counts)
    into[1] += ratings
    into[2] += dislikes


def _raw_grouped(ids: list[int], periods: list[Period], key, extra: Q | None = None) -> dict:
    """Like raw_counts, grouped by `key(handling unit id, submitted_at)`."""
    from congvu.feedback.models import Rating

    out: dict = {}
    if not periods:
        return out
    ratings = Rating.objects.filter(_instant_q("", periods), handling_unit_id__in=ids)
    if extra is not None:
        ratings = ratings.filter(extra)
    for unit_id, at, dislike in ratings.values_list("handling_unit_id", "submitted_at", "dislike"):
        into = out.setdefault(key(unit_id, at), _empty())
        into[1] += 1
        into[2] += int(bool(dislike))
    rows = RatingAnswer.objects.filter(rating__in=ratings.values("pk")).values_list(
        "rating__handling_unit_id", "rating__submitted_at", "rating__scheme_id", "question", "value")
    for unit_id, at, scheme_id, question, value in rows:
        counts = out.setdefault(key(unit_id, at), _empty())[0]
        counts[(scheme_id, question, value)] = counts.get((scheme_id, question, value), 0) + 1
    return out


def _rollups_grouped(ids: list[int], months: list[Period], key, by_unit: bool = True) -> dict:
    """Like rollup_counts, grouped by `key(unit id, month's first day)`; without `by_unit` the database sums the
    units already (unit id None), which is all a unit's own series needs."""
    out: dict = {}
    if not months:
        return out
    firsts = [m.start for m in months]
    unit = ("unit_id",) if by_unit else ()
    rows = (RatingRollup.objects.filter(unit_id__in=ids, month__in=firsts).values(*unit, "month", "scheme_id", "question", "value")
            .annotate(n=Sum("answers")).order_by().values_list(*unit, "month", "scheme_id", "question", "value", "n"))
    for *unit_id, month, scheme_id, question, value, n in rows:
        counts = out.setdefault(key(unit_id[0] if unit_id else None, month), _empty())[0]
        counts[(scheme_id, question, value)] = counts.get((scheme_id, question, value), 0) + n
    totals = (RatingMonth.objects.filter(unit_id__in=ids, month__in=firsts).values(*unit, "month")
              .annotate(n=Sum("ratings"), d=Sum("dislikes")).order_by().values_list(*unit, "month", "n", "d"))
    for *unit_id, month, n, d in totals:
        unit_id = unit_id[0] if unit_id else None
        into = out.setdefault(key(unit_id, month), _empty())
        into[1] += n or 0
        into[2] += d or 0
    return out


def _checkpoint() -> int:
    return RatingRollupCheckpoint.objects.filter(pk=1).values_list("last_rating_id", flat=True).first() or 0


def overall_many(units, period: Period) -> dict[int, Estimate]:
    """The overall estimate of each of `units` over `period`: {unit pk: Estimate}."""
    from congvu.indices.scoping import unit_groups

    units = list(units)
    groups = unit_groups(units)
    ids = list(groups)
    by_child = lambda unit_id, _day: groups[unit_id].pk  # noqa: E731
    whole, partial = whole_and_partial_months(period)
    totals = {u.pk: _empty() for u in units}
    for part in (_rollups_grouped(ids, whole, by_child), _raw_grouped(ids, partial, by_child),
                 _raw_grouped(ids, whole, by_child, Q(pk__gt=_checkpoint()))):
        for pk, (counts, ratings, dislikes) in part.items():
            _add(totals[pk], counts, ratings, dislikes)
    settings = sipas_settings_in_force(period.end)
    aggregation = _aggregation_on(period.end)
    rules = _scheme_rules({k[0] for counts, _r, _d in totals.values() for k in counts})
    return {pk: _estimates(counts, ratings, settings, aggregation, rules)[1] for pk, (counts, ratings, dislikes) in totals.items()}


def overall_by_month(unit, months: list[Period]) -> dict[str, Estimate]:
    """The overall estimate of `unit` in each of the calendar `months`: {month key: Estimate}."""
    from django.utils import timezone

    ids = unit_ids(unit)
    by_month = lambda _unit_id, day: (timezone.localtime(day).date() if hasattr(day, "hour") else day).replace(day=1)  # noqa: E731
    totals = {m.start: _empty() for m in months}
    for part in (_rollups_grouped(ids, months, by_month, by_unit=False), _raw_grouped(ids, months, by_month, Q(pk__gt=_checkpoint()))):
        for first, (counts, ratings, dislikes) in part.items():
            _add(totals[first], counts, ratings, dislikes)
    rules = _scheme_rules({k[0] for counts, _r, _d in totals.values() for k in counts})
    out = {}
    for m in months:
        counts, ratings, _dislikes = totals[m.start]
        out[m.key] = _estimates(counts, ratings, sipas_settings_in_force(m.end), _aggregation_on(m.end), rules)[1]
    return out

