"""What the system knows about each person's month, to pre-fill their evaluation sheet (DOMAIN.md §6).

`facts_for(user_ids, start, end)` reads what really happened in [start, end] (Vietnam calendar days, both
included; instants from `congvu.indices.periods`, so 23:30 on the last day belongs to the period whatever the
server's clock) and returns one `StaffMonthFacts` per id asked about, in a fixed number of queries whatever the
number of people (a unit's sheets are pre-filled together):

- dossiers_received: dossiers the person received at a counter (`Dossier.received_by`, `received_at` in the period).
- steps_finished / steps_on_time / steps_late: processing steps assigned to the person (`DossierStep.assignee`)
  finished (status done) in the period, split by `overran`; the late ones are named in `late_step_refs`
  (dossier code, step name), oldest first, at most 20. A step nobody took up (no assignee) counts for nobody:
  the dossier's history names who passed it on, not whose work it was.
- open_steps_overdue: steps assigned to the person that were being worked on at the end of the period (or now,
  for a period not yet over) and already past their due time; a dossier whose clock is stopped (waiting for the
  applicant) does not count against the person while it waits.
- ratings_count / ratings_satisfied: portal ratings given in the period naming the person as the receiving
  officer (`Rating.officer`); satisfied by the rule of the SIPAS index (`congvu.feedback.sipas`): the rating's
  answers to the questions of the "officer" factor (the `SipasSettings` in force on the period's last day) are
  at or above the "satisfied from" score of the scheme the rating was given under — all of them, and at least one.
- complaints_upheld / complaint_refs: feedback about the person (`Feedback.officer`) answered in the period with
  the finding "upheld" (`Feedback.upheld`), and their tracking codes.
- inspection_violations / inspection_commendations / inspection_refs (+ inspection_ids, the records' ids in
  the same order, for links): findings naming the person in inspections concluded and dated in the period
  (`congvu.people.selectors.findings_for_staff`).
- training_hours / training_courses: courses ending in the period that the person attended
  (`congvu.people.selectors.training_for_staff`).

`StaffMonthFacts` itself is pure (no Django): it round-trips through JSON with `as_dict()` / `from_dict()`, so a
sheet can keep the facts it was pre-filled with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

MAX_LATE_STEP_REFS = 20
_CENT = Decimal("0.01")


def share_of(part: int, whole: int) -> Decimal | None:
    """part / whole × 100 to two places; None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class StaffMonthFacts:
    user_id: int
    start: dt.date
    end: dt.date
    dossiers_received: int = 0
    steps_finished: int = 0
    steps_on_time: int = 0
    steps_late: int = 0
    late_step_refs: tuple[tuple[str, str], ...] = ()
    open_steps_overdue: int = 0
    ratings_count: int = 0
    ratings_satisfied: int = 0
    complaints_upheld: int = 0
    complaint_refs: tuple[str, ...] = ()
    inspection_violations: int = 0
    inspection_commendations: int = 0
    inspection_refs: tuple[tuple[str, str], ...] = ()
    training_hours: Decimal = Decimal(0)
    training_courses: tuple[str, ...] = ()
    on_time_share: Decimal | None = None
    # Not in the contract's list but needed for links: the inspection records' ids, aligned with inspection_refs
    # (an inspection's page is addressed by id, its code is for people).
    inspection_ids: tuple[int, ...] = ()

    @property
    def ratings_satisfied_share(self) -> Decimal | None:
        return share_of(self.ratings_satisfied, self.ratings_count)

    @property
    def inspection_items(self) -> tuple[tuple[str, str, int | None], ...]:
        """(inspection code, finding, inspection id or None) — what a template needs to link each finding
        (facts stored before the ids were kept have none)."""
        ids = self.inspection_ids if len(self.inspection_ids) == len(self.inspection_refs) else ()
        return tuple((code, text, ids[n] if ids else None) for n, (code, text) in enumerate(self.inspection_refs))

    def as_dict(self) -> dict:
        """Plain JSON types: days as ISO text, decimals as text (exact), tuples as lists."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, d: dict) -> StaffMonthFacts:
        """The inverse of `as_dict`; keys it does not know are ignored and missing ones take their defaults, so
        facts stored by an older version still load."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in d.items() if k in known}
        for name in ("start", "end"):
            if isinstance(values.get(name), str):
                values[name] = dt.date.fromisoformat(values[name])
        if "training_hours" in values:
            values["training_hours"] = Decimal(str(values["training_hours"]))
        if values.get("on_time_share") is not None:
            values["on_time_share"] = Decimal(str(values["on_time_share"]))
        for name in ("late_step_refs", "inspection_refs"):
            if name in values:
                values[name] = tuple(tuple(pair) for pair in values[name])
        for name in ("complaint_refs", "training_courses", "inspection_ids"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)


def _finding_text(finding) -> str:
    """Vietnamese: what the inspection found, violation or good conduct."""
    kind = "Vi phạm" if finding.is_violation else "Ghi nhận tốt"
    label = (finding.checklist_item_label or "").strip()
    description = (finding.description or "").strip()
    body = f"{label}: {description}" if label and description else (label or description)
    return f"{kind} — {body}" if body else kind


