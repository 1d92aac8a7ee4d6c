"""Importing into the database: all or nothing, idempotent, new versions for changed records, round trips."""

import datetime as dt
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from congvu.catalog import selectors, services
from congvu.catalog.models import (
    Fee,
    Field,
    IncompletenessReason,
    Procedure,
    ProcedureChange,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)
from congvu.catalog.problems import CatalogFormatError

from .conftest import STARTER_DAY, dumps

pytestmark = pytest.mark.django_db


def catalogue_counts() -> tuple[int, int, int, int]:
    return Procedure.objects.count(), ProcedureVersion.objects.count(), Fee.objects.count(), Field.objects.count()


def test_starter_import_flags_the_incomplete(starter):
    assert (starter.total, starter.procedures_created, starter.versions_created, starter.unchanged) == (50, 50, 50, 0)
    assert starter.incomplete_created == 36
    assert ProcedureVersion.objects.filter(is_complete=False).count() == 36
    assert Counter(IncompletenessReason.objects.values_list("code", flat=True)) == {
        "fee_amount_missing": 27, "time_limit_unit_missing": 13, "time_limit_unit_unconfirmed": 8, "time_limit_missing": 7,
    }
    assert Field.objects.count() == 13
    assert RequiredDocument.objects.count() == 485
    assert set(ProcedureVersion.objects.values_list("effective_from", flat=True)) == {STARTER_DAY}


def test_stored_raw_values_survive(starter, version_of):
    version = version_of("2.001610")
    fee = version.fees.get(position=0)
    assert (fee.amount_vnd, fee.raw, fee.channels) == (None, "100 VNĐ", ("online",))
    birth = version_of("1.001193")
    assert (birth.time_limit_value, birth.time_limit_unit, birth.time_limit_raw) == (1, None, "1")
    assert birth.source_url.startswith("https://dichvucong.gov.vn/")
    assert birth.verified is True and birth.decision_number == "163/QĐ-BTP"
    assert list(birth.notes.values_list("text", flat=True)) == ['Cổng chỉ ghi con số thời hạn ("1") không kèm đơn vị; đơn vị để null']
    assert list(birth.channels.values_list("channel", "time_raw")) == [("online", "1"), ("post", "1"), ("in_person", "1")]
    assert list(birth.gaps.values_list("code", "field_path", "detail")) == [("time_limit_unit_missing", "time_limit.unit", "1")]


def test_reimporting_the_same_file_creates_nothing(starter, starter_bytes):
    before = catalogue_counts()
    report = services.import_catalog(starter_bytes)
    assert (report.format, report.versions_created, report.unchanged, report.procedures_created) == ("portal", 0, 50, 0)
    assert catalogue_counts() == before


def test_a_changed_record_becomes_a_new_version_and_the_old_stays_readable(starter, raw_records, version_of):
    birth = next(r for r in raw_records if r["code"] == "1.001193")
    birth["time_limit"] = {"value": 3, "unit": "working_days", "raw": "3 Ngày làm việc"}
    report = services.import_catalog(dumps(raw_records), effective_from=dt.date(2026, 1, 1))
    assert (report.versions_created, report.unchanged, report.created_codes) == (1, 49, ["1.001193"])
    procedure = Procedure.objects.get(code="1.001193")
    old, new = procedure.versions.order_by("number")
    assert (old.number, old.time_limit_raw, old.effective_from) == (1, "1", STARTER_DAY)
    assert (new.number, new.time_limit_raw, new.effective_from) == (2, "3 Ngày làm việc", dt.date(2026, 1, 1))
    assert selectors.version_in_force(procedure, dt.date(2025, 12, 31)) == old
    assert selectors.version_in_force(procedure, dt.date(2026, 1, 1)) == new
    assert selectors.version_detail(procedure, 1).time_limit_raw == "1"
    # Same file again: still two versions.
    assert services.import_catalog(dumps(raw_records)).versions_created == 0


@pytest.mark.parametrize(
    "breakage, expected",
    [
        (lambda data: data.__setitem__(6, {**data[6], "time_limit": {"value": -1, "unit": "working_days", "raw": "-1"}}),
         "Dòng 7 (mã 1.004873), trường time_limit.value: phải là số nguyên không âm (nhận được -1)"),
        (lambda data: data[1].pop("code"), "Dòng 2, trường code: thiếu trường bắt buộc"),
        (lambda data: data[4]["time_limit"].__setitem__("unit", "tuần"),
         "Dòng 5 (mã 1.000689), trường time_limit.unit: giá trị không hợp lệ 'tuần' (chấp nhận: working_days, working_hours, days)"),
        (lambda data: data[49].__setitem__("code", data[0]["code"]), "Dòng 50 (mã 1.001193), trường code: mã thủ tục bị trùng với dòng 1"),
    ],
    ids=["negative-time-limit", "missing-code", "unknown-unit", "duplicate-code"],
)
def test_a_bad_row_imports_nothing(raw_records, breakage, expected):
    breakage(raw_records)
    with pytest.raises(CatalogFormatError) as caught:
        services.import_catalog(dumps(raw_records))
    assert [str(p) for p in caught.value.problems] == [expected]
    assert catalogue_counts() == (0, 0, 0, 0)


def test_a_bad_row_leaves_an_existing_catalogue_untouched(starter, raw_records):
    raw_records[0]["name"] = "Tên mới"
    raw_records[30]["fees"][0]["amount_vnd"] = -5
    before = catalogue_counts()
    with pytest.raises(CatalogFormatError):
        services.import_catalog(dumps(raw_records))
    assert catalogue_counts() == before
    assert not ProcedureVersion.objects.filter(name="Tên mới").exists()


