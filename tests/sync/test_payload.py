"""The national sync record and history items, built from real dossiers taken through the services in every
state: each status code 1–10 exactly (5, 6, 8 never folded into 9), and every payload valid by fields.py."""

import pytest

from congvu.documents import services as documents
from congvu.documents.models import CitizenDocument
from congvu.dossiers.models import ApplicantKind
from congvu.dossiers.services import perform_action, submit_online
from congvu.sync.fields import HISTORY_FIELDS, parse_time, validate_history_item, validate_record
from congvu.sync.payload import build_history_items, build_record, national_status
from congvu.units.models import JobPosition
from tests.dossiers.conftest import CITIZEN, catalogue, local, place, receive, staff  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def checked(dossier, **kwargs) -> dict:
    """The record and every history item of `dossier`, asserted valid; returns the record."""
    dossier.refresh_from_db()
    record = build_record(dossier, **kwargs)
    assert validate_record(record) == [], record
    items = build_history_items(dossier, list(dossier.events.order_by("seq")))
    assert len(items) == dossier.event_count
    for item in items:
        assert validate_history_item(item) == [], item
    assert record["TrangThaiHoSo"] == str(national_status(dossier))
    return record


def history(dossier) -> list[dict]:
    return build_history_items(dossier, list(dossier.events.order_by("seq")))


@pytest.fixture
def online(place, catalogue):
    """An online filing with one uploaded scan, at 20:00 on Sunday 1 March 2026."""
    version = catalogue.five
    required = version.documents.filter(group="submit").first()
    stored = documents.store_upload(PDF, "to-khai.pdf")
    return submit_online(place.centre, version, dict(CITIZEN), at=local(2026, 3, 1, 20, 0), uploads=[(required, stored)], summary="Đăng ký lại khai sinh")


