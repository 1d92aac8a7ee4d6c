"""Who may read the privacy records and handle data subjects' requests — one place the pages share.

- The access log is read by inspectors (the records of units in their scope) and system administrators
  (everything): those who check that staff opened personal data for a reason. The people logged do not
  read it, or the log would tell a curious officer how visible their curiosity is.
- Data subjects' requests are recorded and answered by the one-stop desk and unit leaders (in their scope)
  and system administrators; inspectors read the register.
"""

from __future__ import annotations

from django.db.models import QuerySet

from congvu.units.models import Role
from congvu.units.selectors import scope_queryset, staff_profile_of

LOG_READERS = frozenset({Role.INSPECTOR, Role.SYSTEM_ADMIN})
REQUEST_HANDLERS = frozenset({Role.ONE_STOP_OFFICER, Role.UNIT_LEADER, Role.SYSTEM_ADMIN})
REQUEST_READERS = REQUEST_HANDLERS | {Role.INSPECTOR}


def _role(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.SYSTEM_ADMIN
    profile = staff_profile_of(user)
    return profile.role if profile is not None else None


def _sees_everything(user) -> bool:
    return _role(user) == Role.SYSTEM_ADMIN


def can_read_access_log(user) -> bool:
    return _role(user) in LOG_READERS


def access_log_for(user, qs: QuerySet) -> QuerySet:
    if not can_read_access_log(user):
        return qs.none()
    return qs if _sees_everything(user) else scope_queryset(qs, user, "unit")


def can_read_requests(user) -> bool:
    return _role(user) in REQUEST_READERS


def can_handle_requests(user) -> bool:
    return _role(user) in REQUEST_HANDLERS


def requests_for(user, qs: QuerySet) -> QuerySet:
    """Requests of the units in the user's scope (a request made through the portal has no unit: the
    system administrators answer for those, and they are complete already)."""
    if not can_read_requests(user):
        return qs.none()
    return qs if _sees_everything(user) else scope_queryset(qs, user, "unit")
