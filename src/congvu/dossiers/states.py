"""The dossier state machine: one table of allowed transitions (DESIGN.md), no Django.

Every change of a dossier's state is one named action; an action is allowed only from the states the
table lists. The national sync codes (DOMAIN.md §2) are a property of the state, so the mapping can never
drift from the states themselves.
"""

from enum import Enum


class DossierState(str, Enum):
    SUBMITTED_ONLINE = "submitted_online"
    RECEIVED = "received"
    NOT_ACCEPTED = "not_accepted"
    PROCESSING = "processing"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    AWAITING_PAYMENT = "awaiting_payment"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    REFUSED = "refused"

    @property
    def national_code(self) -> int:
        """Status code of the national public-service portal sync (1–10). A refusal after processing is
        reported as processed (9) with its refusal date, as provincial systems do."""
        return _NATIONAL_CODES[self]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES

    @property
    def is_finished(self) -> bool:
        """Finished for the on-time rate (Decision 766): result ready, returned, stopped or refused."""
        return self in FINISHED_STATES


_NATIONAL_CODES = {
    DossierState.SUBMITTED_ONLINE: 1,
    DossierState.RECEIVED: 2,
    DossierState.NOT_ACCEPTED: 3,
    DossierState.PROCESSING: 4,
    DossierState.AWAITING_SUPPLEMENT: 5,
    DossierState.AWAITING_PAYMENT: 6,
    DossierState.WITHDRAWN: 7,
    DossierState.STOPPED: 8,
    DossierState.RESULT_READY: 9,
    DossierState.RETURNED: 10,
    DossierState.REFUSED: 9,
}

OPEN_STATES = frozenset({
    DossierState.SUBMITTED_ONLINE, DossierState.RECEIVED, DossierState.PROCESSING,
    DossierState.AWAITING_SUPPLEMENT, DossierState.AWAITING_PAYMENT,
})
FINISHED_STATES = frozenset({DossierState.RESULT_READY, DossierState.RETURNED, DossierState.STOPPED, DossierState.REFUSED})
# States in which the processing clock does not run (the citizen has the ball).
PAUSED_STATES = frozenset({DossierState.AWAITING_SUPPLEMENT, DossierState.AWAITING_PAYMENT})


class Action(str, Enum):
    """Named actions. Those that change the state are in TRANSITIONS; the others (step actions, apology,
    assignment) keep the state and are allowed in the states ACTION_STATES lists."""

    SUBMIT_ONLINE = "submit_online"
    RECEIVE = "receive"
    NOT_ACCEPT = "not_accept"
    START_PROCESSING = "start_processing"
    REQUEST_SUPPLEMENT = "request_supplement"
    RECEIVE_SUPPLEMENT = "receive_supplement"
    REQUEST_PAYMENT = "request_payment"
    CONFIRM_PAYMENT = "confirm_payment"
    WITHDRAW = "withdraw"
    STOP = "stop"
    REFUSE = "refuse"
    RECORD_RESULT = "record_result"
    RETURN_RESULT = "return_result"
    # Actions that keep the dossier's state.
    ACCEPT_STEP = "accept_step"
    FORWARD = "forward"
    SEND_BACK = "send_back"
    ASSIGN = "assign"
    ISSUE_APOLOGY = "issue_apology"


_ANY_OPEN = tuple(OPEN_STATES)

TRANSITIONS: dict[Action, tuple[tuple[DossierState, ...], DossierState]] = {
    Action.SUBMIT_ONLINE: ((), DossierState.SUBMITTED_ONLINE),  # creates the dossier
    # A counter intake creates the dossier already received; an online one is received when an officer accepts it.
    Action.RECEIVE: ((DossierState.SUBMITTED_ONLINE,), DossierState.RECEIVED),
    Action.NOT_ACCEPT: ((DossierState.SUBMITTED_ONLINE,), DossierState.NOT_ACCEPTED),
    Action.START_PROCESSING: ((DossierState.RECEIVED,), DossierState.PROCESSING),
    Action.REQUEST_SUPPLEMENT: ((DossierState.PROCESSING,), DossierState.AWAITING_SUPPLEMENT),
    Action.RECEIVE_SUPPLEMENT: ((DossierState.AWAITING_SUPPLEMENT,), DossierState.PROCESSING),
    Action.REQUEST_PAYMENT: ((DossierState.PROCESSING,), DossierState.AWAITING_PAYMENT),
    Action.CONFIRM_PAYMENT: ((DossierState.AWAITING_PAYMENT,), DossierState.PROCESSING),
    Action.WITHDRAW: (_ANY_OPEN, DossierState.WITHDRAWN),
    Action.STOP: (_ANY_OPEN, DossierState.STOPPED),
    Action.REFUSE: ((DossierState.PROCESSING,), DossierState.REFUSED),
    Action.RECORD_RESULT: ((DossierState.PROCESSING,), DossierState.RESULT_READY),
    Action.RETURN_RESULT: ((DossierState.RESULT_READY,), DossierState.RETURNED),
}

# Actions that create a dossier (from no state): an online submission, or a receipt at the counter.
CREATING_ACTIONS = frozenset({Action.SUBMIT_ONLINE, Action.RECEIVE})

# Actions that leave the state as it is, and where they are allowed.
ACTION_STATES: dict[Action, tuple[DossierState, ...]] = {
    Action.ACCEPT_STEP: (DossierState.RECEIVED, DossierState.PROCESSING),
    Action.FORWARD: (DossierState.RECEIVED, DossierState.PROCESSING),
    Action.SEND_BACK: (DossierState.PROCESSING,),
    Action.ASSIGN: (DossierState.RECEIVED, DossierState.PROCESSING, DossierState.AWAITING_SUPPLEMENT, DossierState.AWAITING_PAYMENT),
    Action.ISSUE_APOLOGY: (DossierState.RECEIVED, DossierState.PROCESSING, DossierState.AWAITING_SUPPLEMENT, DossierState.AWAITING_PAYMENT),
}


class TransitionNotAllowed(Exception):
    def __init__(self, action: Action, state: DossierState | None):
        super().__init__(f"{action.value} is not allowed from {state.value if state else 'nothing'}")
        self.action = action
        self.state = state


def allowed_actions(state: DossierState) -> list[Action]:
    """Every action a person may take on a dossier in `state` (for buttons and the API)."""
    moving = [a for a, (sources, _target) in TRANSITIONS.items() if state in sources]
    staying = [a for a, sources in ACTION_STATES.items() if state in sources]
    return moving + staying


def next_state(action: Action, state: DossierState | None) -> DossierState:
    """The state `action` leads to from `state`; raises TransitionNotAllowed if the table forbids it."""
    if action in TRANSITIONS:
        sources, target = TRANSITIONS[action]
        creates = action in CREATING_ACTIONS and state is None
        if creates or (state is not None and state in sources):
            return target
        raise TransitionNotAllowed(action, state)
    if state is not None and state in ACTION_STATES.get(action, ()):
        return state
    raise TransitionNotAllowed(action, state)


def replay(actions: list[Action], initial: DossierState | None = None) -> DossierState | None:
    """The state reached by applying `actions` in order (how verify_dossiers rebuilds the cached state)."""
    state = initial
    for action in actions:
        state = next_state(action, state)
    return state