def test_online_dossier_through_every_processing_state(online, staff, settings):
    settings.PUBLIC_BASE_URL = "https://motcua.example.vn/"
    d = online
    r = checked(d)
    assert (r["TrangThaiHoSo"], r["KenhThucHien"], r["NoiNopHoSo"], r["NgayTiepNhan"]) == ("1", "2", "2", "")
    assert r["NgayNopHoSo"] == "20260301200000" and r["MaHoSo"] == d.code
    assert r["TaiLieuNop"][0]["DuocSoHoa"] == "1" and r["HoSoCoThanhPhanSoHoa"] == "1"
    stored_id = d.documents.get().file_id
    assert r["TaiLieuNop"][0]["DuongDanTaiTepTin"] == f"https://motcua.example.vn/staff/dossiers/{d.code}/tep/{stored_id}/"

    d = perform_action(d, "receive", actor=staff.officer, at=local(2026, 3, 2, 8, 0))
    r = checked(d)
    assert r["TrangThaiHoSo"] == "2" and r["NgayTiepNhan"] == "20260302080000" and r["NgayHenTra"]
    d = perform_action(d, "start_processing", actor=staff.officer, at=local(2026, 3, 2, 9))
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 10))
    assert checked(d)["TrangThaiHoSo"] == "4"

    d = perform_action(d, "request_supplement", actor=staff.specialist, items=["Giấy chứng sinh", "Tờ khai"], reason="Thiếu giấy tờ", at=local(2026, 3, 6, 14))
    r = checked(d)
    assert r["TrangThaiHoSo"] == "5"
    [supplement] = r["DanhSachHoSoBoSung"]
    assert supplement["TrangThaiBoSung"] == "0" and supplement["NgayBoSung"] == "20260306140000"
    assert supplement["NoiDungBoSung"] == "Giấy chứng sinh; Tờ khai. Lý do: Thiếu giấy tờ"
    assert [x["TenGiayTo"] for x in supplement["DanhSachGiayToBoSung"]] == ["Giấy chứng sinh", "Tờ khai"]
    assert supplement["NgayHenTraTruoc"] == r["NgayHenTra"] and supplement["NgayHenTraMoi"] == ""
    due_before = r["NgayHenTra"]

    d = perform_action(d, "receive_supplement", actor=staff.officer, note="Đã nhận đủ", at=local(2026, 3, 9, 14))
    r = checked(d)
    [supplement] = r["DanhSachHoSoBoSung"]
    assert r["TrangThaiHoSo"] == "4" and supplement["TrangThaiBoSung"] == "1"
    assert supplement["NgayTiepNhanBoSung"] == "20260309140000" and supplement["ThongTinTiepNhan"] == "Đã nhận đủ"
    assert supplement["NguoiTiepNhanBoSung"] == "Cán bộ motcua"
    assert supplement["NgayHenTraMoi"] == r["NgayHenTra"] > due_before == supplement["NgayHenTraTruoc"]

    d = perform_action(d, "request_payment", actor=staff.specialist, amount_vnd=8000, description="Lệ phí hộ tịch", at=local(2026, 3, 10, 9))
    r = checked(d)
    assert r["TrangThaiHoSo"] == "6" and r["DuocThanhToanTrucTuyen"] == "0"
    assert r["DanhSachLePhi"] == [{"TenPhiLePhi": "Lệ phí hộ tịch", "MaPhiLePhi": "", "HinhThucThu": "4", "Gia": "8000", "LoaiPhiLePhi": "1"}]
    d = perform_action(d, "confirm_payment", actor=staff.officer, paid_online=True, receipt_reference="TT-1", at=local(2026, 3, 10, 10))
    r = checked(d)
    assert r["TrangThaiHoSo"] == "4" and r["DuocThanhToanTrucTuyen"] == "2"

    for actor in (staff.specialist, staff.leader):
        d = perform_action(d, "forward", actor=actor, at=local(2026, 3, 11, 9))
    result_file = documents.store_generated(PDF, "giay-khai-sinh.pdf")
    d = perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh", "file": result_file}], at=local(2026, 3, 11, 10))
    r = checked(d)
    assert r["TrangThaiHoSo"] == "9" and r["NgayKetThucXuLy"] == "20260311100000" and r["NgayTra"] == ""
    [result] = r["DanhSachGiayToKetQua"]
    assert result["TenGiayTo"] == "Giấy khai sinh"
    assert result["DuongDanTepTinKetQua"] == f"https://motcua.example.vn/staff/dossiers/{d.code}/tep/{result_file.pk}/"

    d = perform_action(d, "return_result", actor=staff.officer, method="post", returned_to="Nguyễn Văn An", postal_tracking="EMS1", at=local(2026, 3, 12, 9))
    r = checked(d)
    assert (r["TrangThaiHoSo"], r["NgayTra"], r["HinhThuc"]) == ("10", "20260312090000", "1")
    assert "EMS1" in r["ThongTinTra"] and r["NgayTuChoi"] == ""

    items = history(d)
    assert [i["TrangThai"] for i in items] == ["1", "2", "4", "4", "5", "4", "6", "4", "4", "4", "9", "10"]
    assert items[0]["NguoiXuLy"] == "Nguyễn Văn An" and items[0]["NoiDungXuLy"] == "Nộp hồ sơ trực tuyến"
    assert items[1]["NoiDungXuLy"] == "Tiếp nhận hồ sơ nộp trực tuyến"
    assert items[1]["ChucDanh"] == "Công chức tiếp nhận và trả kết quả"
    assert items[4]["NoiDungXuLy"].startswith("Yêu cầu bổ sung hồ sơ: Giấy chứng sinh; Tờ khai.")
    assert items[6]["NoiDungXuLy"] == "Yêu cầu thực hiện nghĩa vụ tài chính: Lệ phí hộ tịch (8.000 đồng)"
    assert items[10]["NoiDungXuLy"] == "Đã xử lý xong, có kết quả: Giấy khai sinh"
    assert items[11]["NoiDungXuLy"] == "Trả kết quả qua dịch vụ bưu chính công ích"
    assert all(i["MaHoSo"] == d.code for i in items)
    # Steps: the appraisal step's start and deadline go with the events that happened during it.
    appraisal = d.steps.get(position=1)
    assert items[4]["PhongBanXuLy"] == "Phường Hoàn Kiếm"
    assert parse_time(items[4]["NgayBatDau"]) == appraisal.started_at
    assert parse_time(items[4]["NgayKetThucTheoQuyDinh"]) == appraisal.due_at
    assert items[0]["NgayBatDau"] == "" and items[0]["PhongBanXuLy"] == d.receiving_unit.name


def test_online_filing_not_accepted_is_3_with_its_refusal_date(online, staff):
    d = perform_action(online, "not_accept", actor=staff.officer, reasons="Không thuộc thẩm quyền", at=local(2026, 3, 2, 8, 30))
    r = checked(d)
    assert (r["TrangThaiHoSo"], r["NgayTuChoi"], r["NgayTiepNhan"]) == ("3", "20260302083000", "")
    assert history(d)[-1]["NoiDungXuLy"] == "Không tiếp nhận hồ sơ. Lý do: Không thuộc thẩm quyền"


