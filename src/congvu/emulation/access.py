"""Who may do what in emulation and commendation, shared by the pages and the services.

- Movements: the organising unit's leader, or the reform office (province-wide scope), launches, scores and
  closes; everyone in the organiser's subtree (or whose scope covers it) sees it; a unit leader registers their
  unit and its staff, a staff member registers themselves.
- Initiatives: recorded by the leader of the authors' unit or the reform office; recognised at grassroots level
  by that leader or the reform office, at province or national level by the reform office only.
- Proposals: the unit's leader reviews their unit's proposal, the reform office any unit of the province.
- Decisions: recorded by the issuing unit's leader or the reform office."""

from congvu.units.models import Role, Unit
from congvu.units.selectors import can_see_unit, staff_profile_of


def is_reform_admin(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role == Role.REFORM_ADMIN


def is_leader_of(user, unit: Unit) -> bool:
    profile = staff_profile_of(user)
    return profile is not None and profile.role == Role.UNIT_LEADER and profile.unit_id == unit.pk


def _office_or_leader(user, unit: Unit) -> bool:
    return is_leader_of(user, unit) or (is_reform_admin(user) and can_see_unit(user, unit))


def under(unit: Unit, ancestor: Unit) -> bool:
    return unit.path.startswith(ancestor.path)


# ------------------------------------------------------------------------------------------------ movements


def can_launch_movement(user, organiser: Unit) -> bool:
    return _office_or_leader(user, organiser)


def can_manage_movement(user, movement) -> bool:
    return _office_or_leader(user, movement.organiser)


def can_view_movement(user, movement) -> bool:
    if can_see_unit(user, movement.organiser):
        return True
    profile = staff_profile_of(user)
    return profile is not None and under(profile.unit, movement.organiser)


def can_register(user, movement, unit: Unit, person=None) -> bool:
    """Register `unit` (person None) or `person` of `unit` in the movement."""
    if not under(unit, movement.organiser):
        return False
    if can_manage_movement(user, movement) or is_leader_of(user, unit):
        return True
    profile = staff_profile_of(user)
    return person is not None and person.pk == user.pk and profile is not None and profile.unit_id == unit.pk


# ------------------------------------------------------------------------------------------------ initiatives


def can_record_initiative(user, unit: Unit) -> bool:
    return _office_or_leader(user, unit)


def can_recognise(user, initiative, scope: str) -> bool:
    if scope == "unit":
        return _office_or_leader(user, initiative.unit)
    return is_reform_admin(user) and can_see_unit(user, initiative.unit)


def can_view_initiative(user, initiative) -> bool:
    return can_see_unit(user, initiative.unit) or initiative.authors.filter(pk=user.pk).exists()


# ------------------------------------------------------------------------------------------------ proposals and decisions


def can_review_proposal(user, unit: Unit) -> bool:
    return _office_or_leader(user, unit)


def can_view_proposal(user, unit: Unit) -> bool:
    return can_see_unit(user, unit)


def can_record_decision(user, issuer: Unit) -> bool:
    return _office_or_leader(user, issuer)
