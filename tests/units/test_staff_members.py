"""create_staff_member: validation that writes nothing, names, phones, and admin access by role."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from congvu.units import services
from congvu.units.models import JobPosition, Role, StaffProfile

pytestmark = pytest.mark.django_db
User = get_user_model()


def counts():
    return User.objects.count(), StaffProfile.objects.count(), JobPosition.objects.count()


def test_creates_the_login_and_profile(tree):
    profile = services.create_staff_member(
        "lan.nt", "Nguyễn Thị  Lan", tree.a, Role.ONE_STOP_OFFICER, password="Rong-xanh-2025!",
        email="lan@example.org", phone="0912 345 678", job_position="Chuyên viên một cửa",
    )
    user = profile.user
    assert user.get_full_name() == "Nguyễn Thị Lan"
    assert (user.first_name, user.last_name) == ("Nguyễn Thị", "Lan")
    assert user.check_password("Rong-xanh-2025!")
    assert profile.unit == tree.a and profile.phone == "+84912345678"
    assert profile.masked_phone == "091****678"
    assert profile.job_position.name == "Chuyên viên một cửa"
    assert not user.is_staff and not user.is_superuser


def test_unit_may_be_given_by_code_and_password_may_be_left_unset(tree):
    profile = services.create_staff_member("an", "Trần An", "T01-B", Role.SPECIALIST)
    assert profile.unit == tree.b
    assert not profile.user.has_usable_password()


@pytest.mark.parametrize("phone", ["12345", "0912", "+1 202 555 0143", "số điện thoại"])
def test_bad_phone_is_refused_and_nothing_is_created(tree, phone):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.create_staff_member("lan", "Nguyễn Thị Lan", tree.a, Role.ONE_STOP_OFFICER, phone=phone, job_position="Vị trí mới")
    assert [e.code for e in error.value.error_dict["phone"]] == ["invalid_phone"]
    assert counts() == before


def test_every_problem_is_reported_at_once_and_nothing_is_created(tree, make_staff):
    make_staff(tree.a, username="taken")
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.create_staff_member("TAKEN", "", "NOPE", "emperor", password="123", email="not-an-email")
    assert set(error.value.error_dict) == {"username", "full_name", "unit", "role", "password", "email"}
    assert error.value.error_dict["username"][0].code == "duplicate_username"
    assert counts() == before


def test_username_with_spaces_is_refused(tree):
    with pytest.raises(ValidationError) as error:
        services.create_staff_member("có dấu cách", "Lê Hoa", tree.a, Role.SPECIALIST)
    assert "username" in error.value.error_dict


def test_system_administrator_gets_the_admin_with_every_permission(tree):
    user = services.create_staff_member("sysadmin", "Phạm Quản Trị", tree.province, Role.SYSTEM_ADMIN).user
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("auth.change_user") and user.has_perm("units.change_unit")


def test_reform_administrator_configures_units_but_cannot_edit_accounts(tree):
    user = services.create_staff_member("caicach", "Đỗ Cải Cách", tree.province, Role.REFORM_ADMIN).user
    assert user.is_staff
    assert user.has_perm("units.change_unit") and user.has_perm("units.add_jobposition")
    assert user.has_perm("units.view_staffprofile") and not user.has_perm("units.change_staffprofile")
    assert not user.has_perm("auth.change_user") and not user.has_perm("auth.add_user")
    assert not user.has_perm("units.delete_unit")  # units are ended, never deleted


def test_is_staff_admin_makes_the_installation_administrator(tree):
    user = services.create_staff_member("owner", "Chủ Hệ Thống", tree.province, Role.SYSTEM_ADMIN, is_staff_admin=True).user
    assert user.is_superuser and user.is_staff


def test_admin_access_follows_a_change_of_role(tree):
    profile = services.create_staff_member("doi", "Vũ Đổi Vai", tree.province, Role.REFORM_ADMIN)
    profile.role = Role.SPECIALIST
    profile.save()
    services.apply_role_access(profile.user)
    user = User.objects.get(pk=profile.user.pk)
    assert not user.is_staff
    assert not user.groups.filter(name=services.REFORM_ADMIN_GROUP).exists()


def test_role_groups_exist_after_migrate(db):
    assert Group.objects.filter(name__in=[services.SYSTEM_ADMIN_GROUP, services.REFORM_ADMIN_GROUP]).count() == 2
    assert Group.objects.get(name=services.REFORM_ADMIN_GROUP).permissions.filter(codename="change_unit").exists()
