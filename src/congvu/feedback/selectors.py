"""Reads of feedback and ratings.

Staff scope: a staff member sees feedback when the unit concerned or the responsible unit lies in their scope
(a one-stop desk sees what is said about it; its commune, which answers, sees it too), and ratings when the
receiving or the handling unit does. Both are one SQL statement through `units.selectors.scope_of`.
Public reads (the form's choices, published answers) show only what is public: names of units, procedures,
and officers' display names, never contact details or accounts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from congvu.core.collation import vietnamese_order
from congvu.core.text import search_terms
from congvu.feedback.models import Feedback, FeedbackEvent, Rating, RatingAnswer, RatingScheme
from congvu.feedback.scoring import FACTORS, PERCEPTION_VALUES, PERCEPTIONS, Factor, SchemeRules, rate, sipas_index
from congvu.feedback.workflow import RUNNING_STATES, FeedbackState
from congvu.units.models import Role, StaffProfile, Unit
from congvu.units.selectors import active_q, order_by_name, scope_of

_RUNNING = [s.value for s in RUNNING_STATES]


def _no_nul(value) -> str:
    return str(value or "").replace("\x00", "")


# ------------------------------------------------------------------------------------------------ staff: feedback


def feedback_for_staff(user) -> QuerySet[Feedback]:
    scope = scope_of(user)
    qs = Feedback.objects.select_related("unit", "responsible_unit", "procedure", "officer")
    if scope.everything:
        return qs
    if scope.is_empty:
        return qs.none()
    units = Unit.objects.filter(scope.q()).values("pk")
    return qs.filter(Q(unit__in=units) | Q(responsible_unit__in=units))


def feedback_item(user, code: str) -> Feedback | None:
    """The item with this code if the user may see it; None alike when it is missing or out of scope."""
    return feedback_for_staff(user).filter(code=_no_nul(code)).first()


def overdue_q(now: dt.datetime) -> Q:
    return Q(state__in=_RUNNING, due_at__lt=now)


SORTS = {
    "due": ("due_at", "code"),
    "-received": ("-received_at", "-code"),
    "received": ("received_at", "code"),
    "code": ("code",),
}


def feedback_list(user, *, state: str = "", kind: str = "", unit: str = "", channel: str = "", overdue: bool | None = None, q: str = "",
                  sort: str = "-received", now: dt.datetime | None = None) -> QuerySet[Feedback]:
    """The staff list and its export: scoped, filtered, in a stable order. `unit` (a code) matches the unit
    concerned or the responsible unit; `q` is accent-insensitive over code, subject, text, names."""
    qs = feedback_for_staff(user)
    if state:
        qs = qs.filter(state=_no_nul(state))
    if kind:
        qs = qs.filter(subject_kind=_no_nul(kind))
    if channel:
        qs = qs.filter(channel=_no_nul(channel))
    if unit:
        code = _no_nul(unit)
        qs = qs.filter(Q(unit__code=code) | Q(responsible_unit__code=code))
    if overdue is not None:
        late = overdue_q(now or timezone.now())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    for term in search_terms(_no_nul(q)):
        qs = qs.filter(search_text__contains=term)
    if sort == "due":
        # Nothing due (waiting for the sender, closed) goes last, whichever database sorts NULLs first.
        return qs.order_by(_nulls_last("due_at"), "code")
    return qs.order_by(*SORTS.get(sort, SORTS["-received"]))


def _nulls_last(field: str):
    from django.db.models import F

    return F(field).asc(nulls_last=True)


def history_of(feedback: Feedback) -> QuerySet[FeedbackEvent]:
    return feedback.events.select_related("actor").order_by("seq")


def is_overdue(feedback: Feedback, now: dt.datetime | None = None) -> bool:
    from congvu.feedback.workflow import is_overdue as overdue

    return overdue(FeedbackState(feedback.state), feedback.due_at, now or timezone.now())


def staff_units(user) -> list[Unit]:
    """Active units in the user's scope, by name: the unit filter and the counter form's choices."""
    from congvu.units.selectors import visible_units

    return list(order_by_name(visible_units(user).filter(active_q())))


@dataclass(frozen=True)
class FeedbackFigures:
    """What indicators 5.2 and 5.3 of Decision 766 count, for a set of feedback items at an instant."""

    total: int
    on_time: int
    overdue: int
    disliked: int

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.total)

    @property
    def satisfaction_rate(self) -> float | None:
        """(total − disliked − overdue) ÷ total; an item both disliked and overdue counts once."""
        return rate(self.total - self.disliked - self.overdue, self.total) if self.total else None


def feedback_figures(qs: QuerySet[Feedback], now: dt.datetime | None = None) -> FeedbackFigures:
    """Counts in one query: an item is overdue when a step overran or its current deadline has passed."""
    now = now or timezone.now()
    overdue = Q(late=True) | overdue_q(now)
    counts = qs.order_by().aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=overdue),
        disliked=Count("pk", filter=Q(verdict="dissatisfied") & ~overdue),
    )
    return FeedbackFigures(counts["total"], counts["total"] - counts["overdue"], counts["overdue"], counts["disliked"])


# ------------------------------------------------------------------------------------------------ staff: ratings


def ratings_for_staff(user) -> QuerySet[Rating]:
    scope = scope_of(user)
    qs = Rating.objects.select_related("dossier", "procedure", "receiving_unit", "handling_unit", "officer", "scheme")
    if scope.everything:
        return qs
    if scope.is_empty:
        return qs.none()
    units = Unit.objects.filter(scope.q()).values("pk")
    return qs.filter(Q(receiving_unit__in=units) | Q(handling_unit__in=units))


def rating_list(user, *, unit: str = "", officer: int | None = None, procedure: str = "", dislike: bool | None = None,
                date_from: dt.date | None = None, date_to: dt.date | None = None, q: str = "") -> QuerySet[Rating]:
    qs = ratings_for_staff(user)
    if unit:
        code = _no_nul(unit)
        qs = qs.filter(Q(receiving_unit__code=code) | Q(handling_unit__code=code))
    if officer:
        qs = qs.filter(officer_id=officer)
    if procedure:
        qs = qs.filter(procedure__code=_no_nul(procedure))
    if dislike is not None:
        qs = qs.filter(dislike=dislike)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(submitted_at__gte=dt.datetime.combine(date_from, dt.time.min, tz))
    if date_to:
        qs = qs.filter(submitted_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tz))
    for term in search_terms(_no_nul(q)):
        qs = qs.filter(Q(dossier__search_text__contains=term) | Q(comment__icontains=term))
    return qs.order_by("-submitted_at", "-pk")


def answers_by_rating(ratings) -> dict[int, dict[str, int]]:
    """{rating id: {question: value}} for a page of ratings, in one query."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for rating_id, question, value in RatingAnswer.objects.filter(rating__in=[r.pk for r in ratings]).values_list("rating_id", "question", "value"):
        out[rating_id][question] = value
    return out


