"""The national-portal reader on the real starter file and on broken copies of it (pure: no database)."""

import json
from collections import Counter

import pytest

from congvu.catalog import portal_format, records
from congvu.catalog.problems import CatalogFormatError

from .conftest import dumps


@pytest.fixture(scope="module")
def parsed(starter_bytes):
    return portal_format.loads(starter_bytes)


def by_code(parsed_records, code):
    return next(r for r in parsed_records if r.code == code)


def test_all_fifty_records_are_read(parsed, starter_data):
    assert len(parsed) == 50
    assert [r.code for r in parsed] == [r["code"] for r in starter_data]
    assert Counter(r.levels for r in parsed) == {("commune",): 36, ("province",): 14}


def test_the_counts_of_what_is_missing_come_from_the_data(starter_data):
    """Counted straight from the JSON, independently of the reader: these are the numbers the reader must flag."""
    no_limit = {r["code"] for r in starter_data if r["time_limit"] is None}
    no_unit = {r["code"] for r in starter_data if r["time_limit"] and r["time_limit"]["unit"] is None}
    calendar_days = {r["code"] for r in starter_data if r["time_limit"] and r["time_limit"]["unit"] == "days"}
    unknown_fees = [(r["code"], f) for r in starter_data for f in r["fees"] if f["amount_vnd"] is None]
    assert (len(no_limit), len(no_unit), len(calendar_days), len(unknown_fees)) == (7, 13, 8, 27)
    assert len({code for code, _ in unknown_fees}) == 25
    assert len(no_limit | no_unit | calendar_days | {code for code, _ in unknown_fees}) == 36


def test_incomplete_records_are_flagged_with_the_right_reasons(parsed, starter_data):
    gaps = {r.code: records.gaps(r) for r in parsed}
    incomplete = {code for code, found in gaps.items() if found}
    assert len(incomplete) == 36
    assert Counter(g.code for found in gaps.values() for g in found) == {
        records.GAP_FEE_AMOUNT_MISSING: 27,
        records.GAP_TIME_LIMIT_UNIT_MISSING: 13,
        records.GAP_TIME_LIMIT_UNIT_UNCONFIRMED: 8,
        records.GAP_TIME_LIMIT_MISSING: 7,
    }
    # Exactly the procedures the data says, per reason.
    assert {c for c, found in gaps.items() if any(g.code == records.GAP_TIME_LIMIT_MISSING for g in found)} == {
        r["code"] for r in starter_data if r["time_limit"] is None
    }
    assert {c for c, found in gaps.items() if any(g.code == records.GAP_TIME_LIMIT_UNIT_UNCONFIRMED for g in found)} == {
        r["code"] for r in starter_data if r["time_limit"] and r["time_limit"]["unit"] == "days"
    }
    # Fourteen are ready as published.
    assert sorted(set(gaps) - incomplete) == sorted(
        r["code"] for r in starter_data
        if r["time_limit"] and r["time_limit"]["unit"] == "working_days" and all(f["amount_vnd"] is not None for f in r["fees"])
    )


def test_the_reason_names_the_fee_and_what_the_portal_printed(parsed):
    found = records.gaps(by_code(parsed, "2.001610"))
    assert [(g.code, g.field) for g in found] == [(records.GAP_FEE_AMOUNT_MISSING, "fees[0].amount_vnd")]
    assert "100 VNĐ" in found[0].detail


def test_birth_registration_keeps_every_published_value(parsed, starter_data):
    record = by_code(parsed, "1.001193")
    raw = next(r for r in starter_data if r["code"] == "1.001193")
    assert record.name == "Thủ tục đăng ký khai sinh"
    assert (record.time_limit_value, record.time_limit_unit, record.time_limit_raw) == (1, None, "1")
    assert record.time_limit_unit_confirmed is False
    assert record.decision_number == "163/QĐ-BTP"
    assert record.field_name == "Hộ tịch" and record.field_code == "ho-tich"
    assert record.level_raw == "Cấp xã"
    assert record.source_url == raw["source"]
    assert record.source_snapshot == raw["source_snapshot"]
    assert record.verified is True
    assert record.notes == tuple(raw["notes"])
    assert record.legal_basis == tuple(raw["legal_basis"])
    assert record.results == ("Giấy khai sinh",)
    assert [d.name for d in record.documents] == [d["name"] for d in raw["documents"]]
    assert [(d.group, d.heading) for d in record.documents][-2:] == [("note", "Lưu ý"), ("note", "Lưu ý")]
    assert [d.group for d in record.documents].count("show") == 2
    assert record.fees == (records.FeeRecord("Phí, lệ phí", 0, "Miễn phí", "", ("in_person", "online", "post")),)
    assert [(c.channel, c.label, c.time_raw, c.fee_raw) for c in record.channels] == [
        ("online", "Trực tuyến", "1", "Miễn phí"), ("post", "Dịch vụ bưu chính", "1", "Miễn phí"), ("in_person", "Trực tiếp", "1", "Miễn phí"),
    ]
    assert record.online_level == "unknown" and record.online_submission is True


