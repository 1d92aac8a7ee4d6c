"""The PAR demo: frameworks for the current year, one verified assessment with a correction, one draft, the
external indices marked as demo figures; a second load changes nothing."""

import io

import pytest
from django.utils import timezone

from congvu.reform import demo, selectors
from congvu.reform.models import Assessment, AssessmentState, AuditEntry, CriterionScore, ExternalIndex, Framework, Verification
from congvu.units import services as units
from congvu.units.models import Role, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_place():
    city = units.add_unit("Thành phố Hà Nội", UnitKind.PROVINCE, "01")
    ward = units.add_unit("Phường Hoàn Kiếm", UnitKind.COMMUNE, "00070", parent=city)
    units.add_unit("Phường Ba Đình", UnitKind.COMMUNE, "00004", parent=city)
    home = units.add_unit("Sở Nội vụ", UnitKind.DEPARTMENT, "01-SNV", parent=city)
    units.create_staff_member("caicach", "Đỗ Thị Mai", home, Role.REFORM_ADMIN)
    units.create_staff_member("lanhdao", "Lê Thị Hồng", ward, Role.UNIT_LEADER)


def counts():
    return (Framework.objects.count(), Assessment.objects.count(), CriterionScore.objects.count(), ExternalIndex.objects.count(),
            AuditEntry.objects.count())


def test_demo_loads_once(demo_place):
    demo.load(io.StringIO())
    year = timezone.localdate().year
    assert set(Framework.objects.values_list("year", "target")) == {(year, "department"), (year, "commune")}
    assert all(f.is_example for f in Framework.objects.all())
    verified = Assessment.objects.get(unit__code="00070")
    assert verified.state == AssessmentState.VERIFIED
    corrected = verified.scores.get(verification=Verification.CORRECTED)
    assert corrected.criterion.code == "3.1" and corrected.self_points == 5 and corrected.verified_points == 4 and corrected.correction_reason
    assert verified.final_score == sum(s.verified_points for s in verified.scores.all())
    assert Assessment.objects.get(unit__code="00004").state == AssessmentState.DRAFT
    assert ExternalIndex.objects.count() == len(demo.EXTERNAL)
    assert all("demo" in i.source.lower() and "chính thức" in i.source for i in ExternalIndex.objects.all())
    [top] = [r for r in selectors.par_results(Framework.objects.get(target="commune")) if r.rank == 1]
    assert top.unit.code == "00070"
    before = counts()
    demo.load(io.StringIO())
    assert counts() == before
