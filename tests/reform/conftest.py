"""Fixtures for the PAR tests on the dossier tests' small province: two communes (A with its leader, B), a
department housing the reform office, and a small commune framework of 10 points with one bound criterion."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from congvu.reform import services
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD, place  # noqa: F401

D = Decimal


def small_framework_data(**overrides) -> dict:
    data = {
        "name": "Bộ chỉ số CCHC cấp xã (thử)", "year": 2026, "target": "commune", "total": 10,
        "bands": [["A", 9], ["B", 8], ["C", 7], ["D", 0]],
        "areas": [
            {"code": "1", "name": "Chỉ đạo, điều hành", "max_points": 4, "children": [
                {"code": "1.1", "name": "Kế hoạch CCHC", "max_points": "1.5"},
                {"code": "1.2", "name": "Báo cáo CCHC", "max_points": "2.5"},
            ]},
            {"code": "2", "name": "Thủ tục hành chính", "max_points": 6, "children": [
                {"code": "2.1", "name": "Công khai thủ tục", "max_points": 3},
                {"code": "2.2", "name": "Tỷ lệ đúng hạn", "max_points": 3, "metric": "on_time_rate",
                 "scoring": {"method": "thresholds", "thresholds": [["98", 3], ["90", 2]]}},
            ]},
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def people(place):
    def make(username, unit, role):
        return units.create_staff_member(username, f"Cán bộ {username}", unit, role, password=PASSWORD).user

    return SimpleNamespace(
        leader_a=make("lanhdao-a", place.a, Role.UNIT_LEADER),
        specialist_a=make("chuyenvien-a", place.a, Role.SPECIALIST),
        leader_b=make("lanhdao-b", place.b, Role.UNIT_LEADER),
        reform=make("caicach", place.dept, Role.REFORM_ADMIN),
        inspector=make("thanhtra", place.province, Role.INSPECTOR),
    )


@pytest.fixture
def framework(people):
    return services.install_framework(small_framework_data(), actor=people.reform)


@pytest.fixture
def measured(monkeypatch):
    """The metric values the bound criteria read, per (metric, unit code)."""
    values: dict = {}

    def fake(metric, unit, year):
        return values.get((metric, unit.code))

    monkeypatch.setattr(services, "measured_value", fake)
    return values


@pytest.fixture
def login(client):
    def go(user):
        client.force_login(user)
        return client

    return go
