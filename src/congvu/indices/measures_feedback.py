"""Decision 766 group 6 (satisfaction), indicators 5.1–5.3, from the feedback (PAKN) the system recorded.

Which feedback counts (`feedback.selectors.feedback_population`): items whose responsible unit is the unit (its
subtree, units merged into it) that were received before the period ended and not closed (refused or published)
before it began — handled during the period, as 2.1 counts dossiers "received or processed in the period".
Everything is judged as it stood at the end of the period (or now, for the running period), from the steps'
timestamps, so a past month's figure does not change when an item is answered late the month after.

- 5.1 (monitoring only): items whose classification (regulation/procedure or conduct of officials) the unit
  confirmed on accepting them ÷ all items.
- 5.2: items not late ÷ all items. Late = a step done by the period's end overran its deadline (refused after
  refuse_due_at, information requested after info_due_at, answered after answer_due_at, published after
  publish_due_at; the deadlines are the working-day rules in force at receipt, on the responsible unit's
  calendar), or the answer or the publication was still owed past its due time at the period's end. Items in
  process within their deadline count as on time; waiting for the sender's information stops the answer clock.
- 5.3: (items − disliked − late) ÷ items, an item both disliked and late subtracted once. Disliked = the sender's
  verdict on the answer was "not satisfied". The national formula also subtracts re-petitioned items
  (PAKN lặp lại); congvu does not record a re-petition as such, so none is subtracted — said here rather than
  guessed from similar titles.
With no feedback every denominator is 0 (`Measure.rate` is None); the scheme gives 5.2 and 5.3 full points then.
"""

from __future__ import annotations

from django.db.models import Count, Q

from congvu.feedback.selectors import (
    feedback_classified_q, feedback_disliked_q, feedback_late_q, feedback_population, handled_in_q, measured_at,
)
from congvu.indices.measures import Measure


def _aggregates(at):
    late = feedback_late_q(at)
    return {
        "total": Count("pk"),
        "classified": Count("pk", filter=feedback_classified_q(at)),
        "late": Count("pk", filter=late),
        "unsatisfied": Count("pk", filter=late | feedback_disliked_q(at)),
    }


def _measures(counts: dict) -> dict[str, Measure]:
    total = counts["total"]
    return {
        "5.1": Measure(counts["classified"], total),
        "5.2": Measure(total - counts["late"], total),
        "5.3": Measure(total - counts["unsatisfied"], total),
    }


def feedback_measures(unit, period) -> dict[str, Measure]:
    return _measures(feedback_population(unit, period).order_by().aggregate(**_aggregates(measured_at(period))))


def feedback_measures_many(units, period) -> dict[int, dict[str, Measure]]:
    """feedback_measures of several units (a ranking's children) in one grouped query: {unit pk: measures}."""
    from congvu.feedback.models import Feedback
    from congvu.indices.scoping import unit_groups

    units = list(units)
    groups = unit_groups(units)
    at = measured_at(period)
    totals = {u.pk: dict.fromkeys(("total", "classified", "late", "unsatisfied"), 0) for u in units}
    rows = (Feedback.objects.filter(handled_in_q(period), responsible_unit_id__in=list(groups))
            .values("responsible_unit_id").annotate(**_aggregates(at)).order_by())
    for row in rows:
        into = totals[groups[row.pop("responsible_unit_id")].pk]
        for name, n in row.items():
            into[name] += n
    return {pk: _measures(counts) for pk, counts in totals.items()}


def feedback_measures_by_month(unit, months) -> dict[str, dict[str, Measure]]:
    """feedback_measures of `unit` for each of `months` in one pass over its feedback: {month key: measures}."""
    from congvu.feedback.models import Feedback
    from congvu.indices.scoping import unit_q

    months = list(months)
    aggregates, population = {}, Q(pk__in=[])
    for i, month in enumerate(months):
        handled = handled_in_q(month)
        population |= handled
        for name, count in _aggregates(measured_at(month)).items():
            aggregates[f"m{i}_{name}"] = Count("pk", filter=handled & count.filter if count.filter is not None else handled)
    items = Feedback.objects.filter(unit_q(unit, "responsible_unit")).filter(population).order_by()
    # Forty-odd filtered counts take Django longer to compile than the database to run: skip them when empty.
    empty = not months or not items.exists()
    row = dict.fromkeys(aggregates, 0) if empty else items.aggregate(**aggregates)
    return {month.key: _measures({name: row[f"m{i}_{name}"] for name in ("total", "classified", "late", "unsatisfied")})
            for i, month in enumerate(months)}


__all__ = ["feedback_measures", "feedback_measures_by_month", "feedback_measures_many"]
