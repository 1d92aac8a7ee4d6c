"""The evaluation demo on a small Hà Nội: the ward's months before last approved and locked through the services,
last month pre-filled and self-assessed waiting for lanhdao.badinh, the head rated by a city leader; a second
load changes nothing."""

import io

import pytest
from django.utils import timezone

from congvu.evaluation import demo, selectors
from congvu.evaluation.forms import previous_month
from congvu.evaluation.models import Framework, Sheet, SheetEvent, SheetState
from congvu.units import services as units
from congvu.units.models import Role, StaffProfile, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_place():
    city = units.add_unit("Thành phố Hà Nội", UnitKind.PROVINCE, "01")
    ward = units.add_unit("Phường Ba Đình", UnitKind.COMMUNE, "00004", parent=city)
    ward.refresh_from_db()
    centre = units.add_unit("Trung tâm Phục vụ hành chính công phường Ba Đình", UnitKind.SERVICE_CENTRE, "00004-TTPVHCC", parent=ward)
    units.create_staff_member("lanhdao.badinh", "Bùi Văn Thắng", ward, Role.UNIT_LEADER)
    units.create_staff_member("chuyenvien.badinh", "Đặng Thị Thu Hà", ward, Role.SPECIALIST)
    units.create_staff_member("motcua.badinh", "Phạm Quốc Huy", centre, Role.ONE_STOP_OFFICER)
    return ward


def test_demo_story_and_idempotence(demo_place):
    out = io.StringIO()
    demo.load(out)
    year, month = previous_month(timezone.localdate().year, timezone.localdate().month)
    assert Framework.objects.filter(code__in=["nd-335-2025", "hn-3814-2018"]).count() == 2
    assert StaffProfile.objects.get(user__username="lanhdao.badinh").is_head
    ward_sheets = Sheet.objects.filter(unit=demo_place, year=year)
    rated = 6  # chuyenvien, motcua and the four colleagues the demo adds
    assert ward_sheets.filter(state=SheetState.APPROVED).count() == rated * (month - 1)
    waiting = ward_sheets.filter(month=month)
    assert waiting.count() == rated and all(s.state == SheetState.SELF_ASSESSED and s.facts for s in waiting)
    head_sheet = Sheet.objects.get(user__username="lanhdao.badinh", year=year, month=1)
    assert head_sheet.unit.code == "01" and head_sheet.scored_by.username == "lanhdao.thanhpho"
    results = selectors.annual_results([s.user_id for s in waiting], year)
    assert all(r.months_rated == month - 1 and r.provisional and r.level for r in results.values())
    assert "phường Ba Đình" in out.getvalue()
    before = (Sheet.objects.count(), SheetEvent.objects.count())
    demo.load(io.StringIO())
    assert (Sheet.objects.count(), SheetEvent.objects.count()) == before
