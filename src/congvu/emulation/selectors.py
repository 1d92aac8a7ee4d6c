"""Reads of emulation and commendation, scoped in SQL through congvu.units.selectors, and the facts a year-end
proposal is computed from (the evaluation's annual results, the people app's discipline, initiatives and earlier
decisions), gathered in a fixed number of queries for any number of people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from congvu.core.text import search_terms
from congvu.emulation.eligibility import CollectiveFacts, DisciplineFact, InitiativeFact, PersonFacts, RatingFact
from congvu.emulation.models import Award, CommendationDecision, Initiative, Movement, Participant, Proposal
from congvu.people.discipline import DISCIPLINE_LABELS_VI, discipline_severity
from congvu.units.models import StaffProfile, Unit, UnitKind
from congvu.units.selectors import scope_queryset, staff_profile_of, visible_units

# A commune, a department or a district is a unit with its own emulation proposal: its staff are not members of
# the unit above it. Service centres, one-stop desks and offices belong to the unit they sit in.
SEPARATE_KINDS = {UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE, UnitKind.DEPARTMENT}


def member_units(unit: Unit) -> list[Unit]:
    """The unit and the units below it that are part of it (not below a separate commune or department)."""
    below = list(Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk).order_by("path"))
    cut = [u.path for u in below if u.kind in SEPARATE_KINDS]
    return [unit] + [u for u in below if not any(u.path.startswith(p) for p in cut)]


def members_of(unit: Unit) -> list[StaffProfile]:
    return list(StaffProfile.objects.filter(unit__in=member_units(unit), user__is_active=True).select_related("user", "unit")
                .order_by("user__last_name", "user__first_name", "user__username"))


def display_name(user) -> str:
    return user.get_full_name() or user.username


def annual_results(user_ids, year: int) -> dict:
    from congvu.evaluation.selectors import annual_results as results  # the evaluation app's year-end classification

    return results(user_ids, year)


def discipline_in_year(user_ids, year: int) -> dict:
    from congvu.people.selectors import discipline_in_year as records

    return records(user_ids, year)


@dataclass(frozen=True)
class ProposalFacts:
    year: int
    members: list[StaffProfile]
    people: list[PersonFacts]
    unit: CollectiveFacts
    results: dict  # user id -> the evaluation's AnnualResult of the year


def proposal_facts(unit: Unit, year: int, lookback: int) -> ProposalFacts:
    members = members_of(unit)
    ids = [m.user_id for m in members]
    first = year - lookback + 1
    ratings: dict[int, dict[int, RatingFact]] = {i: {} for i in ids}
    results_now: dict = {}
    for y in range(first, year + 1):
        for uid, r in annual_results(ids, y).items():
            ratings[uid][y] = RatingFact(level=r.level, label=r.label, points=r.points, provisional=r.provisional)
            if y == year:
                results_now[uid] = r
    discipline = discipline_in_year(ids, year)
    initiatives: dict[int, list[InitiativeFact]] = {i: [] for i in ids}
    recognised = (Initiative.objects.filter(authors__in=ids, year__gte=first, year__lte=year).exclude(scope="")
                  .values_list("authors", "year", "scope", "title", "decision_number", "decision_date"))
    for uid, y, scope, title, number, date in recognised:
        decision = f"quyết định số {number} ngày {date:%d/%m/%Y}" if date else ""
        initiatives[uid].append(InitiativeFact(y, scope, title, decision))
    past: dict[int, dict[int, set[str]]] = {i: {} for i in ids}
    unit_past: dict[int, set[str]] = {}
    awards = Award.objects.filter(Q(user_id__in=ids) | Q(user__isnull=True, unit=unit), year__lt=year, year__gte=year - 10)
    for uid, y, title in awards.values_list("user_id", "year", "title"):
        (past[uid] if uid is not None else unit_past).setdefault(y, set()).add(title)
    people = []
    for m in members:
        # Reasons are stored Vietnamese whatever the request's language, like the evaluation's.
        records = tuple(DisciplineFact(discipline_severity(d.form), DISCIPLINE_LABELS_VI[d.form],
                                       f"quyết định số {d.decision_number} ngày {d.decision_date:%d/%m/%Y}")
                        for d in discipline.get(m.user_id, []))
        people.append(PersonFacts(
            user_id=m.user_id, name=display_name(m.user), ratings=ratings[m.user_id], discipline=records,
            initiatives=tuple(sorted(initiatives[m.user_id], key=lambda i: (i.year, i.title))),
            past_titles={y: frozenset(t) for y, t in past[m.user_id].items()},
        ))
    collective = CollectiveFacts(unit.pk, unit.name, {y: frozenset(t) for y, t in unit_past.items()})
    return ProposalFacts(year=year, members=members, people=people, unit=collective, results=results_now)


# ------------------------------------------------------------------------------------------------ movements


def movements_for(user, year: int | None = None) -> QuerySet[Movement]:
    """Movements organised by a unit the user sees, or by a unit above the user's own (a province movement)."""
    q = Q(organiser__in=visible_units(user).values("pk"))
    profile = staff_profile_of(user)
    if profile is not None:
        paths = [profile.unit.path[:i] for i in range(Unit.steplen, len(profile.unit.path) + 1, Unit.steplen)]
        q |= Q(organiser__path__in=paths)
    qs = Movement.objects.filter(q).select_related("organiser")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "name", "pk")


