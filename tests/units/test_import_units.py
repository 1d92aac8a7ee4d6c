"""Importing provinces from vietnam-provinces: counts, idempotency, errors that write nothing, legacy."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from vietnam_provinces import Ward

from congvu.units import divisions, services
from congvu.units.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def test_import_hanoi_creates_the_province_and_every_commune_of_the_package():
    expected_communes = sum(1 for _ in Ward.iter_by_province(1))
    assert expected_communes == 126  # the 2025 reform's figure for Hà Nội

    result = services.import_province("01")

    province = Unit.objects.get(code="01")
    assert province.name == "Thành phố Hà Nội" and province.kind == UnitKind.PROVINCE and province.is_root()
    communes = Unit.objects.filter(kind=UnitKind.COMMUNE)
    assert communes.count() == expected_communes == result.created - 1
    assert all(c.path.startswith(province.path) and c.depth == 2 for c in communes)
    assert set(communes.values_list("valid_from", flat=True)) == {dt.date(2025, 7, 1)}
    hoan_kiem = Unit.objects.get(code="00070")
    assert (hoan_kiem.name, hoan_kiem.short_name, hoan_kiem.official_code) == ("Phường Hoàn Kiếm", "Hoàn Kiếm", "00070")
    # Electronic identifiers are the province's to assign; the importer must not make them up.
    assert not Unit.objects.exclude(identifier="").exists()


def test_all_34_provinces_and_3321_communes_are_available():
    codes = divisions.current_province_codes()
    assert len(codes) == 34
    assert sum(len(divisions.current_province(c).children) for c in codes) == 3321


def test_reimport_updates_in_place_and_never_duplicates():
    services.import_province("01")
    hoan_kiem = Unit.objects.get(code="00070")
    Unit.objects.filter(pk=hoan_kiem.pk).update(name="Tên sai")
    Unit.objects.filter(pk=hoan_kiem.pk).update(identifier="000.00.70.H01", address="Số 1 Lê Lai")
    count = Unit.objects.count()

    result = services.import_province("1")

    assert Unit.objects.count() == count
    assert (result.created, result.updated, result.unchanged) == (0, 1, count - 1)
    hoan_kiem.refresh_from_db()
    assert hoan_kiem.name == "Phường Hoàn Kiếm"
    assert hoan_kiem.search_text.startswith("phuong hoan kiem")
    # What an operator entered survives the re-import.
    assert (hoan_kiem.identifier, hoan_kiem.address) == ("000.00.70.H01", "Số 1 Lê Lai")


@pytest.mark.parametrize("code", ["99", "02", "abc", "", "001"])
def test_unknown_province_is_refused_and_writes_nothing(code):
    with pytest.raises(ValidationError) as error:
        services.import_province(code)
    assert error.value.error_dict["province"][0].code == "unknown_province"
    assert not Unit.objects.exists()


def test_failure_half_way_rolls_back_the_whole_province():
    def explode(done, total):
        if done == 60:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        services.import_province("01", progress=explode)
    assert not Unit.objects.exists()


def test_progress_reports_every_unit_up_to_the_total():
    seen = []
    services.import_province("01", progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (1, 127) and seen[-1] == (127, 127)
    assert [d for d, _t in seen] == list(range(1, 128))


def test_command_prints_progress_and_a_summary():
    out = io.StringIO()
    call_command("import_units", "--province", "01", stdout=out)
    text = out.getvalue()
    assert "127/127" in text and "(100%)" in text and "(50%)" in text
    assert "Thành phố Hà Nội" in text


def test_command_with_unknown_code_fails_with_a_vietnamese_message():
    with pytest.raises(CommandError) as error:
        call_command("import_units", "--province", "99", stdout=io.StringIO())
    # run_from_argv turns a CommandError into this exit status.
    assert error.value.returncode == 1
    assert "Không có tỉnh nào có mã “99”" in str(error.value)
    assert not Unit.objects.exists()


def test_legacy_import_builds_three_levels_with_prefixed_codes_ending_on_30_june_2025():
    source = divisions.legacy_province("01")
    n_districts = len(source.children)
    n_communes = sum(len(d.children) for d in source.children)
    assert (n_districts, n_communes) == (30, 526)

    result = services.import_province("01", legacy=True)

    assert result.created == 1 + n_districts + n_communes
    province = Unit.objects.get(code="L-01")
    assert province.is_root() and province.valid_to == dt.date(2025, 6, 30) and province.successor is None
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT)
    assert districts.count() == n_districts and set(districts.values_list("depth", flat=True)) == {2}
    ba_dinh = Unit.objects.get(code="L-001")
    assert ba_dinh.name == "Quận Ba Đình" and ba_dinh.valid_to == dt.date(2025, 6, 30)
    phuc_xa = Unit.objects.get(code="L-00001")
    assert phuc_xa.name == "Phường Phúc Xá" and phuc_xa.kind == UnitKind.COMMUNE and phuc_xa.path.startswith(ba_dinh.path)
    assert not Unit.objects.filter(path__startswith=province.path, valid_to__isnull=True).exists()


def test_legacy_totals_match_the_pre_reform_structure():
    codes = divisions.legacy_province_codes()
    provinces = [divisions.legacy_province(c) for c in codes]
    assert len(provinces) == 63
    assert sum(len(p.children) for p in provinces) == 696
    assert sum(len(d.children) for p in provinces for d in p.children) == 10051


def test_legacy_and_current_structures_live_side_by_side_without_code_clashes():
    current = services.import_province("01")
    legacy = services.import_province("01", legacy=True)
    assert Unit.objects.count() == current.created + legacy.created
    # The statistics office reused ward numbers: old 00070 and new 00070 are different wards.
    assert Unit.objects.get(code="00070").name == "Phường Hoàn Kiếm"
    assert Unit.objects.get(code="L-00070").official_code == "00070"
    again = services.import_province("01", legacy=True)
    assert again.created == 0 and Unit.objects.count() == current.created + legacy.created


def test_legacy_province_merged_into_a_current_one_on_the_operators_word():
    services.import_province("08")
    services.import_province("02", legacy=True, merged_into="08")
    ha_giang = Unit.objects.get(code="L-02")
    assert ha_giang.successor.code == "08" and ha_giang.valid_to == dt.date(2025, 6, 30)


def test_merged_into_an_unknown_unit_writes_nothing():
    with pytest.raises(ValidationError) as error:
        services.import_province("02", legacy=True, merged_into="08")
    assert error.value.error_dict["merged_into"][0].code == "unknown_unit"
    assert not Unit.objects.exists()


def test_command_legacy_flag(capsys):
    out = io.StringIO()
    call_command("import_units", "--province", "01", "--legacy", stdout=out)
    assert Unit.objects.filter(code="L-01").exists()
    with pytest.raises(CommandError):
        call_command("import_units", "--province", "99", "--legacy", stdout=io.StringIO())
