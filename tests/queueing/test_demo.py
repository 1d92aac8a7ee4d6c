"""The demo queue: groups and counters at the two demo centres, the demo officers on duty, a few tickets."""

import io

import pytest

from congvu.queueing import demo
from congvu.queueing.models import Counter, ServiceGroup, Ticket, TicketStatus
from congvu.units import services as units
from congvu.units.models import Role, UnitKind
from tests.dossiers.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_centres(catalogue):
    city = units.add_unit("Thành phố Hà Nội", UnitKind.PROVINCE, "01")
    for ward_code, ward, officer in (("00070", "Phường Hoàn Kiếm", "motcua"), ("00004", "Phường Ba Đình", "motcua.badinh")):
        parent = units.add_unit(ward, UnitKind.COMMUNE, ward_code, parent=city)
        centre = units.add_unit(f"Trung tâm Phục vụ hành chính công {ward.lower()}", UnitKind.SERVICE_CENTRE, f"{ward_code}-TTPVHCC", parent=parent)
        units.create_staff_member(officer, f"Cán bộ {officer}", centre, Role.ONE_STOP_OFFICER, password=PASSWORD)


def test_demo_sets_up_both_centres_once(demo_centres):
    out = io.StringIO()
    demo.load(out)
    assert "Xếp hàng: 5 nhóm dịch vụ, 5 quầy" in out.getvalue()
    for code, officer in demo.DEMO_CENTRES.items():
        groups = ServiceGroup.objects.filter(unit__code=code)
        assert list(groups.values_list("prefix", flat=True)) == ["A", "B", "C", "D", "E"]
        assert list(groups.get(prefix="A").fields.values_list("name", flat=True).order_by("name")) == ["Chứng thực", "Hộ tịch", "Lý lịch tư pháp", "Nuôi con nuôi"]
        assert sorted(groups.get(prefix="A").procedures.values_list("code", flat=True)) == ["1.001193", "1.004884"]
        counter = Counter.objects.get(unit__code=code, number=1)
        assert counter.officer.username == officer
        assert list(Counter.objects.get(unit__code=code, number=2).groups.values_list("prefix", flat=True).order_by("prefix")) == ["A", "D"]
        tickets = Ticket.objects.filter(unit__code=code)
        assert tickets.count() == len(demo.DEMO_TICKETS) and tickets.get(status=TicketStatus.CALLED).code == "A001"
    demo.load(io.StringIO())
    assert ServiceGroup.objects.count() == 10 and Ticket.objects.count() == 2 * len(demo.DEMO_TICKETS)
