"""The PAR index framework (bộ chỉ số Chỉ số cải cách hành chính) as plain data: a tree of areas → criteria →
sub-criteria with maximum points, the bands, and how a criterion bound to a measured metric turns the
metric's value into points. No Django models here: validation, scoring and ranking are tested without a
database.

Why a tree the administrator loads: Decision 876/QĐ-BNV (2022) fixes the province-level PAR Index, but each
province issues its own department and commune versions every year (areas, points, bands), so none of it is
code (DOMAIN.md §5b).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

TARGETS = ("department", "commune")
METHODS = ("proportional", "thresholds")
DEFAULT_BANDS = (("A", Decimal("90")), ("B", Decimal("80")), ("C", Decimal("70")), ("D", Decimal("0")))
CENT = Decimal("0.01")


class FrameworkError(ValueError):
    """A framework that cannot be used; `messages` lists every problem found, in Vietnamese."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Scoring:
    """How a bound criterion's metric value becomes points: proportional (points = max × value ÷ scale, so a
    rate of 0.9 on a 3-point criterion gives 2.7; scale 100 for a metric given in percent — on_time_rate,
    online_share and satisfaction are — or in points out of 100 like 766.total), or thresholds [(minimum value, points)], the first minimum the value reaches wins, else 0."""

    method: str
    scale: Decimal = Decimal("1")
    thresholds: tuple[tuple[Decimal, Decimal], ...] = ()

    def as_dict(self) -> dict:
        if self.method == "proportional":
            return {"method": "proportional", "scale": str(self.scale)}
        return {"method": "thresholds", "thresholds": [[str(v), str(p)] for v, p in self.thresholds]}


@dataclass(frozen=True)
class CriterionDef:
    code: str
    name: str
    max_points: Decimal
    children: tuple[CriterionDef, ...] = ()
    metric: str = ""
    scoring: Scoring | None = None
    guidance: str = ""

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def is_bound(self) -> bool:
        return bool(self.metric)

    def walk(self, depth: int = 0):
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass(frozen=True)
class FrameworkDef:
    name: str
    year: int
    target: str
    total: Decimal
    bands: tuple[tuple[str, Decimal], ...]
    areas: tuple[CriterionDef, ...]
    legal_basis: str = ""
    example: bool = False
    extra: dict = field(default_factory=dict)

    def walk(self):
        for area in self.areas:
            yield from area.walk()

    def leaves(self) -> list[CriterionDef]:
        return [c for c, _d in self.walk() if c.is_leaf]


def _decimal(value, where: str, errors: list[str]) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        errors.append(_("%(where)s: a number is missing.") % {"where": where})
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.append(_("%(where)s: “%(value)s” is not a number.") % {"where": where, "value": value})
        return None
    if not number.is_finite():
        errors.append(_("%(where)s: “%(value)s” is not a number.") % {"where": where, "value": value})
        return None
    return number


def _scoring(data, code: str, max_points: Decimal, errors: list[str]) -> Scoring | None:
    where = _("Criterion %(code)s") % {"code": code}
    if not isinstance(data, dict):
        data = {"method": data} if isinstance(data, str) else {}
    method = str(data.get("method") or "proportional").strip()
    if method not in METHODS:
        errors.append(_("%(where)s: unknown scoring method “%(method)s” (use proportional or thresholds).") % {"where": where, "method": method})
        return None
    if method == "proportional":
        scale = _decimal(data.get("scale", 1), where, errors)
        if scale is not None and scale <= 0:
            errors.append(_("%(where)s: the scale must be greater than 0.") % {"where": where})
            return None
        return Scoring("proportional", scale=scale or Decimal("1"))
    raw = data.get("thresholds") or []
    if not isinstance(raw, (list, tuple)) or not raw:
        errors.append(_("%(where)s: thresholds scoring needs at least one (minimum value, points) pair.") % {"where": where})
        return None
    pairs = []
    for item in raw:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            errors.append(_("%(where)s: each threshold is a pair (minimum value, points).") % {"where": where})
            return None
        value, points = _decimal(item[0], where, errors), _decimal(item[1], where, errors)
        if value is None or points is None:
            return None
        if points < 0 or points > max_points:
            errors.append(_("%(where)s: threshold points %(points)s must be between 0 and the criterion's maximum %(max)s.")
                          % {"where": where, "points": points, "max": max_points})
        pairs.append((value, points))
    pairs.sort(key=lambda p: p[0], reverse=True)
    if len({v for v, _p in pairs}) != len(pairs):
        errors.append(_("%(where)s: two thresholds have the same minimum value.") % {"where": where})
    if any(pairs[i][1] < pairs[i + 1][1] for i in range(len(pairs) - 1)):
        errors.append(_("%(where)s: a higher threshold cannot give fewer points than a lower one.") % {"where": where})
    return Scoring("thresholds", thresholds=tuple(pairs))