def test_unknown_amounts_keep_the_printed_text(parsed):
    usd = by_code(parsed, "2.000815").fees[1]
    assert (usd.amount_vnd, usd.raw) == (None, "10 USD(/bản)")
    assert usd.note.startswith("10 USD/bản")
    council = by_code(parsed, "1.000656").fees[0]
    assert council.amount_vnd is None and council.raw == "Miễn phí"
    assert "Hội đồng nhân dân" in council.note


def test_per_channel_rows_that_differ_are_kept(parsed):
    land = by_code(parsed, "1.013978")
    assert [(c.channel, c.time_raw) for c in land.channels] == [
        ("online", "17 Ngày làm việc"), ("post", "20 Ngày làm việc"), ("in_person", "27 Ngày làm việc"),
    ]
    residence = by_code(parsed, "1.004222")
    assert [(f.amount_vnd, f.channels) for f in residence.fees] == [(10000, ("online",)), (20000, ("in_person",))]


def test_online_none_versus_not_published(parsed):
    assert by_code(parsed, "2.000986").online_level == "none"
    assert by_code(parsed, "2.000986").online_submission is False
    assert Counter(r.online_level for r in parsed) == {"unknown": 44, "none": 6}


def test_calendar_days_are_kept_but_unconfirmed(parsed):
    record = by_code(parsed, "2.000986")
    assert (record.time_limit_value, record.time_limit_unit, record.time_limit_unit_confirmed) == (20, "days", False)
    assert by_code(parsed, "1.004837").time_limit_unit_confirmed is True  # "3 Ngày làm việc"


# ------------------------------------------------------------------------------------------ bad files

def problems_of(raw: bytes) -> list[str]:
    with pytest.raises(CatalogFormatError) as caught:
        portal_format.loads(raw)
    return [str(p) for p in caught.value.problems]


def test_bad_json_names_line_and_column():
    (message,) = problems_of(b'[{"code": "1.001193",\n "name": }]')
    assert message.startswith("tệp JSON không hợp lệ ở dòng 2, cột 10")


def test_not_a_list():
    assert problems_of(b'{"code": "1.001193"}') == ["tệp định dạng cổng DVCQG phải là một danh sách (JSON array) các thủ tục"]


def test_missing_code_names_the_row(raw_records):
    del raw_records[3]["code"]
    assert problems_of(dumps(raw_records)) == ["Dòng 4, trường code: thiếu trường bắt buộc"]


def test_negative_time_limit_names_row_code_field_and_problem(raw_records):
    raw_records[6]["time_limit"]["value"] = -1
    code = raw_records[6]["code"]
    assert problems_of(dumps(raw_records)) == [f"Dòng 7 (mã {code}), trường time_limit.value: phải là số nguyên không âm (nhận được -1)"]


def test_fractional_or_boolean_counts_are_refused(raw_records):
    raw_records[0]["time_limit"]["value"] = 1.5
    raw_records[0]["documents"][0]["copies"] = True
    assert problems_of(dumps(raw_records)) == [
        "Dòng 1 (mã 1.001193), trường time_limit.value: phải là số nguyên không âm (nhận được 1.5)",
        "Dòng 1 (mã 1.001193), trường documents[0].copies: phải là số nguyên không âm (nhận được True)",
    ]


def test_unknown_unit(raw_records):
    raw_records[1]["time_limit"]["unit"] = "weeks"
    (message,) = problems_of(dumps(raw_records))
    assert message == "Dòng 2 (mã 1.000894), trường time_limit.unit: giá trị không hợp lệ 'weeks' (chấp nhận: working_days, working_hours, days)"


