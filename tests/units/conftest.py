"""Fixtures for the units tests: a small unit tree with one merge, and staff members in it."""

import datetime as dt
from types import SimpleNamespace

import pytest

from congvu.units import services
from congvu.units.models import Role, UnitKind

PASSWORD = "Rong-xanh-2025!"


@pytest.fixture
def tree(db):
    """Province "T01" with communes "T01-A" (with a one-stop desk) and "T01-B"; an old province "TL"
    whose ward "TL-A" was merged into "T01-A" on 1 July 2025; a second province "T02"."""
    province = services.add_unit("Tỉnh Thử Nghiệm", UnitKind.PROVINCE, "T01")
    a = services.add_unit("Phường Hoàn Kiếm", UnitKind.COMMUNE, "T01-A", parent=province, valid_from=dt.date(2025, 7, 1), phone="024 3825 3536")
    desk = services.add_unit("Bộ phận một cửa phường Hoàn Kiếm", UnitKind.ONE_STOP_DESK, "T01-A-MC", parent=a)
    b = services.add_unit("Xã Đông Anh", UnitKind.COMMUNE, "T01-B", parent=province, valid_from=dt.date(2025, 7, 1))
    old_province = services.add_unit("Tỉnh Cũ", UnitKind.PROVINCE, "TL", valid_to=dt.date(2025, 6, 30))
    old_ward = services.add_unit("Phường Hàng Trống", UnitKind.COMMUNE, "TL-A", parent=old_province, valid_to=dt.date(2025, 6, 30))
    services.merge_units([old_ward], into=a, last_day=dt.date(2025, 6, 30))
    other = services.add_unit("Tỉnh Khác", UnitKind.PROVINCE, "T02")
    other_commune = services.add_unit("Xã Khác", UnitKind.COMMUNE, "T02-A", parent=other)
    for unit in (province, a, desk, b, old_province, old_ward, other, other_commune):
        unit.refresh_from_db()
    return SimpleNamespace(province=province, a=a, desk=desk, b=b, old_province=old_province, old_ward=old_ward, other=other, other_commune=other_commune)


@pytest.fixture
def make_staff(db):
    counter = iter(range(1, 10_000))

    def make(unit, role=Role.ONE_STOP_OFFICER, **kwargs):
        n = next(counter)
        kwargs.setdefault("username", f"canbo{n}")
        kwargs.setdefault("full_name", f"Nguyễn Văn Cán Bộ {n}")
        kwargs.setdefault("password", PASSWORD)
        return services.create_staff_member(unit=unit, role=role, **kwargs).user

    return make
