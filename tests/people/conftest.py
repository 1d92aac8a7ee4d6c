"""Fixtures for the people tests on the dossier tests' small province: commune A (with its service centre) and
commune B, a province inspector, the reform office, and the shipped checklist."""

import datetime as dt
from types import SimpleNamespace

import pytest

from congvu.people import services
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD, place  # noqa: F401

D = dt.date


@pytest.fixture
def people(place):
    def make(username, unit, role):
        return units.create_staff_member(username, f"Cán bộ {username}", unit, role, password=PASSWORD).user

    return SimpleNamespace(
        inspector=make("thanhtra", place.province, Role.INSPECTOR),
        inspector2=make("thanhtra2", place.province, Role.INSPECTOR),
        inspector_b=make("thanhtra-b", place.b, Role.INSPECTOR),
        leader_a=make("lanhdao-a", place.a, Role.UNIT_LEADER),
        leader_p=make("lanhdao-tinh", place.province, Role.UNIT_LEADER),
        officer=make("motcua", place.centre, Role.ONE_STOP_OFFICER),
        specialist_a=make("chuyenvien-a", place.a, Role.SPECIALIST),
        leader_b=make("lanhdao-b", place.b, Role.UNIT_LEADER),
        officer_b=make("motcua-b", place.b, Role.ONE_STOP_OFFICER),
        reform=make("caicach", place.dept, Role.REFORM_ADMIN),
        sysadmin=make("quantri", place.province, Role.SYSTEM_ADMIN),
    )


@pytest.fixture
def checklist(db):
    (template, _added), = services.install_shipped_checklists()
    return template


@pytest.fixture
def plan(people, place, checklist):
    return services.create_plan(people.inspector, title="Kiểm tra công vụ quý IV", kind="unannounced", start_date=D(2026, 10, 1),
                                end_date=D(2026, 12, 31), units=[place.a], team=[people.inspector, people.inspector2], checklist=checklist)


@pytest.fixture
def inspection(plan, people, place):
    return services.open_inspection(plan, people.inspector, unit=place.centre, date=D(2026, 10, 15))


@pytest.fixture
def concluded(inspection, people, checklist):
    """An inspection concluded with one violation by the officer and one unit-level finding, and one action."""
    badge = checklist.items.get(code="4.2")
    services.add_finding(inspection, people.inspector, checklist_item=badge, staff=people.officer, description="Không đeo thẻ công chức.")
    services.add_finding(inspection, people.inspector, checklist_item=checklist.items.get(code="5.1"), is_violation=False,
                         description="Niêm yết đầy đủ thủ tục.")
    services.add_action(inspection, people.inspector, description="Nhắc nhở công chức đeo thẻ.", deadline=D(2026, 11, 15))
    return services.conclude(inspection, people.inspector, summary="Đơn vị chấp hành tương đối tốt.", conclusion="Yêu cầu chấn chỉnh việc đeo thẻ.")


@pytest.fixture
def login(client):
    def go(user):
        client.force_login(user)
        return client

    return go
