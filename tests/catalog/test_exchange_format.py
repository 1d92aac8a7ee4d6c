"""congvu's own JSON and CSV formats: exact round trips and clear errors (pure: no database)."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from congvu.catalog import exchange_format, portal_format, records
from congvu.catalog.problems import CatalogFormatError


@pytest.fixture(scope="module")
def starter_records(starter_bytes):
    return [r.replace(number=1, effective_from=dt.date(2025, 7, 1)) for r in portal_format.loads(starter_bytes)]


def test_json_round_trip_of_the_starter(starter_records):
    text = exchange_format.dump_json(starter_records)
    assert exchange_format.loads_json(text.encode()) == starter_records


def test_csv_round_trip_of_the_starter_with_excel_bom(starter_records):
    text = exchange_format.dump_csv(starter_records)
    assert exchange_format.loads_csv(("\ufeff" + text).encode("utf-8")) == starter_records


def test_csv_has_one_row_per_version_and_documented_columns(starter_records):
    rows = list(csv.DictReader(io.StringIO(exchange_format.dump_csv(starter_records[:3]))))
    assert len(rows) == 3
    assert tuple(rows[0]) == exchange_format.CSV_COLUMNS
    fees = json.loads(rows[0]["fees"])
    assert fees == [{"name": "Phí, lệ phí", "amount_vnd": 0, "raw": "Miễn phí", "note": "", "channels": ["in_person", "online", "post"], "amount_basis": ""}]
    assert rows[0]["time_limit_unit"] == "" and rows[0]["time_limit_value"] == "1"


def csv_problems(text: str) -> list[str]:
    with pytest.raises(CatalogFormatError) as caught:
        exchange_format.loads_csv(text.encode("utf-8"))
    return [str(p) for p in caught.value.problems]


def test_bad_csv_header_lists_missing_and_unknown_columns(starter_records):
    text = exchange_format.dump_csv(starter_records[:1]).replace("time_limit_raw,", "thoi_han_goc,", 1)
    assert csv_problems(text) == ["Dòng 1: tiêu đề CSV thiếu cột: time_limit_raw", "Dòng 1: tiêu đề CSV có cột không xác định: thoi_han_goc"]


def test_bad_csv_cells_name_the_line_code_and_column(starter_records):
    rows = list(csv.DictReader(io.StringIO(exchange_format.dump_csv(starter_records[:3]))))
    rows[1]["time_limit_value"] = "-3"
    rows[2]["documents"] = "[{oops"
    rows[2]["verified"] = "có"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=exchange_format.CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    code1, code2 = rows[1]["code"], rows[2]["code"]
    assert csv_problems(out.getvalue()) == [
        f"Dòng 3 (mã {code1}), trường time_limit_value: phải là số nguyên không âm (nhận được -3)",
        f"Dòng 4 (mã {code2}), trường documents: ô phải chứa JSON hợp lệ (Expecting property name enclosed in double quotes, ký tự 3)",
        f"Dòng 4 (mã {code2}), trường verified: phải là true hoặc false (nhận được 'có')",
    ]


def test_csv_line_numbers_count_multiline_cells(starter_records):
    record = starter_records[0].replace(time_limit_raw="một\nhai\nba")
    broken = starter_records[1].replace(time_limit_unit="weeks")
    text = exchange_format.dump_csv([record, broken])
    (message,) = csv_problems(text)
    # The first record spans lines 2-4, so the second starts on line 5.
    assert message.startswith(f"Dòng 5 (mã {broken.code}), trường time_limit_unit: giá trị không hợp lệ 'weeks'")


def test_empty_csv():
    assert csv_problems("") == ["Dòng 1: tệp CSV rỗng, thiếu dòng tiêu đề"]


def test_json_wrong_document():
    with pytest.raises(CatalogFormatError) as caught:
        exchange_format.loads_json(b'{"format": "other"}')
    assert str(caught.value) == 'trường format: không phải tệp danh mục congvu (cần "format": "congvu-catalog")'


def test_workflow_shares_must_add_up_to_the_time_limit(starter_records):
    record = next(r for r in starter_records if r.code == "1.004837")  # 3 working days
    steps = (
        records.WorkflowStepRecord("Tiếp nhận", Decimal("0.5"), role="one_stop_officer"),
        records.WorkflowStepRecord("Thẩm định", Decimal("1.5"), role="specialist"),
        records.WorkflowStepRecord("Ký duyệt", Decimal("0.5"), role="unit_leader"),
    )
    text = exchange_format.dump_json([record.replace(workflow=steps)])
    with pytest.raises(CatalogFormatError) as caught:
        exchange_format.loads_json(text)
    assert str(caught.value) == (
        "Dòng 1 (mã 1.004837), trường versions[0].workflow: quy trình chung: tổng thời gian các bước là 2,5 ngày làm việc, "
        "khác thời hạn giải quyết 3 ngày làm việc"
    )
    fixed = steps[:2] + (records.WorkflowStepRecord("Ký duyệt", Decimal("1"), role="unit_leader"),)
    assert exchange_format.loads_json(exchange_format.dump_json([record.replace(workflow=fixed)]))[0].workflow == fixed


def test_values_that_would_not_fit_or_would_be_unsafe_are_refused(starter_records):
    record = starter_records[0].replace(decision_number="Q" * 121, source_url="javascript:alert(1)", fees=(records.FeeRecord("Lệ phí", 10**16),))
    with pytest.raises(CatalogFormatError) as caught:
        exchange_format.loads_json(exchange_format.dump_json([record]))
    assert [str(p) for p in caught.value.problems] == [
        "Dòng 1 (mã 1.001193), trường versions[0].decision_number: dài quá 120 ký tự (121 ký tự)",
        "Dòng 1 (mã 1.001193), trường versions[0].fees[0].amount_vnd: quá lớn (tối đa 1000000000000000, nhận được 10000000000000000)",
        "Dòng 1 (mã 1.001193), trường versions[0].source_url: phải là địa chỉ web bắt đầu bằng https:// hoặc http:// (nhận được 'javascript:alert(1)')",
    ]


def test_duplicate_version_numbers_are_refused(starter_records):
    text = exchange_format.dump_json([starter_records[0], starter_records[0].replace(name="Khác")])
    with pytest.raises(CatalogFormatError) as caught:
        exchange_format.loads_json(text)
    assert str(caught.value) == "Dòng 1 (mã 1.001193), trường number: phiên bản số 1 xuất hiện hai lần"


# ------------------------------------------------------------------------------------------ property

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
names = texts.filter(lambda s: s.strip() and s == s.strip())
codes = st.builds("{}.{:06d}".format, st.integers(1, 3), st.integers(0, 999_999))
slugs = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8), min_size=1, max_size=3).map("-".join)
amounts = st.none() | st.integers(min_value=0, max_value=10**12)
channel_sets = st.sets(st.sampled_from(records.CHANNELS)).map(lambda s: tuple(c for c in records.CHANNELS if c in s))

documents = st.builds(records.DocumentRecord, name=names, group=st.sampled_from(records.DOCUMENT_GROUPS), heading=texts,
                      originals=st.integers(0, 500), copies=st.integers(0, 500))
fees = st.builds(records.FeeRecord, name=names, amount_vnd=amounts, raw=texts, note=texts, channels=channel_sets, amount_basis=texts)
channel_rows = st.builds(records.ChannelRecord, channel=st.sampled_from(records.CHANNELS), label=texts, time_raw=texts, fee_raw=texts, fee_note=texts)


@st.composite
def version_records(draw):
    unit = draw(st.none() | st.sampled_from(records.TIME_LIMIT_UNITS))
    return records.VersionRecord(
        code=draw(codes),
        number=draw(st.none() | st.integers(1, 50)),
        name=draw(names),
        field_name=draw(names),
        field_code=draw(slugs),
        status=draw(st.sampled_from(records.STATUSES)),
        levels=tuple(level for level in records.LEVELS if level in draw(st.sets(st.sampled_from(records.LEVELS)))),
        level_raw=draw(texts),
        agency=draw(texts),
        decision_number=draw(names | st.just("")),
        decision_date=draw(st.none() | st.dates()),
        effective_from=draw(st.none() | st.dates()),
        time_limit_value=draw(st.none() | st.integers(0, 10_000)),
        time_limit_unit=unit,
        time_limit_unit_confirmed=draw(st.booleans()) if unit else False,
        time_limit_raw=draw(texts),
        same_day=draw(st.booleans()),
        fast_track=unit == "working_hours" and draw(st.booleans()),
        result_on_the_spot=draw(st.booleans()),
        online_level=draw(st.sampled_from(records.ONLINE_LEVELS)),
        online_submission=draw(st.booleans()),
        documents=tuple(draw(st.lists(documents, max_size=3))),
        fees=tuple(draw(st.lists(fees, max_size=3))),
        results=tuple(draw(st.lists(names, max_size=3))),
        legal_basis=tuple(draw(st.lists(names, max_size=3))),
        channels=tuple(draw(st.lists(channel_rows, max_size=3))),
        notes=tuple(draw(st.lists(names, max_size=2))),
        source_url=draw(st.just("") | slugs.map("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/{}".format)),
        source_snapshot=draw(texts),
        verified=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(version_records(), min_size=1, max_size=4, unique_by=lambda r: r.code))
def test_any_catalogue_round_trips_through_json_and_csv(batch):
    assert exchange_format.loads_json(exchange_format.dump_json(batch)) == batch
    assert exchange_format.loads_csv(exchange_format.dump_csv(batch)) == batch
    assert [records.content_hash(r) for r in exchange_format.loads_csv(exchange_format.dump_csv(batch))] == [records.content_hash(r) for r in batch]
