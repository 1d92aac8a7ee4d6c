"""Privacy tests reuse the dossier tests' small province, staff and catalogue."""

import pytest

from tests.dossiers.conftest import CITIZEN, PASSWORD, catalogue, local, place, receive, staff  # noqa: F401


@pytest.fixture
def inspector(place):
    from congvu.units import services as units
    from congvu.units.models import Role

    return units.create_staff_member("thanhtra", "Thanh tra viên", place.a, Role.INSPECTOR, password=PASSWORD).user


@pytest.fixture
def sysadmin(place):
    from congvu.units import services as units
    from congvu.units.models import Role

    return units.create_staff_member("quantri", "Quản trị hệ thống", place.province, Role.SYSTEM_ADMIN, password=PASSWORD).user