def test_withdrawn_is_7(receive, staff):
    d = perform_action(receive(), "withdraw", actor=staff.officer, reason="Công dân xin rút", at=local(2026, 3, 3, 9))
    r = checked(d)
    assert r["TrangThaiHoSo"] == "7" and r["KenhThucHien"] == "1" and r["NgayTiepNhan"] == "20260302090000"
    assert r["GhiChu"].startswith("Rút hồ sơ theo yêu cầu (văn bản số ") and r["GhiChu"].endswith("): Công dân xin rút")
    assert history(d)[-1]["NoiDungXuLy"] == "Công dân yêu cầu rút hồ sơ. Lý do: Công dân xin rút"


def test_stopped_is_8_not_9(receive, staff):
    d = perform_action(receive(), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 10))
    d = perform_action(d, "stop", actor=staff.leader, reason="Công dân không bổ sung", at=local(2026, 3, 4, 9))
    r = checked(d)
    assert r["TrangThaiHoSo"] == "8" and r["NgayKetThucXuLy"] == "20260304090000"
    assert [i["TrangThai"] for i in history(d)] == ["2", "4", "8"]


def test_refused_after_appraisal_is_9_with_its_refusal_date(receive, staff):
    d = perform_action(receive(), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 10))
    d = perform_action(d, "refuse", actor=staff.leader, reason="Không đủ điều kiện", at=local(2026, 3, 4, 9))
    r = checked(d)
    assert (r["TrangThaiHoSo"], r["NgayTuChoi"], r["NgayKetThucXuLy"]) == ("9", "20260304090000", "20260304090000")
    assert r["DanhSachGiayToKetQua"] == []
    assert history(d)[-1]["NoiDungXuLy"] == "Từ chối giải quyết hồ sơ. Lý do: Không đủ điều kiện"


def test_counter_dossier_by_post_paper_documents_and_relative_links(receive, staff, catalogue):
    d = receive(channel="post")
    r = checked(d)
    assert (r["KenhThucHien"], r["HinhThuc"], r["HoSoCoThanhPhanSoHoa"]) == ("3", "1", "0")
    assert r["NgayNopHoSo"] == r["NgayTiepNhan"] == "20260302090000"
    assert len(r["TaiLieuNop"]) == catalogue.five.documents.filter(group="submit").count()
    assert all(t["DuocSoHoa"] == "0" and t["DuongDanTaiTepTin"] == "" and t["DuocTaiSuDung"] == "0" for t in r["TaiLieuNop"])
    assert r["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "001090012345"}]
    assert (r["MaTTHC"], r["LoaiDoiTuong"], r["SoGiayToChuHoSo"], r["Email"]) == ("1.004884", "1", "001090012345", "an@example.vn")
    assert r["DonViXuLy"] == d.handling_unit.name and r["MaLinhVuc"] == d.procedure_version.field.code


def test_reused_document_is_digitised_and_reused_with_a_relative_link(receive, staff, settings):
    settings.PUBLIC_BASE_URL = ""
    stored = documents.store_generated(PDF, "giay-khai-sinh.pdf")
    kept = CitizenDocument.objects.create(personal_id=CITIZEN["personal_id"], name="Giấy khai sinh", file=stored, issued_at=local(2026, 1, 5, 9))
    d = receive(reused_document_ids=[kept.pk])
    r = checked(d)
    [reused] = [t for t in r["TaiLieuNop"] if t["DuocTaiSuDung"] == "1"]
    assert reused["DuocSoHoa"] == "1" and reused["DuocLayTuKhoDMQG"] == "0"
    assert reused["DuongDanTaiTepTin"] == f"/staff/dossiers/{d.code}/tep/{stored.pk}/"
    assert r["HoSoCoThanhPhanSoHoa"] == "1"


def test_organisation_applicant(receive):
    d = receive(applicant={"kind": ApplicantKind.ORGANISATION, "full_name": "Lê Văn Bình", "organisation_name": "Công ty TNHH Sông Hồng",
                           "tax_code": "0101234567-001", "phone": "0912 345 679"})
    r = checked(d)
    assert (r["LoaiDoiTuong"], r["ChuHoSo"], r["SoGiayToChuHoSo"], r["DinhDanhCHS"]) == ("2", "Công ty TNHH Sông Hồng", "0101234567-001", [])


def test_dossier_filed_on_the_national_portal(online, staff):
    d = perform_action(online, "receive", actor=staff.officer, at=local(2026, 3, 2, 8))
    d = perform_action(d, "start_processing", actor=staff.officer, at=local(2026, 3, 2, 9))
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 10))
    d = perform_action(d, "request_payment", actor=staff.specialist, amount_vnd=5000, description="Lệ phí", at=local(2026, 3, 3, 9))
    d = perform_action(d, "confirm_payment", actor=staff.officer, paid_online=True, at=local(2026, 3, 3, 10))
    r = checked(d, origin="national_portal", national_code="G22.99-260301-0001")
    assert (r["MaHoSo"], r["NoiNopHoSo"], r["DuocThanhToanTrucTuyen"]) == ("G22.99-260301-0001", "1", "1")
    items = build_history_items(d, list(d.events.order_by("seq")), national_code="G22.99-260301-0001")
    assert {i["MaHoSo"] for i in items} == {"G22.99-260301-0001"}


