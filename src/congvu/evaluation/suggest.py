"""Suggested points for the criteria of an evaluation framework that are bound to a fact of the month (pure
Python, no Django). The person and their leader see the suggestion next to each such criterion; it is never a
score by itself.

A criterion of the framework JSON is a dict; this module reads only three of its keys:

    "code":    the criterion's code (the key of the result).
    "source":  optional; the fact it is bound to (see SOURCES):
               "on_time_share"            steps finished on time, % of steps finished (none when nothing finished)
               "ratings_satisfied_share"  satisfied ratings, % of ratings naming the person (none without ratings)
               "steps_finished"           processing steps finished
               "complaints_upheld"        upheld complaints about the person
               "inspection_violations"    violations found by inspections
               "training_hours"           hours of training attended
               also "dossiers_received", "steps_late", "open_steps_overdue", "ratings_count",
               "inspection_commendations".
    "scoring": required with a source: {"method": …, "max": <the criterion's points>, …}

Methods:

    "share"       points = max × share / 100, where share is the fact itself for a percentage source, or
                  min(100, value / target × 100) when "target" is given (e.g. 8 training hours a month, 60 steps).
                  Optional "thresholds": [{"at_least": 95, "points": 20}, {"at_least": 80, "points": 15}, …] —
                  then the points of the highest threshold reached (0 below them all) instead of the proportion.
                  Optional "when_none": points to suggest when the share cannot be computed (nothing finished,
                  no ratings); without it no suggestion is made for that criterion.
    "deduct_per"  points = max − per × count, never below 0 (e.g. {"method": "deduct_per", "max": 5, "per": 2.5}
                  on "inspection_violations": 5, 2.5, then 0).

Numbers in the JSON may be integers, decimals or text ("2.5"). Arithmetic is decimal, rounded half up to two
places, and a suggestion never exceeds "max" nor falls below 0. `suggest()` returns nothing for criteria
without a source; it raises ValueError (with the criterion's code) for a criterion whose source or scoring it
cannot apply, and `scoring_problems()` lists those problems in Vietnamese for whoever checks a framework file.

Example:
    {"code": "timeliness", "name": "…", "points": 20, "source": "on_time_share",
     "scoring": {"method": "share", "max": 20}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

SHARE, DEDUCT_PER = "share", "deduct_per"
METHODS = (SHARE, DEDUCT_PER)

# Each source: whether it is already a percentage (0–100) or a count/amount.
PERCENT_SOURCES = ("on_time_share", "ratings_satisfied_share")
AMOUNT_SOURCES = (
    "steps_finished", "complaints_upheld", "inspection_violations", "training_hours", "dossiers_received", "steps_late",
    "open_steps_overdue", "ratings_count", "inspection_commendations",
)
SOURCES = PERCENT_SOURCES + AMOUNT_SOURCES


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _number(value, what: str) -> Decimal:
    if isinstance(value, bool):  # True is an int in Python; a yes/no is never a number of points
        raise ValueError(what)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(what) from None
    if not number.is_finite():
        raise ValueError(what)
    return number


def _fact(facts, name: str):
    if isinstance(facts, Mapping):
        return facts.get(name)
    return getattr(facts, name, None)


def source_value(facts, source: str) -> Decimal | None:
    """The value of `source` in `facts` (a StaffMonthFacts or its as_dict()); None when it cannot be computed."""
    if source == "ratings_satisfied_share":
        count = int(_fact(facts, "ratings_count") or 0)
        if not count:
            return None
        return _round(Decimal(int(_fact(facts, "ratings_satisfied") or 0)) * _HUNDRED / count)
    if source == "on_time_share":
        share = _fact(facts, "on_time_share")
        if share is None:
            return None
        return Decimal(str(share))
    if source in AMOUNT_SOURCES:
        return Decimal(str(_fact(facts, source) or 0))
    raise ValueError(f"unknown source {source!r}")


def _criterion_rule(criterion: Mapping) -> tuple[str, str, dict] | None:
    """(code, source, checked scoring) of a criterion bound to a fact; None without a source. ValueError (in
    Vietnamese) when the binding cannot be applied."""
    code = str(criterion.get("code", "")).strip()
    source = criterion.get("source")
    if source in (None, ""):
        return None
    if not code:
        raise ValueError("Tiêu chí gắn với số liệu phải có mã (code).")
    if source not in SOURCES:
        raise ValueError(f"Tiêu chí {code}: nguồn số liệu «{source}» không được hỗ trợ.")
    scoring = criterion.get("scoring")
    if not isinstance(scoring, Mapping):
        raise ValueError(f"Tiêu chí {code}: thiếu cách tính điểm (scoring).")
    method = scoring.get("method")
    if method not in METHODS:
        raise ValueError(f"Tiêu chí {code}: cách tính «{method}» không được hỗ trợ (share hoặc deduct_per).")
    rule = {"method": method, "max": _checked(scoring, "max", code, minimum=Decimal(0))}
    if method == SHARE:
        if "target" in scoring:
            rule["target"] = _checked(scoring, "target", code, minimum=Decimal(0), strict=True)
        elif source not in PERCENT_SOURCES:
            raise ValueError(f"Tiêu chí {code}: nguồn «{source}» là số lượng, cần chỉ tiêu (target) để tính tỷ lệ.")
        if "when_none" in scoring:
            rule["when_none"] = _checked(scoring, "when_none", code, minimum=Decimal(0))
            if rule["when_none"] > rule["max"]:
                raise ValueError(f"Tiêu chí {code}: điểm khi không có số liệu (when_none) vượt quá điểm tối đa.")
        thresholds = scoring.get("thresholds")
        if thresholds is not None:
            if not isinstance(thresholds, list) or not thresholds:
                raise ValueError(f"Tiêu chí {code}: ngưỡng (thresholds) phải là danh sách không rỗng.")
            steps = []
            for step in thresholds:
                if not isinstance(step, Mapping):
                    raise ValueError(f"Tiêu chí {code}: mỗi ngưỡng phải có at_least và points.")
                at_least = _checked(step, "at_least", code, minimum=Decimal(0))
                points = _checked(step, "points", code, minimum=Decimal(0))
                if points > rule["max"]:
                    raise ValueError(f"Tiêu chí {code}: điểm của ngưỡng {at_least} vượt quá điểm tối đa.")
                steps.append((at_least, points))
            rule["thresholds"] = sorted(steps, reverse=True)
    else:
        rule["per"] = _checked(scoring, "per", code, minimum=Decimal(0))
    return code, source, rule


def _checked(mapping: Mapping, key: str, code: str, *, minimum: Decimal, strict: bool = False) -> Decimal:
    if key not in mapping:
        raise ValueError(f"Tiêu chí {code}: thiếu «{key}».")
    number = _number(mapping[key], f"Tiêu chí {code}: «{key}» phải là một số.")
    if number < minimum or (strict and number == minimum):
        raise ValueError(f"Tiêu chí {code}: «{key}» phải {'lớn hơn' if strict else 'không nhỏ hơn'} {minimum}.")
    return number


def points_for(value: Decimal | None, rule: dict) -> Decimal | None:
    """The suggested points of one rule (as `_criterion_rule` returns it) for the fact's value."""
    maximum = rule["max"]
    if rule["method"] == DEDUCT_PER:
        count = value or Decimal(0)
        return _round(max(Decimal(0), maximum - rule["per"] * count))
    if value is None:
        return _round(rule["when_none"]) if "when_none" in rule else None
    share = min(_HUNDRED, value * _HUNDRED / rule["target"]) if "target" in rule else value
    share = max(Decimal(0), min(_HUNDRED, share))
    if "thresholds" in rule:
        reached = next((points for at_least, points in rule["thresholds"] if share >= at_least), Decimal(0))
        return _round(min(maximum, reached))
    return _round(min(maximum, maximum * share / _HUNDRED))


def suggest(facts, framework_criteria: Iterable[Mapping]) -> dict[str, Decimal]:
    """{criterion code: suggested points} for the criteria bound to a fact; criteria without a source, and those
    whose share cannot be computed (and say nothing for that case), are left out."""
    out: dict[str, Decimal] = {}
    for criterion in framework_criteria:
        bound = _criterion_rule(criterion)
        if bound is None:
            continue
        code, source, rule = bound
        points = points_for(source_value(facts, source), rule)
        if points is not None:
            out[code] = points
    return out


def scoring_problems(framework_criteria: Iterable[Mapping]) -> list[str]:
    """Vietnamese descriptions of every criterion whose source or scoring cannot be applied (empty: all fine)."""
    problems = []
    for criterion in framework_criteria:
        try:
            _criterion_rule(criterion)
        except ValueError as error:
            problems.append(str(error))
    return problems
