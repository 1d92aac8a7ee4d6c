"""The monthly and quarterly report sent upward, on the small province of test_views: the page, its Excel file and
its PDF carry the same numbers; the PDF's text (pypdf) has the Vietnamese headings with their diacritics."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.dossiers.conftest import catalogue, place, receive, staff  # noqa: F401
from tests.indices.test_views import MARCH, get, history, pdf_text, people  # noqa: F401


def test_the_report_page_has_one_row_per_field_and_the_totals(client, people, history):
    response = get(client, people.leader, "/staff/indices/reports/", unit="T01-A", period=MARCH)
    assert response.status_code == 200
    totals = response.context["totals"]
    # to handle = 1 carried over + 4 new (all at the counter); handled 2 (1 early or on time, 1 late); 3 open, 2 overdue
    assert totals == [5, 1, 0, 4, 2, sum(totals[5:7]), totals[6], 1, 3, 1, 2]
    assert totals[5] + totals[6] == 1
    assert len(response.context["lines"]) >= 1
    body = response.content.decode()
    assert "Số liệu tính đến" in body and "Kỳ trước chuyển qua" in body and "Mới tiếp nhận trực tuyến" in body


def test_the_excel_report_equals_the_page(client, people, history):
    page = get(client, people.leader, "/staff/indices/reports/", unit="T01-A", period=MARCH)
    response = client.get("/staff/indices/reports/export.xlsx", {"unit": "T01-A", "period": MARCH})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert "Phường Hoàn Kiếm" in rows[1][0] and "Tháng 3/2026" in rows[1][0]
    assert rows[2][0].startswith("Số liệu tính đến")
    lines = page.context["lines"]
    for (number, label, numbers), row in zip(lines, rows[6:]):
        assert list(row[:2]) == [number, label] and list(row[2:13]) == numbers
    total_row = rows[6 + len(lines)]
    assert total_row[1] == "Tổng cộng" and list(total_row[2:13]) == page.context["totals"]
    assert all(isinstance(v, int) for v in total_row[2:13])


@pytest.mark.parametrize("period, label", [(MARCH, "Tháng 3/2026"), ("2026-Q1", "Quý I/2026")])
def test_the_pdf_report_is_landscape_with_vietnamese_headings(client, people, history, period, label):
    from pypdf import PdfReader

    response = get(client, people.leader, "/staff/indices/reports/export.pdf", unit="T01-A", period=period)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    first = PdfReader(BytesIO(response.content)).pages[0]
    assert first.mediabox.width > first.mediabox.height  # A4 landscape
    text = pdf_text(response.content)
    for heading in ("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Phường Hoàn Kiếm", label, "Số liệu tính đến",
                    "Kỳ trước chuyển qua", "Số hồ sơ đã giải quyết", "Trước hạn", "Đúng hạn", "Quá hạn", "Chỉ số 766",
                    "Mức độ hài lòng (SIPAS)", "Tổng cộng"):
        assert heading in text, heading


def test_the_quarter_carries_over_from_the_end_of_december(client, people, history):
    response = get(client, people.leader, "/staff/indices/reports/", unit="T01-A", period="2026-Q1")
    totals = response.context["totals"]
    assert totals[1] == 0 and totals[3] == 5  # nothing before January; five received in February and March