def _node(data, path: str, seen: set[str], errors: list[str], known_metrics) -> CriterionDef | None:
    if not isinstance(data, dict):
        errors.append(_("%(where)s: each criterion is an object with a code, a name and maximum points.") % {"where": path})
        return None
    code = str(data.get("code") or "").strip()
    name = " ".join(str(data.get("name") or "").split())
    if not code:
        errors.append(_("%(where)s: a criterion has no code.") % {"where": path})
        return None
    where = _("Criterion %(code)s") % {"code": code}
    if code in seen:
        errors.append(_("The code %(code)s is used twice.") % {"code": code})
    seen.add(code)
    if not name:
        errors.append(_("%(where)s: the name is missing.") % {"where": where})
    max_points = _decimal(data.get("max_points"), where, errors)
    if max_points is not None and max_points <= 0:
        errors.append(_("%(where)s: the maximum points must be greater than 0.") % {"where": where})
    raw_children = data.get("children") or data.get("criteria") or []
    children = tuple(c for c in (_node(child, where, seen, errors, known_metrics) for child in raw_children) if c is not None)
    metric = str(data.get("metric") or "").strip()
    scoring = None
    if metric:
        if raw_children:
            errors.append(_("%(where)s: only a criterion without sub-criteria can be bound to a metric.") % {"where": where})
        if known_metrics is not None and metric not in known_metrics:
            errors.append(_("%(where)s: unknown metric “%(metric)s”.") % {"where": where, "metric": metric})
        if max_points is not None:
            scoring = _scoring(data.get("scoring"), code, max_points, errors)
    elif data.get("scoring"):
        errors.append(_("%(where)s: a scoring rule needs a metric.") % {"where": where})
    if children and max_points is not None and len(children) == len(raw_children):
        total = sum((c.max_points for c in children), Decimal(0))
        if total != max_points:
            errors.append(_("%(where)s: its sub-criteria add up to %(sum)s points, not its maximum %(max)s.")
                          % {"where": where, "sum": _fmt(total), "max": _fmt(max_points)})
    return CriterionDef(code=code, name=name, max_points=max_points or Decimal(0), children=children, metric=metric,
                        scoring=scoring, guidance=str(data.get("guidance") or "").strip())


def _bands(raw, total: Decimal, errors: list[str]) -> tuple[tuple[str, Decimal], ...]:
    if raw in (None, "", []):
        return DEFAULT_BANDS
    bands = []
    for item in raw if isinstance(raw, (list, tuple)) else []:
        if isinstance(item, dict):
            label, minimum = str(item.get("label") or "").strip(), item.get("min")
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            label, minimum = str(item[0]).strip(), item[1]
        else:
            label, minimum = "", None
        where = _("Band %(label)s") % {"label": label or "?"}
        value = _decimal(minimum, where, errors)
        if not label:
            errors.append(_("A band has no label."))
        if value is not None:
            bands.append((label, value))
    if not bands:
        errors.append(_("The bands must be a list of (label, minimum score)."))
        return DEFAULT_BANDS
    bands.sort(key=lambda b: b[1], reverse=True)
    if len({label for label, _m in bands}) != len(bands):
        errors.append(_("Two bands have the same label."))
    if len({m for _l, m in bands}) != len(bands):
        errors.append(_("Two bands have the same minimum score."))
    if bands[-1][1] != 0:
        errors.append(_("The lowest band must start at 0 so that every score has a band."))
    if bands[0][1] > total:
        errors.append(_("Band %(label)s starts above the total of %(total)s points.") % {"label": bands[0][0], "total": _fmt(total)})
    return tuple(bands)


