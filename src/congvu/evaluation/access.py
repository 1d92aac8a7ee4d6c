"""Who may see and do what with evaluation sheets, in one place the pages, the services and the selectors share.

A person sees their own sheets. A unit leader sees the sheets of the units in their scope. Nobody else: an
inspector or the reform office has a wide scope for dossiers, but a colleague's evaluation is personal, so
scope alone grants nothing here (nor does being a system administrator, who manages accounts, not people).

Who scores: the person's direct leader (StaffProfile.reports_to) when set, else a unit leader of the sheet's
rating unit. Who approves: the head of the rating unit (StaffProfile.is_head), else any of its unit leaders.
Nobody scores or approves their own sheet.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from congvu.evaluation.models import Sheet
from congvu.units.models import Role, StaffProfile, Unit
from congvu.units.selectors import can_see_unit, scope_of, staff_profile_of


def is_leader(user) -> bool:
    profile = staff_profile_of(user)
    return profile is not None and profile.role == Role.UNIT_LEADER and user.is_active


def visible_sheets(user, qs: QuerySet | None = None) -> QuerySet[Sheet]:
    """The sheets `user` may see, as one SQL filter."""
    qs = Sheet.objects.all() if qs is None else qs
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    condition = Q(user_id=user.pk)
    if is_leader(user):
        scope = scope_of(user)
        if scope.everything:
            return qs
        if not scope.is_empty:
            condition |= Q(unit__in=Unit.objects.filter(scope.q()).values("pk"))
    return qs.filter(condition)


def can_view_sheet(user, sheet: Sheet) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return sheet.user_id == user.pk or (is_leader(user) and can_see_unit(user, sheet.unit))


def can_view_unit(user, unit: Unit) -> bool:
    """The unit's board and summaries: its leaders and the leaders above it."""
    return is_leader(user) and can_see_unit(user, unit)


def _profile_of_id(user_id: int) -> StaffProfile | None:
    return StaffProfile.objects.filter(user_id=user_id).first()


def leaders_of(unit: Unit, exclude_user_id: int | None = None) -> QuerySet[StaffProfile]:
    """Who leads the unit: its unit leaders and its head, active accounts only."""
    qs = StaffProfile.objects.filter(unit=unit, user__is_active=True).filter(Q(role=Role.UNIT_LEADER) | Q(is_head=True))
    return qs.exclude(user_id=exclude_user_id) if exclude_user_id else qs


def scorer_ids(sheet: Sheet) -> set[int]:
    profile = _profile_of_id(sheet.user_id)
    if profile is not None and profile.reports_to_id and profile.reports_to_id != sheet.user_id:
        return {profile.reports_to_id}
    return set(leaders_of(sheet.unit, sheet.user_id).values_list("user_id", flat=True))


def approver_ids(sheet: Sheet) -> set[int]:
    leaders = leaders_of(sheet.unit, sheet.user_id)
    heads = {p.user_id for p in leaders if p.is_head}
    return heads or {p.user_id for p in leaders}


def can_score(user, sheet: Sheet) -> bool:
    return getattr(user, "is_authenticated", False) and user.pk != sheet.user_id and user.pk in scorer_ids(sheet)


def can_approve(user, sheet: Sheet) -> bool:
    return getattr(user, "is_authenticated", False) and user.pk != sheet.user_id and user.pk in approver_ids(sheet)


def can_self_assess(user, sheet: Sheet) -> bool:
    return getattr(user, "is_authenticated", False) and user.pk == sheet.user_id
