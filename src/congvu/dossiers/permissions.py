"""Who may do what to a dossier: seeing a dossier is not enough to act on it.

Each action is done from one place (Decree 61 art. 15–20): the counter of the receiving unit (receive, return,
take a supplement or a payment in, withdraw), the unit where the dossier is now, by the role its workflow
step names (appraise, forward, send back, ask for a supplement, record the result), or that unit's leader
(assign, stop, refuse). A leader may always act for their own unit. The checks run under the dossier's row
lock (`transitions.run_action`), so they judge the dossier as it is, not as a page showed it.
"""

from __future__ import annotations

from congvu.dossiers.services.errors import DossierError
from congvu.dossiers.states import Action
from congvu.units.models import Role

# Where an action is done from.
COUNTER, STEP, LEADER, APOLOGY = "counter", "step", "leader", "apology"

ACTION_PLACE = {
    Action.RECEIVE: COUNTER, Action.NOT_ACCEPT: COUNTER, Action.START_PROCESSING: COUNTER,
    Action.RECEIVE_SUPPLEMENT: COUNTER, Action.CONFIRM_PAYMENT: COUNTER, Action.WITHDRAW: COUNTER,
    Action.RETURN_RESULT: COUNTER,
    Action.ACCEPT_STEP: STEP, Action.FORWARD: STEP, Action.SEND_BACK: STEP, Action.REQUEST_SUPPLEMENT: STEP,
    Action.REQUEST_PAYMENT: STEP, Action.RECORD_RESULT: STEP,
    Action.ASSIGN: LEADER, Action.STOP: LEADER, Action.REFUSE: LEADER,
    Action.ISSUE_APOLOGY: APOLOGY,
}

COUNTER_ROLES = frozenset({Role.ONE_STOP_OFFICER, Role.UNIT_LEADER})
# A step whose workflow names no role is done by whoever of its unit handles dossiers.
ANY_HANDLER = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.UNIT_LEADER})

ROLE_LABELS_VI = {
    Role.ONE_STOP_OFFICER: "công chức Bộ phận Một cửa", Role.SPECIALIST: "chuyên viên xử lý",
    Role.UNIT_LEADER: "lãnh đạo đơn vị", Role.INSPECTOR: "thanh tra", Role.REFORM_ADMIN: "quản trị cải cách hành chính",
    Role.SYSTEM_ADMIN: "quản trị hệ thống",
}


class Forbidden(DossierError):
    status = 403

    def __init__(self, message: str):
        super().__init__("forbidden", message, {"actor": [message]})


def requirements(action: Action, dossier, active_step) -> list[tuple[object, frozenset]]:
    """(unit, roles) pairs, any one of which lets a person act: they must hold one of the roles in a unit
    whose scope covers that unit."""
    place = ACTION_PLACE.get(action)
    receiving, current = dossier.receiving_unit, dossier.current_unit or dossier.receiving_unit
    if place == COUNTER:
        return [(receiving, COUNTER_ROLES)]
    if place == STEP:
        if active_step is None:
            return [(current, ANY_HANDLER)]
        roles = frozenset({active_step.role, Role.UNIT_LEADER}) if active_step.role else ANY_HANDLER
        return [(active_step.unit, roles)]
    if place == LEADER:
        return [(current, frozenset({Role.UNIT_LEADER}))]
    if place == APOLOGY:
        # The unit that overran apologises; the one-stop counter issues the letter on its behalf.
        return [(current, frozenset({Role.UNIT_LEADER})), (receiving, COUNTER_ROLES)]
    return []


def may_act(user, action: Action, dossier, active_step, scope_covers) -> bool:
    """`scope_covers(unit)` tells whether the user's scope covers a unit (passed in so a page asking about
    every action computes the scope once)."""
    if user is None or getattr(user, "is_superuser", False):
        return True
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return False
    return any(profile.role in roles and scope_covers(unit) for unit, roles in requirements(action, dossier, active_step))


def refusal(action: Action, dossier, active_step) -> Forbidden:
    from congvu.dossiers.services.transitions import ACTION_LABELS_VI

    options = " hoặc ".join(
        f"{' / '.join(ROLE_LABELS_VI[Role(r)] for r in sorted(roles))} của {unit.name}" for unit, roles in requirements(action, dossier, active_step)
    )
    return Forbidden(f"Bạn không có quyền {ACTION_LABELS_VI[action]} hồ sơ này: việc này do {options or 'người có thẩm quyền'} thực hiện.")


def check_counter(officer, unit) -> None:
    """Receiving, refusing or asking to complete a dossier at the counter: a one-stop officer (or leader) of
    a unit whose scope covers the receiving unit."""
    if officer is None or getattr(officer, "is_superuser", False):
        return
    from congvu.units.selectors import scope_of

    profile = getattr(officer, "staff_profile", None)
    if profile is None or profile.role not in COUNTER_ROLES or not scope_of(officer).covers(unit):
        raise Forbidden(f"Bạn không có quyền tiếp nhận hồ sơ tại {unit.name}: việc này do công chức Bộ phận Một cửa / lãnh đạo đơn vị thực hiện.")
