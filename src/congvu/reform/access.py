"""Who may do what with the PAR index, in one place the pages and the services share.

A unit assesses itself: its leader, or a staff member of the unit the leader delegated. The reform office
(role reform_admin, whose scope is the whole province) verifies, publishes, loads frameworks and enters the
external indices. Everyone else in scope may look."""

from congvu.units.models import Role
from congvu.units.selectors import can_see_unit, staff_profile_of


def is_reform_admin(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role == Role.REFORM_ADMIN


def can_verify(user, unit) -> bool:
    return is_reform_admin(user) and can_see_unit(user, unit)


def is_unit_leader_of(user, unit) -> bool:
    profile = staff_profile_of(user)
    return profile is not None and profile.role == Role.UNIT_LEADER and profile.unit_id == unit.pk


def can_edit_assessment(user, assessment) -> bool:
    """The leader of the assessed unit itself, or a staff member of that unit the leader delegated."""
    profile = staff_profile_of(user)
    if profile is None or profile.unit_id != assessment.unit_id:
        return False
    if profile.role == Role.UNIT_LEADER:
        return True
    return assessment.pk is not None and assessment.delegates.filter(pk=user.pk).exists()


def can_view_assessment(user, assessment) -> bool:
    return can_edit_assessment(user, assessment) or can_see_unit(user, assessment.unit)
