"""History rules of the unit tree: constraints, merges, lineage."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from congvu.units import selectors, services
from congvu.units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db

JUNE_30 = dt.date(2025, 6, 30)


def test_database_refuses_a_last_day_before_the_first(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=tree.b.pk).update(valid_to=dt.date(2025, 1, 1))


def test_database_refuses_a_unit_succeeding_itself(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=tree.b.pk).update(successor=tree.b, valid_to=JUNE_30 + dt.timedelta(days=400))


def test_database_refuses_a_successor_without_a_last_day(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=tree.other_commune.pk).update(successor=tree.b)


def test_model_validation_explains_the_same_rules(tree):
    tree.b.valid_to = dt.date(2025, 1, 1)
    with pytest.raises(ValidationError) as error:
        tree.b.full_clean()
    assert [e.code for e in error.value.error_dict["__all__"]] == ["valid_to_before_valid_from"]


def test_model_validation_refuses_a_loop_of_merges(tree):
    # TL-A → T01-A already; making T01-A succeeded by TL-A closes a loop.
    tree.a.successor = tree.old_ward
    tree.a.valid_to = dt.date(2030, 1, 1)
    with pytest.raises(ValidationError) as error:
        tree.a.full_clean()
    assert error.value.error_dict["successor"][0].code == "successor_loop"


def test_model_validation_refuses_a_successor_under_the_unit(tree):
    tree.a.successor = tree.desk
    tree.a.valid_to = dt.date(2030, 1, 1)
    with pytest.raises(ValidationError) as error:
        tree.a.full_clean()
    assert error.value.error_dict["successor"][0].code == "successor_inside"


def test_add_unit_validates_before_writing(tree):
    count = Unit.objects.count()
    with pytest.raises(ValidationError) as error:
        services.add_unit("", "planet", "T01", parent="NOPE", phone="12", valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2025, 1, 1))
    fields = error.value.error_dict
    assert {"name", "kind", "code", "parent", "phone", "valid_to"} <= set(fields)
    assert Unit.objects.count() == count


def test_add_unit_refuses_a_second_unit_with_the_same_identifier(tree):
    services.add_unit("Sở Tư pháp", UnitKind.DEPARTMENT, "T01-STP", parent=tree.province, identifier="000.00.12.H99")
    with pytest.raises(ValidationError) as error:
        services.add_unit("Sở Nội vụ", UnitKind.DEPARTMENT, "T01-SNV", parent=tree.province, identifier="000.00.12.H99")
    assert error.value.error_dict["identifier"][0].code == "duplicate_identifier"
    with pytest.raises(ValidationError):
        services.add_unit("Sở Nội vụ", UnitKind.DEPARTMENT, "T01-SNV", parent=tree.province, identifier="not an id")


def test_add_unit_places_the_unit_under_its_parent_and_normalises_the_phone(tree):
    centre = services.add_unit("Trung tâm Phục vụ hành chính công", UnitKind.SERVICE_CENTRE, "T01-TTPVHCC", parent="T01", phone="0243 825 3536")
    assert centre.path.startswith(tree.province.path) and centre.depth == 2
    assert centre.phone == "+842438253536"
    assert Unit.objects.get(pk=tree.province.pk).numchild == 3


def test_merge_sets_last_day_and_successor(tree):
    services.merge_units([tree.b], into=tree.a, last_day=dt.date(2026, 12, 31))
    tree.b.refresh_from_db()
    assert tree.b.successor == tree.a and tree.b.valid_to == dt.date(2026, 12, 31)


@pytest.mark.parametrize("case", ["into_itself", "into_its_own_child", "into_a_unit_it_succeeded", "into_an_ended_unit", "nothing"])
def test_merge_refuses_impossible_merges_and_changes_nothing(tree, case):
    merged, into = {
        "into_itself": ([tree.b], tree.b),
        "into_its_own_child": ([tree.a], tree.desk),
        "into_a_unit_it_succeeded": ([tree.a], tree.old_ward),
        "into_an_ended_unit": ([tree.b], tree.old_ward),
        "nothing": ([], tree.a),
    }[case]
    before = list(Unit.objects.values_list("pk", "successor_id", "valid_to"))
    with pytest.raises(ValidationError):
        services.merge_units(merged, into=into, last_day=dt.date(2026, 12, 31))
    assert list(Unit.objects.values_list("pk", "successor_id", "valid_to")) == before


def test_lineage_follows_merges_both_ways_across_generations(tree):
    # 2030: T01-A itself merges into T01-B; TL-A's records must now be findable from T01-B too.
    services.merge_units([tree.a], into=tree.b, last_day=dt.date(2030, 6, 30))
    tree.old_ward.refresh_from_db()
    assert [u.code for u in selectors.successor_chain(tree.old_ward)] == ["T01-A", "T01-B"]
    assert set(selectors.units_merged_into(tree.b).values_list("code", flat=True)) == {"T01-A", "TL-A"}
    lineage = selectors.unit_lineage(tree.a)
    assert [u.code for u in lineage.predecessors] == ["TL-A"]
    assert [u.code for u in lineage.successors] == ["T01-B"]


def test_merge_command_records_a_merge(tree, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("merge_units", "T01-B", "--into", "T01-A", "--last-day", "2026-12-31")
    tree.b.refresh_from_db()
    assert tree.b.successor == tree.a
    with pytest.raises(CommandError):
        call_command("merge_units", "T02-A", "--into", "T02-A", "--last-day", "2026-12-31")
    with pytest.raises(CommandError):
        call_command("merge_units", "T02-A", "--into", "NOPE", "--last-day", "2026-12-31")
    with pytest.raises(CommandError):
        call_command("merge_units", "T02-A", "--into", "T01-A", "--last-day", "31/12/2026")


def test_parent_name_names_the_unit_above(tree):
    assert tree.desk.parent_name == "Phường Hoàn Kiếm"
    assert tree.province.parent_name == ""


def test_identifier_is_set_by_the_province_validated_and_searchable(tree):
    services.set_unit_identifier("T01-A", "000.00.70.H01")
    tree.a.refresh_from_db()
    assert tree.a.identifier == "000.00.70.H01" and "000.00.70.h01" in tree.a.search_text
    with pytest.raises(ValidationError) as error:
        services.set_unit_identifier(tree.b, "000.00.70.H01")
    assert error.value.error_dict["identifier"][0].code == "duplicate_identifier"
    with pytest.raises(ValidationError) as error:
        services.set_unit_identifier(tree.b, "bad id")
    assert error.value.error_dict["identifier"][0].code == "invalid_identifier"
    with pytest.raises(ValidationError):
        services.set_unit_identifier("NOPE", "000.00.71.H01")
    tree.b.refresh_from_db()
    assert tree.b.identifier == ""