def test_duplicate_code_within_a_file(raw_records):
    raw_records[9]["code"] = raw_records[2]["code"]
    assert problems_of(dumps(raw_records)) == [f"Dòng 10 (mã {raw_records[2]['code']}), trường code: mã thủ tục bị trùng với dòng 3"]


def test_malformed_code(raw_records):
    raw_records[0]["code"] = "khai-sinh"
    (message,) = problems_of(dumps(raw_records))
    assert message.startswith("Dòng 1 (mã khai-sinh), trường code: mã thủ tục không đúng dạng")


def test_unknown_channel_and_key_are_refused_not_dropped(raw_records):
    raw_records[0]["fees"][0]["channels"] = ["Qua Zalo"]
    raw_records[0]["extra"] = "x"
    assert problems_of(dumps(raw_records)) == [
        "Dòng 1 (mã 1.001193), trường extra: trường không được hỗ trợ (không biết lưu vào đâu; hãy bỏ hoặc báo nhóm phát triển)",
        "Dòng 1 (mã 1.001193), trường fees[0].channels[0]: kênh không xác định 'Qua Zalo' (chấp nhận: Trực tiếp, Trực tuyến, Dịch vụ bưu chính)",
    ]


def test_every_problem_is_reported_at_once(raw_records):
    raw_records[0]["name"] = ""
    raw_records[20]["fees"][0]["amount_vnd"] = "10.000"
    raw_records[40] = "not an object"
    found = problems_of(dumps(raw_records))
    assert found == [
        "Dòng 1 (mã 1.001193), trường name: không được để trống",
        f"Dòng 21 (mã {raw_records[20]['code']}), trường fees[0].amount_vnd: phải là số nguyên không âm (nhận được '10.000')",
        "Dòng 41: mỗi thủ tục phải là một đối tượng JSON",
    ]


def test_nul_characters_are_refused(raw_records):
    raw_records[0]["name"] = "Thủ tục\x00"
    raw_records[0]["results"] = ["Giấy khai sinh\x00"]
    assert problems_of(dumps(raw_records)) == [
        "Dòng 1 (mã 1.001193), trường name: chứa ký tự NUL (\\x00), tệp có thể bị hỏng",
        "Dòng 1 (mã 1.001193), trường results[0]: chứa ký tự NUL (\\x00), tệp có thể bị hỏng",
    ]


def test_a_record_without_time_limit_key_is_an_error_not_a_guess(raw_records):
    del raw_records[0]["time_limit"]
    assert problems_of(dumps(raw_records)) == ["Dòng 1 (mã 1.001193), trường time_limit: thiếu trường bắt buộc (ghi null nếu cổng không có thông tin)"]


def test_non_utf8_file():
    # "Hô tìch" in Latin-1, as an old spreadsheet might save it: byte 12 is not UTF-8.
    assert problems_of(b'[{"name": "H\xf4 t\xecch"}]') == ["tệp không phải văn bản UTF-8 (byte lỗi ở vị trí 12)"]


def test_value_sets_match_the_models():
    from congvu.catalog import models

    assert set(records.TIME_LIMIT_UNITS) == set(models.TimeLimitUnit.values)
    assert set(records.LEVELS) == set(models.ImplementingLevel.values)
    assert set(records.ONLINE_LEVELS) == set(models.OnlineLevel.values)
    assert set(records.DOCUMENT_GROUPS) == set(models.DocumentGroup.values)
    assert set(records.CHANNELS) == set(models.Channel.values)
    assert set(records.STATUSES) == set(models.VersionStatus.values)
    assert set(records.GAP_CODES) == set(models.GapCode.values)
    assert set(records.ROLES) == set(models.Role.values)
    assert set(records.UNIT_KINDS) == set(models.UnitKind.values)


def test_the_starter_copy_is_the_shared_file_unchanged(starter_bytes):
    import hashlib

    assert hashlib.sha256(starter_bytes).hexdigest() == "7e11a77e8f6d45880bbf83e38bdf510ac010d81a58af3e8913a4a3a434ca5ba7"
    assert len(json.loads(starter_bytes)) == 50
