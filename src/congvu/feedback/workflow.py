"""How feedback (phản ánh, kiến nghị) moves and when each step is due, pure Python (no Django).

States and actions are one table, as for dossiers. Deadlines come from Decision 766/QĐ-TTg's indicator 5.2
(DOMAIN.md §4): counted in working days from receipt, a unit refuses within 2, asks the sender for more
information within 5 and answers within 15; it publishes the answer within 2 working days after answering.
The numbers are data (`DeadlineRules`, loaded from the versioned configuration in force on the day of
receipt); the calendar is the responsible unit's (`workcal`), passed in, so nothing here reads a database.

While the unit waits for the sender's information the answer clock stops: the office time it waited is added
to the answer deadline when the information arrives, as the time a citizen takes to complete a dossier is
not counted against the body (Decree 61/2018 art. 19).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Protocol


class FeedbackState(str, Enum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    AWAITING_INFO = "awaiting_info"
    REFUSED = "refused"
    ANSWERED = "answered"
    PUBLISHED = "published"

    @property
    def is_open(self) -> bool:
        """Still owed something by the unit: handling, or publication of the answer."""
        return self in OPEN_STATES

    @property
    def has_answer(self) -> bool:
        return self in (FeedbackState.ANSWERED, FeedbackState.PUBLISHED)


OPEN_STATES = frozenset({FeedbackState.RECEIVED, FeedbackState.ACCEPTED, FeedbackState.AWAITING_INFO, FeedbackState.ANSWERED})
# States whose clock runs against the unit (awaiting the sender's information does not).
RUNNING_STATES = frozenset({FeedbackState.RECEIVED, FeedbackState.ACCEPTED, FeedbackState.ANSWERED})


class FeedbackAction(str, Enum):
    SUBMIT = "submit"  # the sender, on the portal
    RECORD = "record"  # staff, for feedback by hotline, suggestion box, letter or in person
    ACCEPT = "accept"
    REFUSE = "refuse"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"
    ANSWER = "answer"
    PUBLISH = "publish"
    RATE_ANSWER = "rate_answer"  # the sender's verdict on the answer; keeps the state


CREATING_ACTIONS = frozenset({FeedbackAction.SUBMIT, FeedbackAction.RECORD})
_HANDLING = (FeedbackState.RECEIVED, FeedbackState.ACCEPTED)

TRANSITIONS: dict[FeedbackAction, tuple[tuple[FeedbackState, ...], FeedbackState | None]] = {
    FeedbackAction.SUBMIT: ((), FeedbackState.RECEIVED),
    FeedbackAction.RECORD: ((), FeedbackState.RECEIVED),
    FeedbackAction.ACCEPT: ((FeedbackState.RECEIVED,), FeedbackState.ACCEPTED),
    FeedbackAction.REFUSE: ((*_HANDLING, FeedbackState.AWAITING_INFO), FeedbackState.REFUSED),
    FeedbackAction.REQUEST_INFO: (_HANDLING, FeedbackState.AWAITING_INFO),
    FeedbackAction.PROVIDE_INFO: ((FeedbackState.AWAITING_INFO,), FeedbackState.ACCEPTED),
    FeedbackAction.ANSWER: (_HANDLING, FeedbackState.ANSWERED),
    FeedbackAction.PUBLISH: ((FeedbackState.ANSWERED,), FeedbackState.PUBLISHED),
    # None: the state stays as it is.
    FeedbackAction.RATE_ANSWER: ((FeedbackState.ANSWERED, FeedbackState.PUBLISHED), None),
}

# Only the responsible unit's leader decides what the unit says or refuses (the head answers for the unit).
LEADER_ACTIONS = frozenset({FeedbackAction.ANSWER, FeedbackAction.REFUSE})
# The unit's staff move the file along.
STAFF_ACTIONS = frozenset({FeedbackAction.ACCEPT, FeedbackAction.REQUEST_INFO, FeedbackAction.PROVIDE_INFO, FeedbackAction.PUBLISH})


class TransitionNotAllowed(Exception):
    def __init__(self, action: FeedbackAction, state: FeedbackState | None):
        super().__init__(f"{action.value} is not allowed from {state.value if state else 'nothing'}")
        self.action = action
        self.state = state


def next_state(action: FeedbackAction, state: FeedbackState | None) -> FeedbackState:
    sources, target = TRANSITIONS[action]
    if action in CREATING_ACTIONS:
        if state is None:
            return target  # type: ignore[return-value]
        raise TransitionNotAllowed(action, state)
    if state is None or state not in sources:
        raise TransitionNotAllowed(action, state)
    return state if target is None else target


def allowed_actions(state: FeedbackState) -> list[FeedbackAction]:
    return [a for a, (sources, _t) in TRANSITIONS.items() if state in sources]


# ------------------------------------------------------------------------------------------------ deadlines


class Step(str, Enum):
    """The steps indicator 5.2 times: each has its own limit."""

    REFUSE = "refuse"
    REQUEST_INFO = "request_info"
    ANSWER = "answer"
    PUBLISH = "publish"


STEP_OF_ACTION = {
    FeedbackAction.REFUSE: Step.REFUSE,
    FeedbackAction.REQUEST_INFO: Step.REQUEST_INFO,
    FeedbackAction.ANSWER: Step.ANSWER,
    FeedbackAction.PUBLISH: Step.PUBLISH,
}


@dataclass(frozen=True)
class DeadlineRules:
    """Working days allowed for each step (Decision 766 indicator 5.2 by default; configuration decides)."""

    refuse_days: int = 2
    request_info_days: int = 5
    answer_days: int = 15
    publish_days: int = 2

    def __post_init__(self) -> None:
        for name in ("refuse_days", "request_info_days", "answer_days", "publish_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a whole number of working days ≥ 0, not {value!r}")


class Calendar(Protocol):
    """What is needed of a `workcal.WorkCalendar`."""

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime: ...

    def add_working_hours(self, start: dt.datetime, hours: dt.timedelta) -> dt.datetime: ...

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta: ...


@dataclass(frozen=True)
class ReceiptDeadlines:
    refuse: dt.datetime
    request_info: dt.datetime
    answer: dt.datetime


def deadlines_from_receipt(calendar: Calendar, received_at: dt.datetime, rules: DeadlineRules) -> ReceiptDeadlines:
    """The three limits counted from receipt (the day of receipt not counted, Civil Code art. 147)."""
    return ReceiptDeadlines(
        refuse=calendar.add_working_days(received_at, rules.refuse_days),
        request_info=calendar.add_working_days(received_at, rules.request_info_days),
        answer=calendar.add_working_days(received_at, rules.answer_days),
    )


def publish_deadline(calendar: Calendar, answered_at: dt.datetime, rules: DeadlineRules) -> dt.datetime:
    return calendar.add_working_days(answered_at, rules.publish_days)


def resume_deadline(calendar: Calendar, answer_due: dt.datetime, paused_from: dt.datetime, resumed_at: dt.datetime) -> dt.datetime:
    """The answer deadline after waiting for the sender from `paused_from` to `resumed_at`: moved on by the
    office time that passed meanwhile."""
    waited = calendar.working_time_between(paused_from, resumed_at)
    if waited <= dt.timedelta(0):
        return answer_due
    return calendar.add_working_hours(answer_due, waited)


def is_late(done_at: dt.datetime, due_at: dt.datetime | None) -> bool:
    return due_at is not None and done_at > due_at


def current_due(state: FeedbackState, answer_due: dt.datetime | None, publish_due: dt.datetime | None) -> dt.datetime | None:
    """The deadline the unit is working against now (what lists sort and mark overdue by): the answer while
    handling, the publication once answered, none while waiting for the sender or when closed."""
    if state in (FeedbackState.RECEIVED, FeedbackState.ACCEPTED):
        return answer_due
    if state == FeedbackState.ANSWERED:
        return publish_due
    return None


def is_overdue(state: FeedbackState, due_at: dt.datetime | None, now: dt.datetime) -> bool:
    return state in RUNNING_STATES and due_at is not None and now > due_at
