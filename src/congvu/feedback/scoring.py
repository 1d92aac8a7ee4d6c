"""The satisfaction survey and its arithmetic, pure Python (no Django).

The survey asks, after the result, how satisfied the applicant is with the five SIPAS factors (Decision
1001/QĐ-BNV: access to the service, the procedure, the officer, the result, the handling of feedback) on a
scale of 1 to `scale_max`, plus the Decree 61/2018 perception questions (art. 31; Circular 01/2018 art. 13–14):
how many extra trips the applicant had to make, whether anyone asked for money beyond the fees, whether the
appointment was kept, and whether the body apologised when it was late. Each answer is one row (question,
value), never a numbered column.

The official SIPAS formula was not found (DOMAIN.md §5), so the aggregation is configuration: the default,
"share of satisfied answers", scores a factor as the share of answers at or above `satisfied_at_least`
(satisfied or very satisfied) and the index as the mean of the factors; "mean score" rescales the mean answer
to 0–100 instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum


class Factor(str, Enum):
    ACCESS = "access"
    PROCEDURE = "procedure"
    OFFICER = "officer"
    RESULT = "result"
    FEEDBACK = "feedback"


FACTORS = tuple(Factor)
# A citizen who never raised a concern has no experience of feedback handling: they may leave it unanswered.
OPTIONAL_FACTORS = frozenset({Factor.FEEDBACK})


class Perception(str, Enum):
    """Decree 61 perception questions; the value stored for each answer is given with the choices."""

    TRIPS = "trips"  # extra trips: 0 none, 1 one, 2 two or more (Circular 01/2018: 2/1/0 points)
    EXTRA_MONEY = "extra_money"  # 1 asked for money beyond the fees, 0 not
    APPOINTMENT = "appointment"  # 2 earlier than the appointment, 1 on it, 0 later
    APOLOGY = "apology"  # only when late: 1 apologised and set a new appointment, 0 not


PERCEPTIONS = tuple(Perception)
PERCEPTION_VALUES: dict[Perception, tuple[int, ...]] = {
    Perception.TRIPS: (0, 1, 2),
    Perception.EXTRA_MONEY: (0, 1),
    Perception.APPOINTMENT: (2, 1, 0),
    Perception.APOLOGY: (1, 0),
}
APPOINTMENT_LATE = 0


class Aggregation(str, Enum):
    SHARE_SATISFIED = "share_satisfied"
    MEAN_SCORE = "mean_score"


@dataclass(frozen=True)
class SchemeRules:
    scale_max: int = 5
    satisfied_at_least: int = 4
    dislike_at_most: int = 2
    aggregation: Aggregation = Aggregation.SHARE_SATISFIED

    def __post_init__(self) -> None:
        if not 3 <= self.scale_max <= 10:
            raise ValueError("scale_max must be between 3 and 10")
        if not 1 < self.satisfied_at_least <= self.scale_max:
            raise ValueError("satisfied_at_least must lie on the scale, above its lowest point")
        if not 1 <= self.dislike_at_most < self.satisfied_at_least:
            raise ValueError("dislike_at_most must lie on the scale, below satisfied_at_least")

    @property
    def scale(self) -> range:
        return range(1, self.scale_max + 1)


def check_answers(scores: Mapping[Factor, int | None], perceptions: Mapping[Perception, int | None], rules: SchemeRules) -> list[str]:
    """Problems with a set of answers, as machine codes ("missing:officer", "range:trips"); [] when usable."""
    problems = []
    for factor in FACTORS:
        value = scores.get(factor)
        if value is None:
            if factor not in OPTIONAL_FACTORS:
                problems.append(f"missing:{factor.value}")
        elif value not in rules.scale:
            problems.append(f"range:{factor.value}")
    for question in PERCEPTIONS:
        value = perceptions.get(question)
        if value is None:
            if question != Perception.APOLOGY:
                problems.append(f"missing:{question.value}")
        elif value not in PERCEPTION_VALUES[question]:
            problems.append(f"range:{question.value}")
    if perceptions.get(Perception.APOLOGY) is not None and perceptions.get(Perception.APPOINTMENT) != APPOINTMENT_LATE:
        problems.append("apology_without_lateness")
    return problems


def mean_score(scores: Iterable[int | None]) -> float | None:
    values = [s for s in scores if s is not None]
    return sum(values) / len(values) if values else None


def is_dislike(scores: Iterable[int | None], rules: SchemeRules) -> bool:
    """A rating counts as a dislike (Decision 766 indicator 5.4) when any factor is scored dissatisfied."""
    return any(s is not None and s <= rules.dislike_at_most for s in scores)


def factor_index(counts: Mapping[int, int], rules: SchemeRules) -> float | None:
    """0–100 for one factor from the number of answers per score ({5: 12, 4: 3, 2: 1}); None without answers."""
    total = sum(n for score, n in counts.items() if score in rules.scale)
    if not total:
        return None
    if rules.aggregation == Aggregation.MEAN_SCORE:
        mean = sum(score * n for score, n in counts.items() if score in rules.scale) / total
        return 100 * (mean - 1) / (rules.scale_max - 1)
    satisfied = sum(n for score, n in counts.items() if rules.satisfied_at_least <= score <= rules.scale_max)
    return 100 * satisfied / total


def sipas_index(counts_by_factor: Mapping[Factor, Mapping[int, int]], rules: SchemeRules) -> tuple[dict[Factor, float | None], float | None]:
    """Each factor's index and the overall index (mean of the factors that have answers)."""
    per_factor = {factor: factor_index(counts_by_factor.get(factor, {}), rules) for factor in FACTORS}
    scored = [v for v in per_factor.values() if v is not None]
    return per_factor, (sum(scored) / len(scored) if scored else None)


def rate(numerator: int, denominator: int) -> float | None:
    """A share in percent, None when there is nothing to share."""
    return 100 * numerator / denominator if denominator else None


def check_factor_questions(mapping) -> list[str]:
    """Problems with a SIPAS factor → questions mapping (Vietnamese, for the admin form); [] when usable.
    An empty mapping means the default one-to-one mapping. Only the scale questions can feed a factor: the
    perception questions are coded facts (trips, money asked), not satisfaction."""
    if not mapping:
        return []
    if not isinstance(mapping, dict):
        return ["Cấu hình phải là một đối tượng JSON {yếu tố: [câu hỏi, …]}."]
    problems = []
    factors = {f.value for f in FACTORS}
    for key in mapping:
        if key not in factors:
            problems.append(f"“{key}” không phải là một yếu tố SIPAS (dùng: {', '.join(sorted(factors))}).")
    used: dict[str, str] = {}
    for factor in sorted(factors):
        questions = mapping.get(factor)
        if not isinstance(questions, list) or not questions:
            problems.append(f"Yếu tố “{factor}” cần ít nhất một câu hỏi.")
            continue
        for question in questions:
            if question not in factors:
                problems.append(f"“{question}” không phải là câu hỏi chấm điểm theo thang (dùng: {', '.join(sorted(factors))}).")
            elif question in used:
                problems.append(f"Câu hỏi “{question}” đã thuộc yếu tố “{used[question]}”.")
            else:
                used[question] = factor
    return problems
