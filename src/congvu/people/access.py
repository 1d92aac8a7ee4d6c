"""Who may do what with inspections, discipline and training — one place the pages and the services share.

Inspections
- Inspectors (role inspector) plan inspections of units in their scope and record them when they are on the
  plan's team (or wrote the plan). Any inspector whose scope covers the unit reads the records and reviews
  the follow-up of corrective actions.
- Plans are the inspectorate's: inspected units never see them (an unannounced plan shown to the unit would
  announce it). The reform office and system administrators read plans and records in their scope.
- Once an inspection is concluded, the leaders of the inspected unit (unit_leader whose scope covers it:
  the unit's own leader or a leader above) read its record and report follow-up on its corrective actions.
  A staff member named in a finding reads the concluded findings about themselves — only those.
- A record being written is visible to the inspectorate only: a draft finding is not yet a fact.

Discipline
- The decision is the appointing authority's, not the inspector's (an inspection proposes discipline), so
  records are entered and annulled by a unit leader whose scope covers the person's unit (their own unit or
  a unit above), never about themselves, and by system administrators. Inspectors, the reform office and
  leaders in scope read them; the person reads their own. Colleagues without a leading role do not.

Training
- Courses are organised and attendance recorded by unit leaders and the reform office for units in their
  scope (and system administrators). Anyone whose scope covers the organising unit reads the course;
  a person reads their own attendance.

Objects outside a person's reach answer 404 (the pages never confirm they exist); objects in reach that the
person may read but not change answer 403 with the reason."""

from __future__ import annotations

from django.db.models import Q

from congvu.units.models import Role
from congvu.units.selectors import can_see_unit, staff_profile_of, visible_units

READ_ALL_ROLES = {Role.REFORM_ADMIN, Role.SYSTEM_ADMIN}


def role_of(user) -> str | None:
    if getattr(user, "is_superuser", False):
        return Role.SYSTEM_ADMIN
    profile = staff_profile_of(user)
    return profile.role if profile is not None else None


def is_inspector(user) -> bool:
    return role_of(user) == Role.INSPECTOR


def is_leader(user) -> bool:
    return role_of(user) == Role.UNIT_LEADER


def is_admin_reader(user) -> bool:
    return role_of(user) in READ_ALL_ROLES


def is_system_admin(user) -> bool:
    return role_of(user) == Role.SYSTEM_ADMIN


# ------------------------------------------------------------------------------------------------ plans


def can_create_plan(user) -> bool:
    return is_inspector(user)


def can_plan_unit(user, unit) -> bool:
    return is_inspector(user) and can_see_unit(user, unit)


def on_team(user, plan) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return plan.created_by_id == user.pk or plan.team_leader_id == user.pk or plan.team.filter(pk=user.pk).exists()


def can_view_plan(user, plan) -> bool:
    if on_team(user, plan):
        return True
    if not (is_inspector(user) or is_admin_reader(user)):
        return False
    return can_see_unit(user, plan.owner_unit) or any(can_see_unit(user, u) for u in plan.units.all())


def can_record_on_plan(user, plan) -> bool:
    return is_inspector(user) and plan.cancelled_at is None and on_team(user, plan)


# ------------------------------------------------------------------------------------------------ inspections


def is_inspectorate_reader(user, inspection) -> bool:
    """Inspectors and administrators in scope, and the team: they read everything, drafts included."""
    if on_team(user, inspection.plan):
        return True
    return (is_inspector(user) or is_admin_reader(user)) and can_see_unit(user, inspection.unit)


def can_record(user, inspection) -> bool:
    """Write findings, evidence and corrective actions, and conclude: the team, while the record is a draft."""
    return not inspection.is_concluded and can_record_on_plan(user, inspection.plan) and can_see_unit(user, inspection.unit)


def is_unit_leader_over(user, unit) -> bool:
    return is_leader(user) and can_see_unit(user, unit)


def can_view_inspection(user, inspection) -> bool:
    """The whole record (every finding)."""
    if is_inspectorate_reader(user, inspection):
        return True
    return inspection.is_concluded and is_unit_leader_over(user, inspection.unit)


def named_in(user, inspection) -> bool:
    return (inspection.is_concluded and getattr(user, "is_authenticated", False)
            and inspection.findings.filter(staff_id=user.pk).exists())


def can_view_notice(user, inspection) -> bool:
    return inspection.is_concluded and (can_view_inspection(user, inspection) or named_in(user, inspection))


def can_view_evidence(user, evidence) -> bool:
    inspection = evidence.inspection
    if can_view_inspection(user, inspection):
        return True
    return evidence.finding_id is not None and evidence.finding.staff_id == getattr(user, "pk", None) and inspection.is_concluded


def can_report_action(user, action) -> bool:
    """The inspected unit's leaders report what was done (the action may be open or sent back)."""
    return action.inspection.is_concluded and is_unit_leader_over(user, action.unit)


def can_review_action(user, action) -> bool:
    """An inspector in scope (or on the team) accepts or sends back the unit's report."""
    inspection = action.inspection
    return inspection.is_concluded and is_inspector(user) and (on_team(user, inspection.plan) or can_see_unit(user, inspection.unit))


# ------------------------------------------------------------------------------------------------ discipline


def can_enter_discipline(user, staff_user, staff_unit) -> bool:
    if staff_user is not None and getattr(user, "pk", None) == staff_user.pk:
        return False
    if is_system_admin(user):
        return True
    return is_leader(user) and can_see_unit(user, staff_unit)


def can_view_discipline(user, record) -> bool:
    if record.staff_id == getattr(user, "pk", None):
        return True
    if role_of(user) in {Role.UNIT_LEADER, Role.INSPECTOR, Role.REFORM_ADMIN, Role.SYSTEM_ADMIN}:
        return can_see_unit(user, record.unit)
    return False


def can_list_discipline(user) -> bool:
    """Who gets the list of other people's records (in scope); everyone else sees only their own."""
    return role_of(user) in {Role.UNIT_LEADER, Role.INSPECTOR, Role.REFORM_ADMIN, Role.SYSTEM_ADMIN}


# ------------------------------------------------------------------------------------------------ training


TRAINING_ROLES = {Role.UNIT_LEADER, Role.REFORM_ADMIN, Role.SYSTEM_ADMIN}


def can_manage_training(user, organiser) -> bool:
    return role_of(user) in TRAINING_ROLES and can_see_unit(user, organiser)


def can_view_course(user, course) -> bool:
    """In scope of the organiser, or of a unit whose staff attended (a ward leader follows the city's course
    their staff went to), or an attendee."""
    if can_see_unit(user, course.organiser):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return course.attendance.filter(Q(staff_id=user.pk) | Q(unit__in=visible_units(user).values("pk"))).exists()
