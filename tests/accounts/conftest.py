"""Units, staff and dossiers come from tests/dossiers; here sign-in runs as in production (lockout and the second
factor on), which the suite's root conftest turns off for everybody else."""

import pytest
from django.core.cache import cache

from tests.dossiers.conftest import PASSWORD, catalogue, place, staff  # noqa: F401  (fixtures)


@pytest.fixture
def secure_sign_in(settings):
    settings.AXES_ENABLED = True
    settings.CONGVU_REQUIRE_2FA = True
    cache.clear()
    return settings


@pytest.fixture
def admin_user(place):
    from congvu.units import services as units
    from congvu.units.models import Role

    return units.create_staff_member("quantri", "Quản trị hệ thống", place.province, Role.SYSTEM_ADMIN, password=PASSWORD).user


def totp_code(device, offset: int = 0) -> str:
    """The code an authenticator app shows now (offset in 30-second steps)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():06d}"