@dataclass(frozen=True)
class RatingSummary:
    count: int
    dislikes: int
    per_factor: dict[Factor, float | None]
    index: float | None
    perceptions: dict[str, dict[int, int]]
    scheme: RatingScheme | None


def rating_summary(ratings: QuerySet[Rating], scheme: RatingScheme | None) -> RatingSummary:
    """The SIPAS figures of a filtered set of ratings under `scheme` (the one in force today): answers counted
    per value in SQL, arithmetic in `scoring`. Factor figures use only ratings given on the same scale (a 4
    out of 5 and a 4 out of 7 do not mean the same); perception answers are the same under every scheme."""
    base = ratings.order_by()
    totals = base.aggregate(count=Count("pk"), dislikes=Count("pk", filter=Q(dislike=True)))
    rules = scheme.rules() if scheme else SchemeRules()
    factors = {f.value: f for f in FACTORS}
    factor_counts: dict[Factor, dict[int, int]] = {f: {} for f in FACTORS}
    same_scale = base.filter(scheme__scale_max=rules.scale_max).values("pk")
    for question, value, n in _grouped(RatingAnswer.objects.filter(rating__in=same_scale, question__in=list(factors))):
        factor_counts[factors[question]][value] = n
    perceptions: dict[str, dict[int, int]] = {p.value: {v: 0 for v in PERCEPTION_VALUES[p]} for p in PERCEPTIONS}
    for question, value, n in _grouped(RatingAnswer.objects.filter(rating__in=base.values("pk"), question__in=list(perceptions))):
        perceptions[question][value] = n
    per_factor, index = sipas_index(factor_counts, rules)
    return RatingSummary(totals["count"], totals["dislikes"], per_factor, index, perceptions, scheme)


