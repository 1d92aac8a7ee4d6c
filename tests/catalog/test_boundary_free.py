"""Decree 118/2025 boundary-free filing: the rule, the import's parsing (no database), and the listing services and
staff page (database)."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from django.core.exceptions import ValidationError
from django.utils import translation

from congvu.catalog import boundary
from congvu.catalog.boundary import AS_BEFORE, PROVINCE, REFUSE, RESIDENCE, ROUTE, Centre, Decision, decide

COMMUNE, PROV, MINISTRY = {"commune"}, {"province"}, {"ministry"}


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


# ------------------------------------------------------------------------------------------------ the rule


@pytest.mark.parametrize("levels, kwargs, expected", [
    # Not a commune's centre: the province's centre, a department.
    (COMMUNE, {"at_commune": False, "listed": False, "residence_known": True, "same_commune": False}, Decision(AS_BEFORE)),
    # Commune-level, applicant of this commune or not said: as before, listed or not.
    (COMMUNE, {"at_commune": True, "listed": False}, Decision(AS_BEFORE)),
    (COMMUNE, {"at_commune": True, "listed": False, "residence_known": True, "same_commune": True}, Decision(AS_BEFORE)),
    (COMMUNE, {"at_commune": True, "listed": True, "residence_known": True, "same_commune": True}, Decision(AS_BEFORE)),
    # Another commune of the province: listed → routed to it; not listed → refused naming it.
    (COMMUNE, {"at_commune": True, "listed": True, "residence_known": True, "same_commune": False}, Decision(ROUTE, RESIDENCE)),
    (COMMUNE, {"at_commune": True, "listed": False, "residence_known": True, "same_commune": False}, Decision(REFUSE, RESIDENCE)),
    # Another province: the list holds within one province.
    (COMMUNE, {"at_commune": True, "listed": True, "residence_known": True, "same_commune": False, "same_province": False},
     Decision(REFUSE, RESIDENCE)),
    # Both levels published: the commune rule applies.
    (COMMUNE | PROV, {"at_commune": True, "listed": True, "residence_known": True, "same_commune": False}, Decision(ROUTE, RESIDENCE)),
    # Province-level only at a commune centre: listed → to the province body; not listed → refused naming the province's centre.
    (PROV, {"at_commune": True, "listed": True}, Decision(ROUTE, PROVINCE)),
    (PROV, {"at_commune": True, "listed": False}, Decision(REFUSE, PROVINCE)),
    (PROV, {"at_commune": False, "listed": False}, Decision(AS_BEFORE)),
    # A ministry's or other body's procedure is not the province's to list.
    (MINISTRY, {"at_commune": True, "listed": False, "residence_known": True, "same_commune": False}, Decision(AS_BEFORE)),
])
def test_decide(levels, kwargs, expected):
    assert decide(levels, **kwargs) == expected


def test_in_force_includes_both_ends():
    start, end = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    assert not boundary.in_force(start, end, dt.date(2025, 12, 31))
    assert boundary.in_force(start, end, start) and boundary.in_force(start, end, end)
    assert not boundary.in_force(start, end, dt.date(2026, 7, 1))
    assert boundary.in_force(start, None, dt.date(2040, 1, 1))


def test_refusal_message_names_the_centre_with_address_and_phone():
    centre = Centre("Trung tâm Phục vụ hành chính công xã Đông Anh", "Số 1 đường Cao Lỗ", "024 3883 1234")
    text = boundary.refusal_message("1.004884", "Thủ tục đăng ký lại khai sinh", "Thành phố Hà Nội", centre, "Xã Đông Anh")
    assert text.startswith("Thủ tục 1.004884 (Thủ tục đăng ký lại khai sinh) không thuộc danh mục")
    assert "không phụ thuộc địa giới hành chính" in text and "Xã Đông Anh" in text
    assert "Trung tâm Phục vụ hành chính công xã Đông Anh, địa chỉ: Số 1 đường Cao Lỗ, điện thoại: 024 3883 1234" in text
    bare = boundary.refusal_message("3.000333", "Cấp Phiếu Lý lịch tư pháp", "Thành phố Hà Nội", Centre("Sở Tư pháp"))
    assert "cấp tỉnh" in bare and "Sở Tư pháp, địa chỉ: chưa công bố, điện thoại: chưa công bố" in bare


# ------------------------------------------------------------------------------------------------ parsing an imported list


def test_parse_rows_finds_the_header_and_reads_dates_either_way():
    rows = [
        ["DANH MỤC THỦ TỤC HÀNH CHÍNH TIẾP NHẬN KHÔNG PHỤ THUỘC ĐỊA GIỚI HÀNH CHÍNH", None, None],
        ["STT", "Mã thủ tục", "Tên thủ tục", "Số quyết định", "Ngày quyết định", "Áp dụng từ"],
        [1, " 1.001193 ", "Đăng ký khai sinh", "", "", ""],
        [2, "1.004884", "Đăng ký lại khai sinh", "99/QĐ-UBND", "05/03/2026", "2026-03-10"],
        [None, None, None, None, None, None],
        [3, "2.000815", "Chứng thực bản sao", "", dt.datetime(2026, 2, 1), ""],
    ]
    parsed = boundary.parse_listing_rows(rows, decision_number="12/QĐ-UBND", decision_date=dt.date(2026, 1, 15))
    assert parsed.problems == []
    assert [(r.line, r.code, r.decision_number, r.decision_date, r.valid_from) for r in parsed.rows] == [
        (3, "1.001193", "12/QĐ-UBND", dt.date(2026, 1, 15), dt.date(2026, 1, 15)),
        (4, "1.004884", "99/QĐ-UBND", dt.date(2026, 3, 5), dt.date(2026, 3, 10)),
        (6, "2.000815", "12/QĐ-UBND", dt.date(2026, 2, 1), dt.date(2026, 2, 1)),
    ]


def test_parse_rows_reports_every_problem_by_line():
    rows = [
        ["ma thu tuc", "so quyet dinh", "ngay quyet dinh"],
        ["1.001193", "", ""],
        ["", "5/QĐ", "31/02/2026"],
        ["1.004884", "5/QĐ", "01/03/2026"],
        ["1.004884", "5/QĐ", "01/03/2026"],
    ]
    parsed = boundary.parse_listing_rows(rows)
    assert [r.code for r in parsed.rows] == ["1.004884"]
    assert parsed.problems == [
        "Dòng 2: không có số quyết định (trên dòng hoặc cho cả tệp); không có ngày quyết định (trên dòng hoặc cho cả tệp).",
        "Dòng 3: mã thủ tục để trống; “31/02/2026” không phải là ngày (ghi dd/mm/yyyy).",
        "Dòng 5: trùng thủ tục và quyết định với dòng 4.",
    ]


def test_parse_rows_without_a_code_column_or_rows():
    assert boundary.parse_listing_rows([["Tên thủ tục"], ["Đăng ký khai sinh"]]).problems == [
        "Không tìm thấy dòng tiêu đề có cột mã thủ tục (“Mã thủ tục”)."]
    assert boundary.parse_listing_rows([["Mã TTHC"]]).problems == ["Tệp không liệt kê thủ tục nào."]


def test_read_table_csv_with_bom_and_semicolons_and_excel():
    raw = "\ufeffMã thủ tục;Số quyết định\n1.001193;12/QĐ-UBND\n".encode("utf-8")
    assert boundary.read_table("danh-muc.csv", raw) == [["Mã thủ tục", "Số quyết định"], ["1.001193", "12/QĐ-UBND"]]
    book = Workbook()
    book.active.append(["Mã thủ tục", "Ngày quyết định"])
    book.active.append(["1.004884", dt.datetime(2026, 3, 5)])
    out = io.BytesIO()
    book.save(out)
    rows = boundary.read_table("danh-muc.xlsx", out.getvalue())
    assert rows == [["Mã thủ tục", "Ngày quyết định"], ["1.004884", dt.datetime(2026, 3, 5)]]
    with pytest.raises(ValueError, match="UTF-8"):
        boundary.read_table("a.csv", "Mã;x".encode("cp1252"))
    with pytest.raises(ValueError, match="CSV hoặc Excel"):
        boundary.read_table("a.pdf", b"%PDF-1.4")


# ------------------------------------------------------------------------------------------------ services and pages (database)


@pytest.fixture
def province(db):
    from congvu.units import services as units
    from congvu.units.models import UnitKind

    city = units.add_unit("Thành phố Thử Nghiệm", UnitKind.PROVINCE, "T01", identifier="H99.00")
    city.refresh_from_db()
    return city


def test_add_end_and_in_force(starter, province):
    from congvu.catalog.models import BoundaryFreeListing

    listing = boundary.add_listing("1.004884", province, " 12/QĐ-UBND ", dt.date(2026, 1, 15), dt.date(2026, 2, 1))
    assert (listing.decision_number, listing.valid_from, listing.valid_to) == ("12/QĐ-UBND", dt.date(2026, 2, 1), None)
    procedure = listing.procedure
    assert boundary.listing_on(procedure, province, dt.date(2026, 1, 31)) is None
    assert boundary.listing_on(procedure, province, dt.date(2026, 2, 1)) == listing
    with pytest.raises(ValidationError) as caught:
        boundary.add_listing("1.004884", province, "13/QĐ-UBND", dt.date(2026, 3, 1))
    assert "đã có trong danh mục" in caught.value.message_dict["procedure"][0]
    with pytest.raises(ValidationError):
        boundary.add_listing("9.999999", province, "13/QĐ-UBND", dt.date(2026, 3, 1))
    with pytest.raises(ValidationError) as caught:
        boundary.end_listing(listing, dt.date(2026, 1, 1))
    assert "không thể trước" in caught.value.message_dict["valid_to"][0]
    boundary.end_listing(listing, dt.date(2026, 6, 30), "50/QĐ-UBND")
    assert boundary.listing_on(procedure, province, dt.date(2026, 6, 30)) == listing
    assert boundary.listing_on(procedure, province, dt.date(2026, 7, 1)) is None
    relisted = boundary.add_listing("1.004884", province, "60/QĐ-UBND", dt.date(2026, 8, 1))
    assert boundary.listings_by_procedure([procedure.pk], dt.date(2026, 8, 2)) == {procedure.pk: [relisted]}
    assert BoundaryFreeListing.objects.count() == 2


def test_import_is_all_or_nothing_with_a_report(starter, province):
    from congvu.catalog.models import BoundaryFreeListing

    bad = "Mã thủ tục,Ngày quyết định\n1.001193,05/03/2026\n9.999999,05/03/2026\n".encode()
    report = boundary.import_listings(province, "list.csv", bad, decision_number="12/QĐ-UBND")
    assert not report.ok and report.problems == ["Dòng 3: không có thủ tục mã 9.999999 trong danh mục."]
    assert not BoundaryFreeListing.objects.exists()
    good = "Mã thủ tục\n1.001193\n1.004884\n".encode()
    report = boundary.import_listings(province, "list.csv", good, decision_number="12/QĐ-UBND", decision_date=dt.date(2026, 3, 5))
    assert report.ok and sorted(item.procedure.code for item in report.added) == ["1.001193", "1.004884"]
    again = boundary.import_listings(province, "list.csv", good, decision_number="12/QĐ-UBND", decision_date=dt.date(2026, 3, 5))
    assert again.ok and again.added == [] and again.already == ["1.001193 (12/QĐ-UBND)", "1.004884 (12/QĐ-UBND)"]
    assert BoundaryFreeListing.objects.count() == 2


@pytest.fixture
def admin_client(client, province, django_user_model):
    from congvu.units import services as units
    from congvu.units.models import Role

    user = units.create_staff_member("caicach", "Đỗ Thị Mai", province, Role.REFORM_ADMIN, password="Rong-xanh-2025!").user
    client.force_login(user)
    return client


def test_staff_page_lists_adds_imports_and_ends(starter, admin_client, province):
    from congvu.catalog.models import BoundaryFreeListing

    response = admin_client.post("/staff/catalog/dia-gioi/them/", {"procedure": "1.004884", "decision_number": "12/QĐ-UBND",
                                                                    "decision_date": "2026-01-15"})
    assert response.status_code == 302
    page = admin_client.get("/staff/catalog/dia-gioi/").content.decode()
    assert "1.004884" in page and "12/QĐ-UBND" in page and "Thủ tục đăng ký lại khai sinh" in page
    bad = admin_client.post("/staff/catalog/dia-gioi/them/", {"procedure": "1.004884", "decision_number": "12/QĐ-UBND",
                                                               "decision_date": "2026-01-15"})
    assert bad.status_code == 400 and "đã có quyết định 12/QĐ-UBND" in bad.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ds.csv", "Mã thủ tục\n1.001193\n7.777777\n".encode(), content_type="text/csv")
    refused = admin_client.post("/staff/catalog/dia-gioi/nhap/", {"file": upload, "decision_number": "20/QĐ-UBND", "decision_date": "2026-02-01"})
    assert refused.status_code == 400 and "Dòng 3: không có thủ tục mã 7.777777" in refused.content.decode()
    upload = SimpleUploadedFile("ds.csv", "Mã thủ tục\n1.001193\n".encode(), content_type="text/csv")
    done = admin_client.post("/staff/catalog/dia-gioi/nhap/", {"file": upload, "decision_number": "20/QĐ-UBND", "decision_date": "2026-02-01"})
    assert done.status_code == 200 and "1.001193 — 20/QĐ-UBND" in done.content.decode()
    listing = BoundaryFreeListing.objects.get(procedure__code="1.004884")
    ended = admin_client.post(f"/staff/catalog/dia-gioi/{listing.pk}/ket-thuc/", {"valid_to": "2026-06-30", "end_decision_number": "50/QĐ"})
    assert ended.status_code == 302
    listing.refresh_from_db()
    assert listing.valid_to == dt.date(2026, 6, 30) and listing.end_decision_number == "50/QĐ"
    export = admin_client.get("/staff/catalog/dia-gioi/xuat-excel/?status=all")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_staff_page_is_for_catalogue_administrators(starter, client, province):
    from congvu.units import services as units
    from congvu.units.models import Role

    officer = units.create_staff_member("motcua", "Nguyễn Thị Lan", province, Role.ONE_STOP_OFFICER, password="Rong-xanh-2025!").user
    assert client.get("/staff/catalog/dia-gioi/").status_code == 302  # to the login page
    client.force_login(officer)
    response = client.get("/staff/catalog/dia-gioi/")
    assert response.status_code == 403 and "quản trị danh mục" in response.content.decode()
    assert client.post("/staff/catalog/dia-gioi/them/", {"procedure": "1.004884"}).status_code == 403


def test_catalogue_pages_show_the_marker_with_the_decision(starter, client, province):
    boundary.add_listing("1.004884", province, "12/QĐ-UBND", dt.date(2026, 1, 15), dt.date(2026, 1, 15))
    detail = client.get("/thu-tuc/1.004884/").content.decode()
    assert "Tiếp nhận không phụ thuộc địa giới hành chính" in detail
    assert "quyết định 12/QĐ-UBND ngày 15/01/2026" in detail
    listing_page = client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    assert listing_page.count("Tiếp nhận không phụ thuộc địa giới hành chính") == 1
    assert "Tiếp nhận không phụ thuộc địa giới hành chính" not in client.get("/thu-tuc/1.001193/").content.decode()
