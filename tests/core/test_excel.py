import datetime as dt
import io

from openpyxl import load_workbook

from congvu.core.excel import workbook_bytes


def read(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_text_that_looks_like_a_formula_stays_text_and_exact():
    evil = ['=HYPERLINK("http://x","bấm")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "Bình thường"]
    sheet = read(workbook_bytes("Thử", [("Giá trị", 30)], [[v] for v in evil]))
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == evil
    assert all(c.data_type == "s" for c in cells)
    assert [bool(c.quotePrefix) for c in cells] == [True, True, True, True, True, False]


def test_header_dates_numbers_and_vietnamese_survive():
    content = workbook_bytes(
        "Danh sách đơn vị rất dài quá ba mươi mốt ký tự",
        [("Tên", 20), ("Ngày", 12), ("Số", 8)],
        [["Phường Hoàn Kiếm", dt.date(2025, 7, 1), 126], ["Xã Đông Anh", None, 0]],
    )
    sheet = read(content)
    assert sheet.title == "Danh sách đơn vị rất dài quá ba"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Tên", "Ngày", "Số")
    assert rows[1] == ("Phường Hoàn Kiếm", dt.datetime(2025, 7, 1), 126)
    assert sheet["B2"].number_format == "DD/MM/YYYY"
    assert sheet["A1"].font.bold
    assert rows[2] == ("Xã Đông Anh", None, 0)


def test_control_characters_openpyxl_refuses_are_dropped():
    sheet = read(workbook_bytes("T", [("A", 10)], [["a\x00b\x07c"]]))
    assert sheet["A2"].value == "abc"
