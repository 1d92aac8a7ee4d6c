"""Which units' records count toward a unit: its subtree and the units merged into it."""

import datetime as dt

import pytest

from congvu.indices.scoping import unit_ids, unit_q
from congvu.units.models import Unit, UnitKind
from congvu.units.services import add_unit, merge_units

pytestmark = pytest.mark.django_db


def test_subtree_and_merged_units_count_toward_the_successor():
    province = add_unit("Tỉnh Thử Nghiệm", UnitKind.PROVINCE, "T-TN")
    old_district = add_unit("Huyện Cũ", UnitKind.DISTRICT, "T-HC", province)
    old_ward = add_unit("Xã Cũ", UnitKind.COMMUNE, "T-XC", old_district)
    new_ward = add_unit("Xã Mới", UnitKind.COMMUNE, "T-XM", province)
    desk = add_unit("Bộ phận một cửa xã Mới", UnitKind.ONE_STOP_DESK, "T-XM-MC", new_ward)
    other = add_unit("Xã Khác", UnitKind.COMMUNE, "T-XK", province)
    merge_units([old_ward], new_ward, dt.date(2025, 6, 30))

    assert set(unit_ids(new_ward)) == {new_ward.pk, desk.pk, old_ward.pk}
    assert set(Unit.objects.filter(unit_q(new_ward)).values_list("code", flat=True)) == {"T-XM", "T-XM-MC", "T-XC"}
    assert other.pk not in unit_ids(new_ward)
    # The province already holds everything under it; the merge adds nothing twice.
    assert sorted(unit_ids(province)) == sorted(Unit.objects.filter(path__startswith=province.path).values_list("pk", flat=True))
