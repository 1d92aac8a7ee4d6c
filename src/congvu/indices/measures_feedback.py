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

from django.db.models import Count

from congvu.feedback.selectors import (
    feedback_classified_q, feedback_disliked_q, feedback_late_q, feedback_population, measured_at,
)
from congvu.indices.measures import Measure


def feedback_measures(unit, period) -> dict[str, Measure]:
    at = measured_at(period)
    late = feedback_late_q(at)
    counts = feedback_population(unit, period).order_by().aggregate(
        total=Count("pk"),
        classified=Count("pk", filter=feedback_classified_q(at)),
        late=Count("pk", filter=late),
        unsatisfied=Count("pk", filter=late | feedback_disliked_q(at)),
    )
    total = counts["total"]
    return {
        "5.1": Measure(counts["classified"], total),
        "5.2": Measure(total - counts["late"], total),
        "5.3": Measure(total - counts["unsatisfied"], total),
    }


__all__ = ["feedback_measures"]
