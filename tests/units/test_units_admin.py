"""Django admin: the unit tree, scoped for the reform office; staff profiles inline on users."""

import pytest
from django.contrib.auth import get_user_model

from congvu.units.models import Role, StaffProfile, Unit

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def superuser_client(client, tree):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    return client


def test_unit_tree_and_accent_insensitive_search(superuser_client):
    assert superuser_client.get("/admin/units/unit/").status_code == 200
    response = superuser_client.get("/admin/units/unit/", {"q": "hang trong"})
    assert [u.code for u in response.context["cl"].result_list] == ["TL-A"]
    response = superuser_client.get("/admin/units/unit/", {"validity": "historical"})
    assert {u.code for u in response.context["cl"].result_list} == {"TL", "TL-A"}


def test_admin_adds_a_unit_under_a_parent(superuser_client, tree):
    response = superuser_client.post("/admin/units/unit/add/", {
        "name": "Sở Tư pháp", "short_name": "", "code": "T01-STP", "kind": "department", "official_code": "",
        "identifier": "", "valid_from": "", "valid_to": "", "successor": "", "address": "", "phone": "",
        "treebeard_position": "first-child", "treebeard_ref_node": tree.province.pk,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Unit.objects.get(code="T01-STP")
    assert unit.path.startswith(tree.province.path) and unit.depth == 2


def test_admin_form_refuses_a_successor_without_a_last_day(superuser_client, tree):
    response = superuser_client.post(f"/admin/units/unit/{tree.b.pk}/change/", {
        "name": tree.b.name, "short_name": "", "code": tree.b.code, "kind": "commune", "official_code": "",
        "identifier": "", "valid_from": "2025-07-01", "valid_to": "", "successor": tree.a.pk, "address": "", "phone": "",
        "treebeard_position": "right", "treebeard_ref_node": tree.a.pk,
    })
    assert response.status_code == 200 and response.context["adminform"].form.errors
    tree.b.refresh_from_db()
    assert tree.b.successor is None


def test_reform_admin_works_on_their_own_units_only(client, tree, make_staff):
    client.force_login(make_staff(tree.province, Role.REFORM_ADMIN))
    response = client.get("/admin/units/unit/", {"q": "x"})  # a search lists the whole (scoped) tree flat
    assert response.status_code == 200
    response = client.get("/admin/units/unit/", {"kind": "commune"})
    assert {u.code for u in response.context["cl"].result_list} == {"T01-A", "T01-B", "TL-A"}
    assert client.get(f"/admin/units/unit/{tree.other.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/units/staffprofile/").status_code == 200


def test_user_admin_shows_role_and_unit_and_applies_the_role(superuser_client, tree, make_staff):
    officer = make_staff(tree.a, full_name="Hoàng Văn Tư")
    html = superuser_client.get("/admin/auth/user/").content.decode()
    assert "Phường Hoàn Kiếm" in html
    profile = officer.staff_profile
    response = superuser_client.post(f"/admin/auth/user/{officer.pk}/change/", {
        "username": officer.username, "first_name": officer.first_name, "last_name": officer.last_name, "email": "",
        "is_active": "on", "date_joined_0": "2025-07-01", "date_joined_1": "08:00:00",
        "staff_profile-TOTAL_FORMS": "1", "staff_profile-INITIAL_FORMS": "1", "staff_profile-MIN_NUM_FORMS": "0", "staff_profile-MAX_NUM_FORMS": "1",
        "staff_profile-0-id": profile.pk, "staff_profile-0-user": officer.pk, "staff_profile-0-unit": tree.province.pk,
        "staff_profile-0-role": Role.REFORM_ADMIN, "staff_profile-0-job_position": "", "staff_profile-0-phone": "0912 345 678",
    })
    assert response.status_code == 302, response.context and [f.errors for f in response.context["inline_admin_formsets"][0].formset]
    officer.refresh_from_db()
    profile = StaffProfile.objects.get(pk=profile.pk)
    assert profile.role == Role.REFORM_ADMIN and profile.phone == "+84912345678"
    assert officer.is_staff


def test_units_are_not_deleted_from_the_admin_except_by_a_superuser(client, tree, make_staff):
    client.force_login(make_staff(tree.province, Role.SYSTEM_ADMIN))
    assert client.get(f"/admin/units/unit/{tree.b.pk}/delete/").status_code == 403
    assert Unit.objects.filter(pk=tree.b.pk).exists()