@dataclass(frozen=True)
class ResultRow:
    rank: int
    participant: Participant
    points: Decimal
    level_label: str


def movement_results(movement: Movement) -> list[ResultRow]:
    """Participants by points, ties sharing a rank; a person's year-end rating of the movement's year beside it."""
    participants = list(movement.participants.select_related("unit", "user").order_by("-total_points", "pk"))
    persons = [p.user_id for p in participants if p.user_id]
    results = annual_results(persons, movement.year) if persons else {}
    rows, rank, previous = [], 0, None
    for index, p in enumerate(participants, start=1):
        if p.total_points != previous:
            rank, previous = index, p.total_points
        label = results[p.user_id].label if p.user_id and p.user_id in results and results[p.user_id].level else ""
        rows.append(ResultRow(rank, p, p.total_points, label))
    return rows


# ------------------------------------------------------------------------------------------------ initiatives, proposals


def initiatives_for(user, *, year=None, scope=None, unit=None, q: str = "") -> QuerySet[Initiative]:
    qs = scope_queryset(Initiative.objects.all(), user) | Initiative.objects.filter(authors=user)
    qs = qs.distinct().select_related("unit").prefetch_related("authors")
    if year:
        qs = qs.filter(year=year)
    if scope == "pending":
        qs = qs.filter(scope="")
    elif scope:
        qs = qs.filter(scope=scope)
    if unit is not None:
        qs = qs.filter(unit=unit)
    for term in search_terms(q):
        qs = qs.filter(search_text__contains=term)
    return qs.order_by("-year", "title", "pk")


def proposal_units(user) -> QuerySet[Unit]:
    """Units that make a proposal and the user may open: communes, departments, the province."""
    return visible_units(user).filter(kind__in=list(SEPARATE_KINDS)).order_by("depth", "code")


def proposals_for(user, year: int) -> QuerySet[Proposal]:
    return scope_queryset(Proposal.objects.filter(year=year), user).select_related("unit", "submitted_by")


# ------------------------------------------------------------------------------------------------ register

REGISTER_SORTS = {
    "date": ("decision__date", "decision__number", "pk"), "-date": ("-decision__date", "-decision__number", "-pk"),
    "number": ("decision__number", "pk"), "-number": ("-decision__number", "-pk"),
    "title": ("title", "-decision__date", "pk"), "-title": ("-title", "-decision__date", "pk"),
    "unit": ("unit__code", "-decision__date", "pk"), "-unit": ("-unit__code", "-decision__date", "pk"),
}


def register(user, *, year=None, title="", unit=None, kind="", q: str = "", sort: str = "-date") -> QuerySet[Award]:
    qs = scope_queryset(Award.objects.all(), user) | Award.objects.filter(user=user)
    qs = qs.distinct().select_related("decision", "decision__issuer", "unit", "user")
    if year:
        qs = qs.filter(year=year)
    if title:
        qs = qs.filter(title=title)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if kind == "individual":
        qs = qs.filter(user__isnull=False)
    elif kind == "collective":
        qs = qs.filter(user__isnull=True)
    for term in search_terms(q):
        qs = qs.filter(search_text__contains=term)
    return qs.order_by(*REGISTER_SORTS.get(sort, REGISTER_SORTS["-date"]))


def decisions_for(user, year=None) -> QuerySet[CommendationDecision]:
    qs = scope_queryset(CommendationDecision.objects.all(), user, "issuer").select_related("issuer")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-date", "-pk")


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
