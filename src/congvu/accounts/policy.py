"""Who must use a second factor, and how long a staff session lives. Read when used, so tests and the operator's
settings take effect without a restart of anything but the process.

Settings (environment variables of the same name, read in congvu.settings):
- CONGVU_REQUIRE_2FA (default on): leaders, system administrators, reform-office administrators and superusers
  sign in with a TOTP code after their password. Anyone who set up a TOTP device is asked for it anyway.
- CONGVU_SESSION_SECONDS (default 8 h): a session ends this long after sign-in, however busy (absolute limit).
- CONGVU_SESSION_IDLE_SECONDS (default 30 min): a session ends after this long without a request (idle limit).
"""

from __future__ import annotations

from django.conf import settings

from congvu.units.models import Role
from congvu.units.selectors import staff_profile_of

# The accounts that decide (leaders sign evaluations and results), configure the whole installation, or score every
# unit of the province: a stolen password alone must not open them.
SECOND_FACTOR_ROLES = frozenset({Role.UNIT_LEADER, Role.SYSTEM_ADMIN, Role.REFORM_ADMIN})


def enforcement_on() -> bool:
    return bool(getattr(settings, "CONGVU_REQUIRE_2FA", True))


def second_factor_required(user) -> bool:
    """Whether this account may only work in a session verified with its second factor (by role)."""
    if not enforcement_on() or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    profile = staff_profile_of(user)
    return profile is not None and (profile.role in SECOND_FACTOR_ROLES or profile.is_head)


def has_second_factor(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def absolute_seconds() -> int:
    return int(getattr(settings, "SESSION_COOKIE_AGE", 8 * 3600))


def idle_seconds() -> int:
    return int(getattr(settings, "CONGVU_SESSION_IDLE_SECONDS", 30 * 60))


def pending_seconds() -> int:
    """How long the step between a correct password and the TOTP code may take."""
    return int(getattr(settings, "CONGVU_SECOND_FACTOR_WINDOW_SECONDS", 5 * 60))