def _grouped(answers):
    return answers.values("question", "value").annotate(n=Count("pk")).order_by().values_list("question", "value", "n")


def officers_in_scope(user) -> list:
    """Staff of the units in the user's scope, by name: the ratings page's officer filter."""
    scope = scope_of(user)
    qs = StaffProfile.objects.select_related("user", "unit").filter(user__is_active=True)
    if not scope.everything:
        qs = qs.filter(unit__in=Unit.objects.filter(scope.q()).values("pk")) if not scope.is_empty else qs.none()
    return [p.user for p in qs.order_by(vietnamese_order("user__last_name"), vietnamese_order("user__first_name"), "user__username")]


# ------------------------------------------------------------------------------------------------ public

# The staff a citizen meets or whose decisions they receive; their names are on their badges (Decision
# 129/2007/QĐ-TTg), so naming them is no disclosure. Administrators and inspectors are not listed.
PUBLIC_OFFICER_ROLES = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.UNIT_LEADER)


def public_units() -> QuerySet[Unit]:
    """Units that exist today, by name: what a citizen can send feedback about."""
    return order_by_name(Unit.objects.filter(active_q()))


def public_unit(code: str) -> Unit | None:
    return public_units().filter(code=_no_nul(code)).first() if code else None


def public_officers(unit: Unit | None) -> list[tuple[int, str]]:
    """(id, display name) of the officers of `unit` a citizen may name; nothing else about them."""
    if unit is None:
        return []
    profiles = (
        StaffProfile.objects.filter(unit=unit, role__in=PUBLIC_OFFICER_ROLES, user__is_active=True).select_related("user")
        .order_by(vietnamese_order("user__last_name"), vietnamese_order("user__first_name"), "user__username")
    )
    return [(p.user_id, p.user.get_full_name() or p.user.get_username()) for p in profiles]


def public_officer(unit: Unit | None, user_id) -> object | None:
    if unit is None or not str(user_id or "").isdigit():
        return None
    profile = StaffProfile.objects.filter(unit=unit, role__in=PUBLIC_OFFICER_ROLES, user_id=int(user_id), user__is_active=True).select_related("user").first()
    return profile.user if profile else None


def feedback_by_code(code: str) -> Feedback | None:
    return Feedback.objects.select_related("unit", "responsible_unit", "procedure").filter(code=_no_nul(code)).first()


def published_feedback(unit: Unit | None = None) -> QuerySet[Feedback]:
    """Answers the units published, newest first. Only what staff approved for publication is shown from
    them (the summary and the answer), never the sender's own words or details."""
    qs = Feedback.objects.filter(state=FeedbackState.PUBLISHED.value).select_related("unit", "responsible_unit", "procedure")
    if unit is not None:
        qs = qs.filter(Q(unit=unit) | Q(responsible_unit=unit))
    return qs.order_by("-published_at", "-pk")


# ------------------------------------------------------------------------------------------------ measurement
# The records behind the satisfaction figures (Decision 766 indicators 5.1–5.3 and the SIPAS index), one
# definition shared by the measures and the drill-down lists so that a figure and its list always agree.


def measured_at(period) -> dt.datetime:
    """The instant a period is judged at: its end, or now while it is still running."""
    return min(period.end_instant(), timezone.now())


def feedback_population(unit, period) -> QuerySet[Feedback]:
    """Feedback under the authority of `unit` (its responsible unit is the unit, its subtree or a unit merged
    into it) that the unit handled during `period`: received before the period ended and not closed (refused or
    published) before it began. Items carried over from an earlier period count again, as dossiers do in 2.1."""
    from congvu.indices.scoping import unit_q

    return Feedback.objects.filter(unit_q(unit, "responsible_unit")).filter(handled_in_q(period))


def handled_in_q(period) -> Q:
    """The period part of `feedback_population`, for queries that group many units at once."""
    return Q(received_at__lt=measured_at(period)) & (Q(closed_at__isnull=True) | Q(closed_at__gte=period.start_instant()))


