"""The report and form logic without a database: periods from the form's pieces, percentages as reports print
them, and the report sent upward as an Excel sheet (merged two-row header, totals, numbers as numbers, inert text)."""

import datetime as dt
from decimal import Decimal
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from congvu.indices import reports
from congvu.indices.forms import build_period, last_full_month, period_fields
from congvu.indices.measures import Measure
from congvu.indices.periods import Period, PeriodError


def test_period_from_the_form_pieces():
    assert build_period("month", 2026, month=3) == Period.month(2026, 3)
    assert build_period("quarter", 2026, quarter=2) == Period.quarter(2026, 2)
    assert build_period("year", 2025) == Period.year(2025)
    assert build_period("range", None, start=dt.date(2026, 1, 5), end=dt.date(2026, 2, 10)).key == "2026-01-05_2026-02-10"
    with pytest.raises(PeriodError, match="Chọn tháng"):
        build_period("month", 2026)
    with pytest.raises(PeriodError, match="Nhập năm"):
        build_period("quarter", None, quarter=1)
    with pytest.raises(PeriodError, match="ngày bắt đầu và ngày kết thúc"):
        build_period("range", None, start=dt.date(2026, 1, 5))


def test_form_pieces_round_trip_and_the_public_month():
    for key in ("2026-03", "2026-Q4", "2026", "2026-01-05_2026-02-10"):
        period = Period.parse(key)
        f = period_fields(period)
        pieces = {k: (int(v) if v and k in ("year", "month", "quarter") else v) for k, v in f.items()}
        start = dt.date.fromisoformat(pieces["start"]) if pieces["start"] else None
        end = dt.date.fromisoformat(pieces["end"]) if pieces["end"] else None
        assert build_period(pieces["kind"], pieces["year"] or None, pieces["month"] or None, pieces["quarter"] or None, start, end) == period
    assert last_full_month(dt.date(2026, 1, 15)) == Period.month(2025, 12)


def test_percentages_are_rounded_half_up_to_one_decimal():
    assert reports.percent(Measure(2, 3).rate) == Decimal("66.7")
    assert reports.percent(Measure(1, 8).rate) == Decimal("12.5")
    assert reports.percent(Decimal("0.00125")) == Decimal("0.1")
    assert reports.percent(None) is None
    assert reports.show(Decimal("66.7"), "%") == "66,7%"
    assert reports.show(12345) == "12.345"
    assert reports.show(None) == "—"


def row(label, **numbers):
    fields = ("carried_over", "received", "received_online", "received_counter_post", "finished", "finished_early",
              "finished_on_time", "finished_late", "open_within", "open_overdue")
    return SimpleNamespace(key=label, label=label, **{f: numbers.get(f, 0) for f in fields})


def report_context():
    rows = [
        row("Hộ tịch", carried_over=2, received=10, received_online=6, received_counter_post=4, finished=9, finished_early=3,
            finished_on_time=5, finished_late=1, open_within=2, open_overdue=1),
        row("=HYPERLINK(\"http://x\")", received=1, received_counter_post=1, open_within=1),
    ]
    index = SimpleNamespace(total=Decimal("71.25"), band="Khá", groups=[SimpleNamespace(name="Tiến độ", points=Decimal("15"), max_points=Decimal("20"))])
    summary = SimpleNamespace(on_time=Measure(8, 10), online=Measure(6, 11))
    overall = SimpleNamespace(value=Decimal("0.9"), low=Decimal("0.8"), high=Decimal("0.95"), answers=12, significant=False)
    return reports.report_context(
        unit=SimpleNamespace(name="Phường Hoàn Kiếm", code="T01-A"), period=Period.month(2026, 3), as_of=None, rows=rows,
        summary=summary, index=index, satisfaction=SimpleNamespace(overall=overall),
    )


def test_report_lines_add_up_to_the_totals():
    context = report_context()
    first = context["lines"][0][2]
    # total to handle = carried over + new; open = within + overdue
    assert first == [12, 2, 6, 4, 9, 3, 5, 1, 3, 2, 1]
    assert context["totals"] == [13, 2, 6, 5, 9, 3, 5, 1, 4, 3, 1]
    assert [span for _label, span in context["header_groups"]] == [4, 4, 3]
    assert context["on_time"] == "80,0%" and context["satisfaction_text"] == "90,0%"


def test_report_workbook_has_a_merged_header_numbers_and_inert_text():
    context = report_context()
    sheet = load_workbook(BytesIO(reports.report_workbook(context))).active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A5:A6", "B5:B6", "C5:F5", "G5:J5", "K5:M5"} <= merged
    assert sheet["C5"].value == "Số hồ sơ nhận giải quyết"
    assert sheet["A1"].value == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert [c.value for c in sheet[7]][1:] == ["Hộ tịch", 12, 2, 6, 4, 9, 3, 5, 1, 3, 2, 1]
    injected = sheet["B8"]
    assert injected.value == "=HYPERLINK(\"http://x\")" and injected.data_type == "s" and injected.quotePrefix
    assert [c.value for c in sheet[9]][1:] == ["Tổng cộng", 13, 2, 6, 5, 9, 3, 5, 1, 4, 3, 1]
