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
def loaded():
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