def test_history_actor_name_is_cut_to_50_and_title_comes_from_the_job_position(receive, staff):
    staff.officer.first_name = "Nguyễn Thị Thanh Hương Ngọc Lan Phương Thảo Minh Châu Bảo"
    staff.officer.last_name = ""
    staff.officer.save()
    profile = staff.officer.staff_profile
    profile.job_position = JobPosition.objects.create(name="Công chức Văn phòng – Thống kê")
    profile.save()
    d = perform_action(receive(), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 10))
    item = history(d)[-1]
    assert len(item["NguoiXuLy"]) <= HISTORY_FIELDS["NguoiXuLy"].max_length == 50
    assert item["ChucDanh"] == "Công chức Văn phòng – Thống kê" and validate_history_item(item) == []
    # One item per event given, in that order.
    assert [i["TrangThai"] for i in build_history_items(d, [d.events.get(seq=2)])] == ["4"]


def test_state_keeping_actions_have_items_too(receive, staff, place):
    d = perform_action(receive(), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 10))
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 11))
    d = perform_action(d, "assign", actor=staff.leader, assignee="chuyenvien2", at=local(2026, 3, 2, 14))
    d = perform_action(d, "accept_step", actor=staff.specialist2, at=local(2026, 3, 2, 15))
    d = perform_action(d, "forward", actor=staff.specialist2, to_unit="T01-STP", share="1", note="Xác minh hộ tịch", at=local(2026, 3, 3, 9))
    d = perform_action(d, "forward", actor=staff.dept, at=local(2026, 3, 3, 15))
    d = perform_action(d, "send_back", actor=staff.leader, reason="Dự thảo chưa đúng mẫu", at=local(2026, 3, 4, 9))
    d = perform_action(d, "issue_apology", actor=staff.leader, reason="Chờ xác minh", new_due_at=local(2026, 3, 13, 17), at=local(2026, 3, 4, 10))
    r = checked(d)
    assert r["NgayHenTra"] == "20260313170000"
    items = history(d)
    assert [i["TrangThai"] for i in items] == ["2", "4", "4", "4", "4", "4", "4", "4", "4"]
    texts = [i["NoiDungXuLy"] for i in items]
    assert texts[3].startswith("Phân công xử lý bước «") and texts[4].startswith("Nhận xử lý bước «")
    assert texts[5] == "Chuyển đơn vị phối hợp giải quyết: bước «Phối hợp giải quyết: Sở Tư pháp». Xác minh hộ tịch"
    assert items[5]["PhongBanXuLy"] == "Phường Hoàn Kiếm" and items[6]["PhongBanXuLy"] == "Sở Tư pháp"
    # Sent back from approval to the joint step: that step starts again then (its row's started_at is
    # overwritten, the item of the joint forward keeps its own start).
    assert texts[7] == "Trả lại bước «Phối hợp giải quyết: Sở Tư pháp». Lý do: Dự thảo chưa đúng mẫu"
    assert (items[5]["NgayBatDau"], items[7]["NgayBatDau"], items[8]["NgayBatDau"]) == ("20260303090000", "20260304090000", "20260304090000")
    assert items[0]["NgayBatDau"] == "" and items[1]["NgayBatDau"] == "20260302100000"
    assert texts[8] == "Gửi phiếu xin lỗi và hẹn lại ngày trả kết quả. Lý do: Chờ xác minh"


def test_each_state_has_its_own_code_and_all_ten_are_used():
    """5, 6 and 8 are their own codes, never 9; each of 1–10 is produced by some state."""
    from congvu.dossiers.states import DossierState

    codes = {state: state.national_code for state in DossierState}
    assert codes[DossierState.AWAITING_SUPPLEMENT] == 5 and codes[DossierState.AWAITING_PAYMENT] == 6
    assert codes[DossierState.STOPPED] == 8
    assert set(codes.values()) == set(range(1, 11))