def load_framework(data: dict, known_metrics=None) -> FrameworkDef:
    """Validate a framework given as data (the JSON file, the Excel sheet read into the same shape, the admin's
    rows) and return it; raise FrameworkError listing every problem. `known_metrics`, when given, is the set of
    metric keys a bound criterion may use."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise FrameworkError([_("The framework file must hold one object with a name, a year, a target and areas.")])
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors.append(_("The framework has no name."))
    try:
        year = int(data.get("year"))
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(_("The year must be a year such as 2026."))
        year = 0
    target = str(data.get("target") or "").strip()
    if target not in TARGETS:
        errors.append(_("The target must be “department” (departments) or “commune” (communes)."))
    total = _decimal(data.get("total", 100), _("Total"), errors) or Decimal(0)
    if total <= 0:
        errors.append(_("The total must be greater than 0."))
    seen: set[str] = set()
    raw_areas = data.get("areas") or []
    if not isinstance(raw_areas, list) or not raw_areas:
        errors.append(_("The framework has no areas."))
        raw_areas = []
    areas = tuple(a for a in (_node(area, _("Areas"), seen, errors, known_metrics) for area in raw_areas) if a is not None)
    if areas and len(areas) == len(raw_areas) and total > 0:
        area_sum = sum((a.max_points for a in areas), Decimal(0))
        if area_sum != total:
            errors.append(_("The areas add up to %(sum)s points, not the total of %(total)s.") % {"sum": _fmt(area_sum), "total": _fmt(total)})
    bands = _bands(data.get("bands"), total, errors)
    if errors:
        raise FrameworkError(errors)
    return FrameworkDef(name=name, year=year, target=target, total=total, bands=bands, areas=areas,
                        legal_basis=str(data.get("legal_basis") or "").strip(), example=bool(data.get("example")))


def _fmt(value: Decimal) -> str:
    """12.50 → "12,5": points written the Vietnamese way."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


# ---------------------------------------------------------------------------------------------------- scoring


def bound_points(scoring: Scoring, max_points: Decimal, value: Decimal | None) -> Decimal:
    """Points of a bound criterion for the metric `value`; no value (nothing measured) scores 0, never more
    than the maximum, never below 0, rounded to hundredths."""
    if value is None:
        return Decimal(0)
    value = Decimal(value)
    if scoring.method == "proportional":
        points = max_points * value / scoring.scale
    else:
        points = next((p for minimum, p in scoring.thresholds if value >= minimum), Decimal(0))
    return min(max(points, Decimal(0)), max_points).quantize(CENT, rounding=ROUND_HALF_UP)


def band_for(bands, score: Decimal | None) -> str:
    """The label of the highest band whose minimum `score` reaches ("" without a score)."""
    if score is None:
        return ""
    for label, minimum in sorted(bands, key=lambda b: b[1], reverse=True):
        if score >= minimum:
            return label
    return ""


def competition_ranks(scores: list[Decimal | None]) -> list[int | None]:
    """Ranks for scores, best first, ties sharing a rank and the next rank skipping (1, 2, 2, 4) — the way
    the PAR Index results are published; no score, no rank."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first = {}
    for position, score in enumerate(ordered, start=1):
        first.setdefault(score, position)
    return [first[s] if s is not None else None for s in scores]
