"""Fixtures for the evaluation tests on the dossier tests' small province: ward A (leader, head of the unit;
two specialists; a one-stop officer at its service centre, which has no leader of its own), ward B, a
department, an inspector and the reform office at the province, and Decree 335/2025 assigned to the province."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from congvu.evaluation import services
from congvu.units import services as units
from congvu.units.models import Role, StaffProfile
from tests.dossiers.conftest import PASSWORD, place  # noqa: F401

D = Decimal
YEAR, MONTH = 2026, 3

GOOD = {"politics": "4.5", "ethics": "4.5", "culture": "4.5", "discipline": "4.5", "attitude": "4.5", "innovation": "4.5",
        "quantity": "85", "quality": "80", "timeliness": "88"}  # 27 + 70 × 84.33 % = 86.03 → good
EXCELLENT = {"politics": "5", "ethics": "5", "culture": "5", "discipline": "5", "attitude": "5", "innovation": "4.5",
             "quantity": "95", "quality": "92", "timeliness": "96"}  # 29.5 + 66.03 = 95.53 → excellent


@pytest.fixture
def people(place):
    def make(username, unit, role, **extra):
        profile = units.create_staff_member(username, f"Cán bộ {username}", unit, role, password=PASSWORD)
        if extra:
            StaffProfile.objects.filter(pk=profile.pk).update(**extra)
        return profile.user

    ns = SimpleNamespace(
        head=make("lanhdao-a", place.a, Role.UNIT_LEADER, is_head=True),
        deputy=make("phochutich-a", place.a, Role.UNIT_LEADER),
        spec1=make("chuyenvien-a", place.a, Role.SPECIALIST),
        spec2=make("chuyenvien2-a", place.a, Role.SPECIALIST),
        officer=make("motcua-a", place.centre, Role.ONE_STOP_OFFICER),
        leader_b=make("lanhdao-b", place.b, Role.UNIT_LEADER),
        province_leader=make("lanhdao-tinh", place.province, Role.UNIT_LEADER),
        inspector=make("thanhtra", place.province, Role.INSPECTOR),
        reform=make("caicach", place.dept, Role.REFORM_ADMIN),
        sysadmin=make("quantri", place.province, Role.SYSTEM_ADMIN),
    )
    return ns


@pytest.fixture
def nd335(place):
    framework = services.install_framework(services.shipped_definition("decree_335"))
    services.assign_framework(framework, place.province, YEAR)
    return framework


@pytest.fixture
def hn3814(place):
    return services.install_framework(services.shipped_definition("hanoi_3814"))


@pytest.fixture
def month_sheets(people, nd335, place):
    """Ward A's sheets of March 2026 (the head's sheet goes to the province)."""
    return {s.user.username: s for s in services.open_unit_month(place.a, YEAR, MONTH, people.head)}


def self_assess(sheet, points=GOOD):
    return services.save_self_assessment(sheet, sheet.user, points, submit=True)


@pytest.fixture
def login(client):
    def go(user):
        client.force_login(user)
        return client

    return go


def march() -> tuple[dt.date, dt.date]:
    return dt.date(YEAR, MONTH, 1), dt.date(YEAR, MONTH, 31)
