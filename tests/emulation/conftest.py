"""Fixtures for the emulation tests on the dossier tests' small province: commune A (a leader, three specialists,
a one-stop officer in its centre), commune B with its leader, the reform office in a department, and helpers that
write real year-end data — approved evaluation sheets (the evaluation app's tables, read back through
evaluation.selectors.annual_results) and discipline through the people app's service."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD, place  # noqa: F401

D = Decimal
YEAR = 2026


@pytest.fixture
def people(place):
    def make(username, unit, role, name):
        return units.create_staff_member(username, name, unit, role, password=PASSWORD).user

    return SimpleNamespace(
        leader_a=make("lanhdao-a", place.a, Role.UNIT_LEADER, "Lê Thị Hồng"),
        s1=make("cv1-a", place.a, Role.SPECIALIST, "Nguyễn Văn An"),
        s2=make("cv2-a", place.a, Role.SPECIALIST, "Trần Thị Bình"),
        s3=make("cv3-a", place.a, Role.SPECIALIST, "Phạm Văn Cường"),
        officer=make("motcua-a", place.centre, Role.ONE_STOP_OFFICER, "Hoàng Thị Dung"),
        leader_b=make("lanhdao-b", place.b, Role.UNIT_LEADER, "Vũ Văn Em"),
        reform=make("caicach", place.dept, Role.REFORM_ADMIN, "Đỗ Thị Mai"),
        inspector=make("thanhtra", place.province, Role.INSPECTOR, "Ngô Văn Giang"),
    )


@pytest.fixture
def framework(db):
    from congvu.evaluation import services

    return services.install_framework(services.shipped_definition("decree_335"))


@pytest.fixture
def rate(framework):
    """rate(user, unit, points, months=12, year=YEAR): approved monthly sheets with these points."""
    from congvu.evaluation.models import Sheet, SheetState

    def go(user, unit, points, months=12, year=YEAR):
        for month in range(1, months + 1):
            Sheet.objects.create(user=user, unit=unit, year=year, month=month, framework=framework, state=SheetState.APPROVED,
                                 points=D(points))

    return go


@pytest.fixture
def discipline(people):
    from congvu.people import services

    def go(user, form="reprimand", day=dt.date(YEAR, 4, 3), number="12/QĐ-UBND"):
        return services.record_discipline(people.leader_a, staff=user, form=form, decision_number=number, decision_date=day,
                                          signer="Chủ tịch UBND phường", reason="Vi phạm quy tắc ứng xử tại Bộ phận một cửa.")

    return go


@pytest.fixture
def login(client):
    def go(user):
        client.force_login(user)
        return client

    return go
