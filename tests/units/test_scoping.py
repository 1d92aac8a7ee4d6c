"""`visible_units` and `scope_queryset`: who sees which units, in SQL, in a few queries."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from congvu.units import selectors, services
from congvu.units.models import Role, StaffProfile, Unit, UnitKind

pytestmark = pytest.mark.django_db


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_commune_officer_sees_their_subtree_and_the_ward_merged_into_it(tree, make_staff):
    officer = make_staff(tree.a)
    assert codes(selectors.visible_units(officer)) == {"T01-A", "T01-A-MC", "TL-A"}


def test_commune_officer_cannot_see_another_commune_or_the_province(tree, make_staff):
    officer = make_staff(tree.a)
    visible = selectors.visible_units(officer)
    assert not visible.filter(code__in=["T01-B", "T01", "T02-A", "TL"]).exists()
    assert not selectors.can_see_unit(officer, tree.b)
    assert selectors.can_see_unit(officer, tree.old_ward)


def test_province_reform_admin_sees_every_unit_below_the_province(tree, make_staff):
    admin = make_staff(tree.province, Role.REFORM_ADMIN)
    assert codes(selectors.visible_units(admin)) == {"T01", "T01-A", "T01-A-MC", "T01-B", "TL-A"}


def test_reform_admin_in_a_department_sees_the_whole_province_but_a_specialist_there_does_not(tree, make_staff):
    department = services.add_unit("Sở Nội vụ", UnitKind.DEPARTMENT, "T01-SNV", parent=tree.province)
    reform_admin = make_staff(department, Role.REFORM_ADMIN)
    specialist = make_staff(department, Role.SPECIALIST)
    assert codes(selectors.visible_units(reform_admin)) == {"T01", "T01-SNV", "T01-A", "T01-A-MC", "T01-B", "TL-A"}
    assert codes(selectors.visible_units(specialist)) == {"T01-SNV"}


def test_reform_admin_of_an_imported_province_sees_all_its_communes(make_staff):
    services.import_province("01")
    services.import_province("04")
    admin = make_staff(Unit.objects.get(code="01"), Role.REFORM_ADMIN)
    visible = selectors.visible_units(admin)
    assert visible.filter(kind=UnitKind.COMMUNE).count() == 126
    assert not visible.filter(code="04").exists()


def test_a_merged_province_is_visible_from_its_successor_province(make_staff):
    services.import_province("08")
    services.import_province("02", legacy=True, merged_into="08")
    leader = make_staff(Unit.objects.get(code="08"), Role.UNIT_LEADER)
    old = Unit.objects.get(code="L-02")
    assert selectors.visible_units(leader).filter(path__startswith=old.path).count() == Unit.objects.filter(path__startswith=old.path).count()


def test_merges_chain_across_generations(tree, make_staff):
    services.merge_units([tree.a], into=tree.b, last_day=dt.date(2030, 6, 30))
    officer_b = make_staff(tree.b)
    assert codes(selectors.visible_units(officer_b)) == {"T01-B", "T01-A", "T01-A-MC", "TL-A"}


def test_merges_of_single_wards_chain_across_generations(tree, make_staff):
    older = services.add_unit("Xã Rất Cũ", UnitKind.COMMUNE, "TL-B", parent=tree.old_province, valid_to=dt.date(2020, 12, 31))
    services.merge_units([older], into=tree.old_ward, last_day=dt.date(2020, 12, 31))
    officer = make_staff(tree.a)
    scope = selectors.scope_of(officer)
    assert codes(selectors.units_in_scope(scope)) == {"T01-A", "T01-A-MC", "TL-A", "TL-B"}
    assert scope.covers(older) and not scope.covers(tree.old_province)


def test_system_admin_and_superuser_see_everything(tree, make_staff):
    sysadmin = make_staff(tree.other_commune, Role.SYSTEM_ADMIN)
    assert selectors.visible_units(sysadmin).count() == Unit.objects.count()
    root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    assert selectors.visible_units(root).count() == Unit.objects.count()


def test_anonymous_users_and_accounts_without_a_profile_see_nothing(tree):
    assert not selectors.visible_units(AnonymousUser()).exists()
    plain = get_user_model().objects.create_user("plain", password="x")
    assert not selectors.visible_units(plain).exists()
    assert not selectors.scope_queryset(StaffProfile.objects.all(), plain).exists()


def test_deactivated_account_sees_nothing(tree, make_staff):
    officer = make_staff(tree.a)
    officer.is_active = False
    assert not selectors.visible_units(officer).exists()


def test_scope_queryset_filters_another_model_through_a_subquery(tree, make_staff):
    officer_a = make_staff(tree.a)
    make_staff(tree.b)
    make_staff(tree.desk)
    make_staff(tree.old_ward)

    scoped = selectors.scope_queryset(StaffProfile.objects.all(), officer_a)
    assert codes_of_staff(scoped) == {"T01-A", "T01-A-MC", "TL-A"}
    sql = str(scoped.query).upper()
    # The unit filter is a nested SELECT on the unit table, not a list of ids computed in Python.
    assert sql.count("SELECT") == 2 and "UNITS_UNIT" in sql.split("IN (", 1)[1]


def codes_of_staff(qs):
    return set(qs.values_list("unit__code", flat=True))


def test_scope_queryset_accepts_any_unit_field_path(tree, make_staff):
    officer_a = make_staff(tree.a)
    scoped = selectors.scope_queryset(Unit.objects.all(), officer_a, unit_field="successor")
    assert codes(scoped) == {"TL-A"}


def test_scope_costs_a_few_queries_however_many_merges(tree, make_staff, django_assert_max_num_queries):
    for n in range(40):
        ward = services.add_unit(f"Xã Cũ {n}", UnitKind.COMMUNE, f"TL-X{n}", parent=tree.old_province, valid_to=dt.date(2025, 6, 30))
        services.merge_units([ward], into=tree.a if n % 2 else tree.desk, last_day=dt.date(2025, 6, 30))
    officer = get_user_model().objects.get(pk=make_staff(tree.a).pk)
    # Profile with unit, one query per generation of merges (two here), the count.
    with django_assert_max_num_queries(4):
        assert selectors.visible_units(officer).count() == 3 + 40
