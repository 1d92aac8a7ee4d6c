import io
import subprocess
import sys

import pytest
from django.contrib.auth import authenticate

from congvu.core import demo
from congvu.units.models import Role, Unit
from congvu.units.selectors import visible_units

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(base_demo_only):
    out = io.StringIO()
    assert demo.load_demo(stdout=out) is True
    return out.getvalue()


def test_demo_has_one_login_per_role_that_signs_in(loaded):
    logins = demo.demo_logins()
    assert {s.role for s in demo.DEMO_STAFF} == set(Role.values)
    assert len(logins) == len(demo.DEMO_STAFF)
    for username, _role, _unit in logins:
        assert authenticate(username=username, password=demo.DEMO_PASSWORD) is not None


def test_demo_is_a_real_province_with_its_history(loaded):
    hanoi = Unit.objects.get(code="01")
    assert hanoi.name == "Thành phố Hà Nội"
    assert Unit.objects.filter(path__startswith=hanoi.path, kind="commune").count() == 126
    assert Unit.objects.get(code="L-01").successor == hanoi


def test_demo_scopes_follow_the_roles(loaded):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    ward_officer = visible_units(users["motcua"])
    assert ward_officer.filter(code="00070-TTPVHCC").exists()
    assert not ward_officer.filter(code="00004").exists()
    assert visible_units(users["caicach"]).filter(kind="commune", valid_to__isnull=True).count() == 126


def test_demo_catalogue_can_receive_the_common_procedures(loaded):
    from congvu.catalog import selectors

    birth = selectors.version_in_force(selectors.procedure_by_code("1.001193"))
    assert birth.is_complete
    steps = list(birth.workflow_steps.filter(unit=None).order_by("position"))
    assert sum(s.share for s in steps) == birth.time_limit_value
    assert selectors.current_versions().filter(is_complete=False).exists(), "the demo must show what is still incomplete"
    assert "Hoàn thiện theo quy tắc demo" in loaded


def test_loading_twice_changes_nothing(loaded):
    before = Unit.objects.count()
    out = io.StringIO()
    assert demo.load_demo(stdout=out) is False
    assert "đã có sẵn" in out.getvalue()
    assert Unit.objects.count() == before


def test_demo_workflow_shares_add_up_exactly():
    from decimal import Decimal

    for limit in ["1", "3", "7", "27", "0.5", "2"]:
        steps = demo.demo_workflow(Decimal(limit))
        assert sum(s["share"] for s in steps) == Decimal(limit)
        assert all(s["share"] > 0 for s in steps)


def test_cli_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "congvu.cli", "--help"], capture_output=True, text=True, check=True)
    for command in ("demo", "serve", "worker", "calendar", "manage"):
        assert command in result.stdout


def test_demo_dossier_goes_through_two_units_to_its_returned_result(loaded, client):
    """Issue 3's "done when" on the demo data, through the staff pages: the ward centre's officer receives,
    the ward's specialist appraises and sends it to the city's Department of Justice for joint processing,
    the department's specialist passes it back on, the ward leader approves and the officer returns it."""
    from django.urls import reverse

    from congvu.catalog import selectors
    from congvu.dossiers.models import Dossier
    from congvu.dossiers.services import receive_dossier
    from congvu.units.models import StaffProfile

    def user(name):
        return StaffProfile.objects.select_related("user").get(user__username=name).user

    version = selectors.version_in_force(selectors.procedure_by_code("1.001193"))
    centre = Unit.objects.get(code="00070-TTPVHCC")
    submit = [d.pk for d in version.documents.filter(group="submit")]
    dossier = receive_dossier(user("motcua"), centre, version, {"full_name": "Nguyễn Văn An", "personal_id": "001090012345",
                              "phone": "0912345678"}, checked_document_ids=submit)

    def act(username, action, **fields):
        client.force_login(user(username))
        d = Dossier.objects.get(pk=dossier.pk)
        data = {"action": action, f"{action}-expected_version": d.lock_version, **{f"{action}-{k}": v for k, v in fields.items()}}
        response = client.post(reverse("dossiers:action", args=[d.code]), data)
        assert response.status_code == 302, (username, action, response.content.decode()[-3000:])
        return Dossier.objects.get(pk=dossier.pk)

    act("motcua", "start_processing")
    act("motcua", "forward")
    d = act("chuyenvien", "accept_step")
    stp = Unit.objects.get(code="01-STP")
    d = act("chuyenvien", "forward", to_unit=stp.code, share="1", note="Xin ý kiến Sở Tư pháp")
    assert d.current_unit == stp
    d = act("chuyenvien.stp", "forward")
    assert d.current_unit.code == "00070"
    d = act("lanhdao", "record_result", names="Giấy khai sinh (bản chính)")
    assert d.state == "result_ready"
    d = act("motcua", "return_result", method="counter", returned_to="Nguyễn Văn An")
    assert d.state == "returned"
    client.force_login(user("motcua"))
    for letter in ("giay-tiep-nhan", "phieu-kiem-soat"):
        pdf = client.get(reverse("dossiers:letter", args=[d.code, letter]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