def feedback_late_q(at: dt.datetime) -> Q:
    """Late as seen at instant `at`: a step done by then overran its deadline (refused, information requested,
    answered or published after its due time), or the answer or the publication was still owed at `at` past
    its due time. Waiting for the sender's information stops the answer clock, so an item waiting at `at` is not
    overdue for its answer."""
    from django.db.models import F

    not_answered = (Q(answered_at__isnull=True) | Q(answered_at__gt=at)) & (Q(refused_at__isnull=True) | Q(refused_at__gt=at))
    waiting = Q(info_requested_at__lte=at) & (Q(info_provided_at__isnull=True) | Q(info_provided_at__gt=at))
    unpublished = Q(answered_at__lte=at) & (Q(published_at__isnull=True) | Q(published_at__gt=at))
    return (
        Q(refused_at__lte=at, refused_at__gt=F("refuse_due_at"))
        | Q(info_requested_at__lte=at, info_requested_at__gt=F("info_due_at"))
        | Q(answered_at__lte=at, answered_at__gt=F("answer_due_at"))
        | Q(published_at__lte=at, published_at__gt=F("publish_due_at"))
        | (not_answered & ~waiting & Q(answer_due_at__lt=at))
        | (unpublished & Q(publish_due_at__lt=at))
    )


def feedback_classified_q(at: dt.datetime) -> Q:
    """Classified (indicator 5.1): the unit confirmed the classification (regulation or conduct) when it
    accepted the item. Every item carries a first guess from its subject; only the unit's confirmation counts."""
    return Q(accepted_at__lte=at)


def feedback_disliked_q(at: dt.datetime) -> Q:
    return Q(verdict="dissatisfied", verdict_at__lte=at)


FEEDBACK_BEHIND = ("all", "classified", "on_time", "late", "unsatisfied")


def feedback_behind(unit, period, which: str = "all") -> QuerySet[Feedback]:
    """The feedback behind a figure of indicators 5.1–5.3 (drill-down), in a stable order. `which`: "all" (the
    denominator), "classified" (5.1), "on_time" (5.2), "late", "unsatisfied" (disliked or late: what 5.3
    subtracts)."""
    if which not in FEEDBACK_BEHIND:
        raise ValueError(f"unknown feedback list {which!r}")
    at = measured_at(period)
    qs = feedback_population(unit, period).select_related("unit", "responsible_unit", "procedure", "officer")
    if which == "classified":
        qs = qs.filter(feedback_classified_q(at))
    elif which == "on_time":
        qs = qs.exclude(feedback_late_q(at))
    elif which == "late":
        qs = qs.filter(feedback_late_q(at))
    elif which == "unsatisfied":
        qs = qs.filter(feedback_late_q(at) | feedback_disliked_q(at))
    return qs.order_by("received_at", "pk")


def ratings_behind(unit, period, factor: str | None = None, satisfied: bool | None = None) -> QuerySet[Rating]:
    """The ratings behind a SIPAS figure of `unit` over `period` (drill-down): given in the period toward the
    handling unit (its subtree, units merged into it); with `factor`, those that answered a question of that
    factor (per the settings in force on the period's last day); with `satisfied`, those whose answer to it is
    (True) or is not (False) at or above their scheme's "satisfied from" score. Without a factor, `satisfied`
    looks at every factor: True = some answer satisfied, False = some answer not satisfied."""
    from django.db.models import F

    from congvu.feedback.sipas import sipas_settings_in_force
    from congvu.indices.scoping import unit_ids

    qs = Rating.objects.filter(handling_unit_id__in=unit_ids(unit), submitted_at__gte=period.start_instant(),
                               submitted_at__lt=period.end_instant())
    mapping = sipas_settings_in_force(period.end).mapping()
    if factor is not None and factor not in mapping:
        raise ValueError(f"unknown factor {factor!r}")
    questions = mapping[factor] if factor else [q for qs_ in mapping.values() for q in qs_]
    if factor is not None or satisfied is not None:
        answers = RatingAnswer.objects.filter(question__in=questions)
        if satisfied is True:
            answers = answers.filter(value__gte=F("rating__scheme__satisfied_at_least"), value__lte=F("rating__scheme__scale_max"))
        elif satisfied is False:
            answers = answers.filter(value__gte=1, value__lt=F("rating__scheme__satisfied_at_least"))
        qs = qs.filter(pk__in=answers.values("rating_id"))
    return qs.select_related("dossier", "procedure", "receiving_unit", "handling_unit", "officer", "scheme").order_by("-submitted_at", "-pk")