def test_bad_json_imports_nothing():
    with pytest.raises(CatalogFormatError) as caught:
        services.import_catalog(b"[{", filename="x.json")
    assert str(caught.value).startswith("tệp JSON không hợp lệ")
    assert catalogue_counts() == (0, 0, 0, 0)


def test_a_file_of_unknown_kind_is_named_not_guessed():
    with pytest.raises(CatalogFormatError) as caught:
        services.import_catalog("# Danh mục\n".encode(), filename="ghi-chu.md")
    assert str(caught.value) == "không nhận ra định dạng của tệp ghi-chu.md (không phải JSON, đuôi .md); đổi tên thành .csv hoặc ghi --format"


def test_bad_csv_header_imports_nothing():
    with pytest.raises(CatalogFormatError) as caught:
        services.import_catalog("code,ten\n1.001193,Khai sinh\n".encode(), filename="danh-muc.csv")
    assert str(caught.value).startswith("Dòng 1: tiêu đề CSV thiếu cột: number, status, name")
    assert catalogue_counts() == (0, 0, 0, 0)


def _wipe_catalogue():
    ProcedureChange.objects.all().delete()
    WorkflowStep.objects.all().delete()
    ProcedureVersion.objects.all().delete()
    Procedure.objects.all().delete()
    Field.objects.all().delete()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_gives_the_same_catalogue(starter, unit_factory, fmt, version_of):
    # Make the catalogue richer than the portal file: a completion, a workflow (general and per unit), a link,
    # a second version and an abolished procedure.
    services.apply_demo_completion_rules()
    ward = unit_factory("ward-ba-dinh")
    marriage = version_of("1.000894")
    services.set_workflow(marriage, [{"name": "Tiếp nhận", "share": "0.5", "role": "one_stop_officer"}, {"name": "Giải quyết", "share": "0.5", "role": "specialist", "unit_kind": "commune"}])
    services.set_workflow(marriage, [{"name": "Một bước", "share": "1", "unit_kind": "commune"}], unit=ward)
    services.abolish_procedure(Procedure.objects.get(code="1.011607"), decision_number="99/QĐ-UBND", effective_from=dt.date(2026, 3, 1))
    exported = services.export_catalog(fmt)

    _wipe_catalogue()
    report = services.import_catalog(exported.encode("utf-8"), format=fmt)
    assert report.versions_created == 51 and report.unchanged == 0
    again = services.export_catalog(fmt)
    if fmt == "json":
        first, second = json.loads(exported), json.loads(again)
        first.pop("exported_at"), second.pop("exported_at")
        assert first == second
    else:
        assert again == exported
    assert selectors.workflow_for(version_of("1.000894"), ward).steps[0].name == "Một bước"
    assert [p.code for p in version_of("2.000986").linked_procedures.all()] == ["1.001193", "1.004222"]
    # And importing the export again changes nothing.
    assert services.import_catalog(again.encode("utf-8"), format=fmt).versions_created == 0


def test_import_command_shows_progress_and_is_idempotent(db, capsys):
    call_command("import_catalog", "--starter")
    out = capsys.readouterr().out
    assert "Đang nhập 10/50" in out and "Đang nhập 50/50" in out
    assert "50 thủ tục mới, 50 phiên bản mới, 0 không đổi; 36 phiên bản mới chưa đủ thông tin để tiếp nhận" in out
    call_command("import_catalog", "--starter")
    assert "0 phiên bản mới, 50 không đổi" in capsys.readouterr().out


def test_import_command_reports_the_bad_row_and_imports_nothing(db, tmp_path, raw_records):
    raw_records[6]["time_limit"]["value"] = -1
    path = tmp_path / "cong.json"
    path.write_bytes(dumps(raw_records))
    with pytest.raises(CommandError) as caught:
        call_command("import_catalog", str(path))
    assert "Không nhập gì vì tệp có lỗi" in str(caught.value)
    assert "Dòng 7 (mã 1.004873), trường time_limit.value: phải là số nguyên không âm" in str(caught.value)
    assert catalogue_counts() == (0, 0, 0, 0)


def test_import_command_errors_in_vietnamese(db, tmp_path):
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("import_catalog", str(tmp_path / "khong-co.json"))
    with pytest.raises(CommandError, match="Cần đúng một nguồn"):
        call_command("import_catalog")


def test_export_command_writes_files_the_import_reads_back(starter, tmp_path, capsys):
    csv_path, json_path = tmp_path / "danh-muc.csv", tmp_path / "danh-muc.json"
    call_command("export_catalog", "--format", "csv", "-o", str(csv_path))
    call_command("export_catalog", "-o", str(json_path))
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbfcode,number,status,name")
    assert json.loads(json_path.read_text())["format"] == "congvu-catalog"
    capsys.readouterr()
    call_command("import_catalog", str(csv_path))  # detected as CSV by its extension
    assert "Xong (csv): 50 bản ghi; 0 thủ tục mới, 0 phiên bản mới, 50 không đổi" in capsys.readouterr().out
    call_command("import_catalog", str(json_path))
    assert "Xong (json)" in capsys.readouterr().out
    call_command("export_catalog")
    assert json.loads(capsys.readouterr().out)["procedures"][0]["code"] == "1.000656"


def test_linked_procedures_must_exist(db, starter):
    exported = json.loads(services.export_catalog("json"))
    exported["procedures"][0]["versions"][0]["linked"] = ["9.999999"]
    exported["procedures"][0]["versions"][0]["name"] = "đổi để thành phiên bản mới"
    with pytest.raises(CatalogFormatError) as caught:
        services.import_catalog(dumps(exported))
    assert str(caught.value) == "Mã 1.000656, trường linked: thủ tục liên thông 9.999999 không có trong tệp và trong danh mục"
