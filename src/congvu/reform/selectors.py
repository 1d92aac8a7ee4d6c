"""Reads of the PAR index and the external indices."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from congvu.reform.framework import band_for, competition_ranks
from congvu.reform.models import Assessment, AssessmentState, AuditEntry, Criterion, CriterionScore, ExternalIndex, Framework
from congvu.units.models import Unit
from congvu.units.selectors import active_q, order_by_name, scope_of, staff_profile_of, subtree_q, units_in_scope


@dataclass
class ParResult:
    """One unit's line of the results: `score` and `band` are the verified final ones (None and "" until the
    reform office finishes verifying), `rank` among the verified units of the framework, ties sharing a rank."""

    unit: Unit
    score: Decimal | None
    band: str
    rank: int | None
    verified: bool
    state: str = ""
    self_score: Decimal | None = None
    assessment: Assessment | None = field(default=None, repr=False)


def assessed_units(framework: Framework, parent_unit: Unit | None = None) -> QuerySet[Unit]:
    """The units a framework scores: the active units of its kind (under `parent_unit` when given), plus any
    unit that already has an assessment under it (a unit merged away during the year keeps its result)."""
    qs = Unit.objects.filter(Q(kind=framework.unit_kind) & (active_q() | Q(par_assessments__framework=framework))).distinct()
    if parent_unit is not None:
        qs = qs.filter(subtree_q(parent_unit))
    return qs


def par_results(framework: Framework, parent_unit: Unit | None = None) -> list[ParResult]:
    """Results of the framework's units, best first: verified units by final score (ties share a rank, then by
    name), then the units not verified yet."""
    units = list(order_by_name(assessed_units(framework, parent_unit)))
    assessments = {a.unit_id: a for a in Assessment.objects.filter(framework=framework, unit__in=[u.pk for u in units])}
    bands = framework.band_pairs
    rows = []
    for unit in units:
        a = assessments.get(unit.pk)
        verified = a is not None and a.state == AssessmentState.VERIFIED
        score = a.final_score if verified else None
        rows.append(ParResult(unit=unit, score=score, band=band_for(bands, score), rank=None, verified=verified,
                              state=a.state if a else "", self_score=a.self_score if a and a.state != AssessmentState.DRAFT else None, assessment=a))
    for row, rank in zip(rows, competition_ranks([r.score for r in rows])):
        row.rank = rank
    # Stable sort keeps the Vietnamese name order among equal ranks and among unranked units.
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0))
    return rows


def band_counts(framework: Framework, results: list[ParResult]) -> list[tuple[str, int]]:
    return [(label, sum(1 for r in results if r.band == label)) for label, _m in framework.band_pairs]


def frameworks() -> QuerySet[Framework]:
    return Framework.objects.all().order_by("-year", "target")


def framework_tree(framework: Framework) -> list[tuple[Criterion, int, bool]]:
    """(criterion, depth, is leaf) in display order."""
    criteria = list(framework.criteria.order_by("order", "pk"))
    by_parent: dict[int | None, list[Criterion]] = {}
    for c in criteria:
        by_parent.setdefault(c.parent_id, []).append(c)
    out: list[tuple[Criterion, int, bool]] = []

    def walk(parent_id, depth):
        for c in by_parent.get(parent_id, []):
            out.append((c, depth, c.pk not in by_parent))
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out


def scores_by_criterion(assessment: Assessment | None) -> dict[int, CriterionScore]:
    if assessment is None:
        return {}
    return {s.criterion_id: s for s in assessment.scores.prefetch_related("evidence__file")}


def assessments_in_scope(user, framework: Framework, state: str = "") -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(framework=framework, unit__in=units_in_scope(scope_of(user)).values("pk")).select_related("unit")
    if state:
        qs = qs.filter(state=state)
    return qs


def my_unit(user) -> Unit | None:
    profile = staff_profile_of(user)
    return profile.unit if profile else None


def history_of(assessment: Assessment) -> QuerySet[AuditEntry]:
    return assessment.audit.select_related("actor").order_by("at", "pk")


def external_indices(year: int | None = None, kind: str = "", unit: Unit | None = None, sort: str = "-year") -> QuerySet[ExternalIndex]:
    """External indices (PCI, PAPI, national PAR and SIPAS rankings), newest year first; for one year when given."""
    qs = ExternalIndex.objects.select_related("unit")
    if year:
        qs = qs.filter(year=year)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(unit=unit)
    orders = {"-year": ("-year", "kind"), "year": ("year", "kind"), "kind": ("kind", "-year"), "rank": ("rank", "-year")}
    return qs.order_by(*orders.get(sort, orders["-year"]), "unit__code")