def facts_for(user_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, StaffMonthFacts]:
    """Each person's facts over [start, end] (see the module's docstring); every id asked about is a key."""
    from django.db.models import Count, F, Q
    from django.utils import timezone

    from congvu.dossiers.models import Dossier, DossierStep, StepStatus
    from congvu.feedback.models import Feedback, Rating
    from congvu.feedback.scoring import Factor
    from congvu.feedback.sipas import sipas_settings_in_force
    from congvu.indices.periods import Period
    from congvu.people.selectors import findings_for_staff, training_for_staff

    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return {}
    period = Period(start, end)  # refuses an end before the start
    since, until = period.start_instant(), period.end_instant()
    in_period = {"__gte": since, "__lt": until}

    def when(field: str) -> dict:
        return {f"{field}{op}": at for op, at in in_period.items()}

    values: dict[int, dict] = {i: {} for i in ids}

    # 1. Dossiers received at a counter.
    for user_id, n in (Dossier.objects.filter(received_by_id__in=ids, **when("received_at"))
                       .values("received_by_id").annotate(n=Count("pk")).order_by().values_list("received_by_id", "n")):
        values[user_id]["dossiers_received"] = n

    # 2. Steps finished, on time and late.
    finished = DossierStep.objects.filter(assignee_id__in=ids, status=StepStatus.DONE, **when("finished_at"))
    for user_id, n, late in (finished.values("assignee_id").annotate(n=Count("pk"), late=Count("pk", filter=Q(overran=True)))
                             .order_by().values_list("assignee_id", "n", "late")):
        values[user_id].update(steps_finished=n, steps_late=late, steps_on_time=n - late)

    # 3. The late steps by name (the few that caused lateness), oldest first.
    refs: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    for user_id, code, name in (finished.filter(overran=True).order_by("finished_at", "pk")
                                .values_list("assignee_id", "dossier__code", "name")):
        if len(refs[user_id]) < MAX_LATE_STEP_REFS:
            refs[user_id].append((code, name))

    # 4. Steps open at the end of the period (or now, if sooner) and already past due. A step finished after
    # that moment was still open then; one sent back is waiting again, not being worked on.
    cutoff = min(until, timezone.now())
    open_then = (Q(status=StepStatus.ACTIVE, dossier__paused_at__isnull=True)
                 | Q(status=StepStatus.DONE, finished_at__gte=cutoff))
    for user_id, n in (DossierStep.objects.filter(open_then, assignee_id__in=ids, started_at__lt=cutoff, due_at__lt=cutoff)
                       .values("assignee_id").annotate(n=Count("pk")).order_by().values_list("assignee_id", "n")):
        values[user_id]["open_steps_overdue"] = n

    # 5. Ratings naming the person, and the satisfied ones (the SIPAS rule for the officer factor).
    questions = list(sipas_settings_in_force(end).mapping().get(Factor.OFFICER.value, []))
    answered = Q(answers__question__in=questions, answers__value__gte=1, answers__value__lte=F("scheme__scale_max"))
    satisfied = answered & Q(answers__value__gte=F("scheme__satisfied_at_least"))
    ratings = (Rating.objects.filter(officer_id__in=ids, **when("submitted_at"))
               .annotate(asked=Count("answers", filter=answered), ok=Count("answers", filter=satisfied))
               .order_by().values_list("officer_id", "asked", "ok"))
    for user_id, asked, ok in ratings:
        row = values[user_id]
        row["ratings_count"] = row.get("ratings_count", 0) + 1
        row["ratings_satisfied"] = row.get("ratings_satisfied", 0) + (1 if asked and ok == asked else 0)

    # 6. Upheld complaints about the person, answered in the period.
    complaints: dict[int, list[str]] = {i: [] for i in ids}
    for user_id, code in (Feedback.objects.filter(officer_id__in=ids, upheld=True, **when("answered_at"))
                          .order_by("answered_at", "pk").values_list("officer_id", "code")):
        complaints[user_id].append(code)

    # 7–8. Inspection findings and training, from the people app's selectors (one query each).
    findings = findings_for_staff(ids, start, end)
    training = training_for_staff(ids, start, end)

    out = {}
    for user_id in ids:
        row = values[user_id]
        found = findings.get(user_id, [])
        attended = training.get(user_id, [])
        steps_finished = row.get("steps_finished", 0)
        steps_on_time = row.get("steps_on_time", 0)
        out[user_id] = StaffMonthFacts(
            user_id=user_id, start=start, end=end,
            dossiers_received=row.get("dossiers_received", 0),
            steps_finished=steps_finished, steps_on_time=steps_on_time, steps_late=row.get("steps_late", 0),
            late_step_refs=tuple(refs[user_id]),
            open_steps_overdue=row.get("open_steps_overdue", 0),
            ratings_count=row.get("ratings_count", 0), ratings_satisfied=row.get("ratings_satisfied", 0),
            complaints_upheld=len(complaints[user_id]), complaint_refs=tuple(complaints[user_id]),
            inspection_violations=sum(1 for f in found if f.is_violation),
            inspection_commendations=sum(1 for f in found if not f.is_violation),
            inspection_refs=tuple((f.inspection.code, _finding_text(f)) for f in found),
            inspection_ids=tuple(f.inspection_id for f in found),
            training_hours=sum((Decimal(a.course.hours) for a in attended), Decimal(0)),
            training_courses=tuple(a.course.name for a in attended),
            on_time_share=share_of(steps_on_time, steps_finished),
        )
    return out
