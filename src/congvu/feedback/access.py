"""Who may do what with feedback and ratings. Seeing an item is the selectors' scope rule (the unit concerned
or the responsible unit lies in the user's scope); acting on it is narrower and decided here, in one place
that pages, services and any future API share."""

from __future__ import annotations

from congvu.feedback.workflow import LEADER_ACTIONS, STAFF_ACTIONS, FeedbackAction, FeedbackState, allowed_actions
from congvu.units.models import Role, Unit
from congvu.units.selectors import staff_profile_of

# Roles that handle feedback in their unit; inspectors and the reform office look, they do not handle.
HANDLING_ROLES = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.UNIT_LEADER})
# Roles that read ratings: the unit's head, the inspectors and the reform office (and system administrators).
RATING_READER_ROLES = frozenset({Role.UNIT_LEADER, Role.INSPECTOR, Role.REFORM_ADMIN, Role.SYSTEM_ADMIN})


def _within(unit: Unit, ancestor: Unit) -> bool:
    return unit.path.startswith(ancestor.path)


def is_responsible_leader(user, responsible_unit: Unit) -> bool:
    """The leader of the responsible unit itself: the head answers for the unit, nobody above or beside it."""
    profile = staff_profile_of(user)
    return profile is not None and profile.role == Role.UNIT_LEADER and profile.unit_id == responsible_unit.pk


def is_handler(user, responsible_unit: Unit) -> bool:
    """Staff of the responsible unit or of a unit under it (its one-stop desk, its offices)."""
    profile = staff_profile_of(user)
    return profile is not None and profile.role in HANDLING_ROLES and _within(profile.unit, responsible_unit)


def may_perform(user, feedback, action: FeedbackAction) -> bool:
    if action in LEADER_ACTIONS:
        return is_responsible_leader(user, feedback.responsible_unit)
    if action in STAFF_ACTIONS:
        return is_handler(user, feedback.responsible_unit)
    return False


def staff_actions(user, feedback) -> list[FeedbackAction]:
    """The actions the state allows now that this user may take (the buttons on the page)."""
    state = FeedbackState(feedback.state)
    return [a for a in allowed_actions(state) if a in LEADER_ACTIONS | STAFF_ACTIONS and may_perform(user, feedback, a)]


def can_record(user) -> bool:
    profile = staff_profile_of(user)
    return profile is not None and profile.role in HANDLING_ROLES


def can_read_ratings(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role in RATING_READER_ROLES


# The reform office (and system administrators) keep the official survey results.
OFFICIAL_RESULT_ROLES = frozenset({Role.REFORM_ADMIN, Role.SYSTEM_ADMIN})


def can_import_official_results(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role in OFFICIAL_RESULT_ROLES
