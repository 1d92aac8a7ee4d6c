"""Fixtures for the dossier tests: a small province with two communes (one with a public administration
service centre), a department, staff of each, and the starter catalogue with a four-step workflow."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from congvu.units import services as units
from congvu.units.models import Role, UnitKind

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "Rong-xanh-2025!"
CITIZEN = {"full_name": "Nguyễn Văn An", "personal_id": "001090012345", "phone": "0912 345 678", "email": "an@example.vn"}


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HCM)


@pytest.fixture
def place(db):
    province = units.add_unit("Thành phố Thử Nghiệm", UnitKind.PROVINCE, "T01", identifier="H99.00")
    a = units.add_unit("Phường Hoàn Kiếm", UnitKind.COMMUNE, "T01-A", parent=province, identifier="H99.01")
    centre = units.add_unit("Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", UnitKind.SERVICE_CENTRE, "T01-A-TT", parent=a,
                            identifier="H99.01.TT1", short_name="TTPVHCC")
    b = units.add_unit("Xã Đông Anh", UnitKind.COMMUNE, "T01-B", parent=province)
    dept = units.add_unit("Sở Tư pháp", UnitKind.DEPARTMENT, "T01-STP", parent=province, identifier="H99.STP1")
    for unit in (province, a, centre, b, dept):
        unit.refresh_from_db()
    return SimpleNamespace(province=province, a=a, centre=centre, b=b, dept=dept)


@pytest.fixture
def staff(place):
    def make(username, unit, role):
        return units.create_staff_member(username, f"Cán bộ {username}", unit, role, password=PASSWORD).user

    return SimpleNamespace(
        officer=make("motcua", place.centre, Role.ONE_STOP_OFFICER),
        specialist=make("chuyenvien", place.a, Role.SPECIALIST),
        specialist2=make("chuyenvien2", place.a, Role.SPECIALIST),
        leader=make("lanhdao", place.a, Role.UNIT_LEADER),
        other=make("motcua-b", place.b, Role.ONE_STOP_OFFICER),
        dept=make("sotuphap", place.dept, Role.SPECIALIST),
    )


@pytest.fixture
def catalogue(db):
    from congvu.catalog import selectors, services

    services.import_starter_catalog(effective_from=dt.date(2025, 7, 1))
    services.apply_demo_completion_rules()

    def version(code):
        return selectors.version_in_force(selectors.procedure_by_code(code))

    # Re-registration of a birth: 5 working days, split as a commune sets its internal workflow.
    five = version("1.004884")
    services.set_workflow(five, [
        {"name": "Tiếp nhận, chuyển hồ sơ", "role": Role.ONE_STOP_OFFICER, "share": Decimal("0.5")},
        {"name": "Thẩm định hồ sơ", "role": Role.SPECIALIST, "share": Decimal("3")},
        {"name": "Phê duyệt kết quả", "role": Role.UNIT_LEADER, "share": Decimal("1")},
        {"name": "Trả kết quả", "role": Role.ONE_STOP_OFFICER, "share": Decimal("0.5")},
    ])
    return SimpleNamespace(version=version, five=five, birth=version("1.001193"))


def submit_ids(version):
    return [d.pk for d in version.documents.all() if d.group == "submit"]


@pytest.fixture
def receive(place, staff, catalogue):
    """Receive a complete dossier at the centre (5-working-day procedure unless another version is given)."""
    from congvu.dossiers.services import receive_dossier

    def go(version=None, at=None, applicant=None, **kwargs):
        version = version or catalogue.five
        return receive_dossier(
            staff.officer, place.centre, version, applicant or dict(CITIZEN), checked_document_ids=submit_ids(version),
            at=at or local(2026, 3, 2, 9, 0), **kwargs,
        )

    return go
