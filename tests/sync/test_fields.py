"""The national sync field list, its checks and the answer classification (pure: no database)."""

import copy
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from congvu.sync import fields
from congvu.sync.fields import answer_kind, format_time, parse_time, validate_history_item, validate_record


def good_record(**changes) -> dict:
    record = {
        "MaHoSo": "H15.50.05.13-250102-0001",
        "MaTTHC": "1.001193",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "ho-tich",
        "TenLinhVuc": "Hộ tịch",
        "KenhThucHien": "1",
        "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": "1",
        "MaDoiTuong": "",
        "ThongTinKhac": "",
        "Email": "",
        "Fax": "",
        "SoDienThoai": "0912345678",
        "TrichYeuHoSo": "Đăng ký khai sinh cho con",
        "NgayTiepNhan": "20250102090000",
        "NgayHenTra": "20250105170000",
        "TrangThaiHoSo": "2",
        "NgayTra": "",
        "ThongTinTra": "",
        "HinhThuc": "0",
        "NgayKetThucXuLy": "",
        "DonViXuLy": "UBND xã An Bình",
        "GhiChu": "",
        "NoiNopHoSo": "2",
        "HoSoCoThanhPhanSoHoa": "1",
        "TaiKhoanDuocXacThucVoiVNeID": "0",
        "DuocThanhToanTrucTuyen": "0",
        "NgayTuChoi": "",
        "NgayNopHoSo": "20250102090000",
        "SoGiayToChuHoSo": "001085012345",
        "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": "001085012345"}],
        "DSKetNoiCSDL": [],
        "TaiLieuNop": [{
            "TepDinhKemId": "12", "TenTepDinhKem": "Tờ khai", "IsDeleted": "0", "MaThanhPhanHoSo": "3",
            "DuongDanTaiTepTin": "https://motcua.example.vn/files/12", "DuocSoHoa": "1", "DuocTaiSuDung": "0",
            "DuocLayTuKhoDMQG": "0", "MaKetQuaThayThe": "",
        }],
        "DanhSachGiayToKetQua": [],
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": "", "HinhThucThu": "1", "Gia": "8000", "LoaiPhiLePhi": "1"}],
        "DanhSachHoSoBoSung": [],
    }
    record.update(changes)
    return record


def good_item(**changes) -> dict:
    item = {
        "MaHoSo": "H15.50.05.13-250102-0001", "NguoiXuLy": "Trần Thị Bình", "ChucDanh": "Công chức một cửa",
        "ThoiDiemXuLy": "20250102090000", "PhongBanXuLy": "Bộ phận một cửa", "NoiDungXuLy": "Tiếp nhận hồ sơ",
        "TrangThai": "2", "NgayBatDau": "20250102090000", "NgayKetThucTheoQuyDinh": "20250103090000",
    }
    item.update(changes)
    return item


def test_a_complete_record_and_item_are_valid():
    assert validate_record(good_record()) == []
    assert validate_history_item(good_item()) == []


def test_field_list_names_both_services_and_every_record_field_of_sync_md():
    assert set(fields.FIELDS) == {"DongBoHoSoMC", "CapNhatTienDoHoSoMC"}
    for name in ("MaHoSo", "KenhThucHien", "NoiNopHoSo", "TaiKhoanDuocXacThucVoiVNeID", "DuocThanhToanTrucTuyen",
                 "DinhDanhCHS", "DSKetNoiCSDL", "TaiLieuNop", "DanhSachGiayToKetQua", "DanhSachLePhi",
                 "DanhSachHoSoBoSung", "DanhSachTepDinhKemKhac", "NgayTuChoi"):
        assert name in fields.RECORD_FIELDS
    # O's "ko bb" notes: these may be left out.
    for name in ("ChuHoSo", "Fax", "ThongTinKhac", "NgayTra", "NgayKetThucXuLy", "ThongTinTra", "GhiChu"):
        assert not fields.RECORD_FIELDS[name].required
    for name in ("ChucDanh", "PhongBanXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"):
        assert not fields.HISTORY_FIELDS[name].required
    assert fields.RECORD_FIELDS["TaiLieuNop"].item["DuocTaiSuDung"].codes == ("0", "1", "2")


@pytest.mark.parametrize("name", ["ChuHoSo", "Fax", "ThongTinKhac", "NgayTra", "NgayKetThucXuLy", "ThongTinTra", "GhiChu", "MaDoiTuong", "DSKetNoiCSDL"])
def test_optional_fields_may_be_left_out(name):
    record = good_record()
    del record[name]
    assert validate_record(record) == []


@pytest.mark.parametrize("name", ["MaHoSo", "MaTTHC", "KenhThucHien", "TrangThaiHoSo", "NoiNopHoSo", "TaiLieuNop", "NgayNopHoSo", "HinhThuc"])
def test_required_fields_must_be_there(name):
    record = good_record()
    del record[name]
    assert validate_record(record) == [f"{name}: thiếu trường bắt buộc"]


@pytest.mark.parametrize("name, value", [
    ("KenhThucHien", "4"), ("LoaiDoiTuong", "5"), ("TrangThaiHoSo", "11"), ("TrangThaiHoSo", "0"), ("HinhThuc", "2"),
    ("NoiNopHoSo", "3"), ("HoSoCoThanhPhanSoHoa", "2"), ("TaiKhoanDuocXacThucVoiVNeID", "yes"), ("DuocThanhToanTrucTuyen", "3"),
])
def test_codes_outside_their_set_are_rejected(name, value):
    problems = validate_record(good_record(**{name: value}))
    assert len(problems) == 1 and problems[0].startswith(f"{name}: mã {value!r} không hợp lệ")


@pytest.mark.parametrize("status", [str(code) for code in range(1, 11)])
def test_every_status_code_1_to_10_is_accepted(status):
    dates = {"NgayKetThucXuLy": "20250104100000", "NgayTra": "20250104110000", "NgayTuChoi": "20250102100000"}
    assert validate_record(good_record(TrangThaiHoSo=status, **dates)) == []
    assert validate_history_item(good_item(TrangThai=status)) == []


def test_values_must_be_strings_not_numbers():
    problems = validate_record(good_record(KenhThucHien=1))
    assert problems == ["KenhThucHien: mọi giá trị phải là chuỗi, nhận int 1"]
    assert validate_history_item(good_item(TrangThai=4))[0].startswith("TrangThai: mọi giá trị phải là chuỗi")


@pytest.mark.parametrize("value", ["2025-01-02 09:00:00", "202501020900", "20251302090000", "20250230090000", "2025010209000a"])
def test_dates_must_be_fourteen_digit_real_times(value):
    problems = validate_record(good_record(NgayNopHoSo=value, NgayTiepNhan=value))
    assert any(p.startswith("NgayNopHoSo: ngày giờ phải theo dạng yyyyMMddHHmmss") for p in problems)


def test_received_statuses_need_a_reception_date_and_finished_ones_their_dates():
    assert validate_record(good_record(NgayTiepNhan="", TrangThaiHoSo="4")) == ["NgayTiepNhan: bắt buộc khi TrangThaiHoSo là 4"]
    assert validate_record(good_record(NgayTiepNhan="", TrangThaiHoSo="1")) == []
    assert "NgayTra: bắt buộc khi TrangThaiHoSo là 10" in validate_record(good_record(TrangThaiHoSo="10", NgayKetThucXuLy="20250104100000"))
    assert validate_record(good_record(TrangThaiHoSo="9")) == ["NgayKetThucXuLy: bắt buộc khi TrangThaiHoSo là 9"]
    assert validate_record(good_record(TrangThaiHoSo="3")) == ["NgayTuChoi: bắt buộc khi TrangThaiHoSo là 3"]


def test_dates_must_follow_each_other():
    problems = validate_record(good_record(NgayTiepNhan="20250101080000"))
    assert problems == ["NgayTiepNhan: sớm hơn NgayNopHoSo (20250101080000 < 20250102090000)"]


def test_tech_id_only_for_online_dossiers():
    assert validate_record(good_record(MaDoiTuong="abc")) == ["MaDoiTuong: chỉ gửi khi KenhThucHien là 2 (trực tuyến)"]
    assert validate_record(good_record(MaDoiTuong="abc", KenhThucHien="2")) == []


def test_digitised_flag_agrees_with_the_documents():
    assert validate_record(good_record(HoSoCoThanhPhanSoHoa="0")) == [
        "HoSoCoThanhPhanSoHoa: là 0 nhưng có tài liệu nộp được số hoá (DuocSoHoa 1)"
    ]


def test_nested_lists_are_checked_item_by_item():
    record = good_record()
    record["TaiLieuNop"][0]["DuocTaiSuDung"] = "3"
    del record["TaiLieuNop"][0]["TepDinhKemId"]
    record["DanhSachLePhi"][0]["Gia"] = "8.000"
    record["DinhDanhCHS"] = [{"LoaiDinhDanh": "2", "SoDinhDanh": "001085012345"}]
    record["DanhSachHoSoBoSung"] = [{"HoSoBoSungId": "1"}]
    problems = validate_record(record)
    assert "TaiLieuNop[0].TepDinhKemId: thiếu trường bắt buộc" in problems
    assert "TaiLieuNop[0].DuocTaiSuDung: mã '3' không hợp lệ (cho phép 0, 1, 2)" in problems
    assert "DanhSachLePhi[0].Gia: phải là số nguyên dạng chuỗi, nhận '8.000'" in problems
    assert "DinhDanhCHS[0].SoDinhDanh: loại 2 cần 9 chữ số, nhận 12" in problems
    assert "DanhSachHoSoBoSung[0].NguoiYeuCauBoSung: thiếu trường bắt buộc" in problems
    assert validate_record(good_record(TaiLieuNop={"a": 1})) == ["TaiLieuNop: phải là một danh sách"]
    assert validate_record(good_record(TaiLieuNop=["x"])) == ["TaiLieuNop[0]: phải là một đối tượng (object), nhận str"]


def test_unknown_fields_are_problems_unless_allowed():
    assert validate_record(good_record(MaHoSoo="x")) == ["MaHoSoo: trường không có trong danh sách"]
    assert validate_record(good_record(MaHoSoo="x"), allow_unknown=True) == []
    assert validate_record(["not a dict"]) == [": phải là một đối tượng (object), nhận list"]


def test_history_item_rules():
    assert validate_history_item(good_item(NguoiXuLy="x" * 51)) == ["NguoiXuLy: dài quá 50 ký tự (51)"]
    assert validate_history_item(good_item(NguoiXuLy="x" * 50)) == []
    assert validate_history_item(good_item(NoiDungXuLy="")) == ["NoiDungXuLy: không được để trống"]
    # A step that starts after its own deadline (the step before it overran) is still a valid item.
    assert validate_history_item(good_item(NgayKetThucTheoQuyDinh="20250101000000")) == []
    item = good_item()
    for name in ("ChucDanh", "PhongBanXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"):
        del item[name]
    assert validate_history_item(item) == []


def test_format_time_is_vietnam_time_and_round_trips():
    utc = datetime(2025, 1, 1, 20, 30, 5, tzinfo=timezone.utc)
    assert format_time(utc) == "20250102033005"
    assert format_time(None) == ""
    assert format_time(datetime(2025, 1, 1, 20, 30, 5)) == "20250102033005"  # naive = stored UTC
    assert format_time(utc.astimezone(ZoneInfo("Europe/Paris"))) == "20250102033005"
    assert parse_time("20250102033005") == utc
    assert parse_time("") is None and parse_time("20251340000000") is None


@pytest.mark.parametrize("answer, kind", [
    ({"error_code": 0, "message": "Thành công"}, "ok"),
    ({"error_code": "0", "message": ""}, "ok"),
    ({"error_code": "00"}, "ok"),
    ({"error_code": "3", "message": "Hồ sơ đã tồn tại"}, "exists"),
    ({"error_code": -3, "message": "Mã hồ sơ ĐÃ TỒN TẠI trên hệ thống"}, "exists"),
    ({"error_code": 0, "message": "Hồ sơ đã tồn tại"}, "exists"),
    ({"error_code": "3", "message": "Lỗi khác"}, "error"),
    ({"error_code": "-2", "message": "Phiên hết hạn"}, "session_expired"),
    ({"error_code": 401}, "session_expired"),
    ({"error_code": "-1", "message": "Dữ liệu không hợp lệ"}, "error"),
    ({"message": "no code"}, "error"),
    ({}, "error"),
])
def test_answer_kind(answer, kind):
    assert answer_kind(answer) == kind


def test_constants_of_the_contract():
    assert (fields.SESSION_EXPIRED_CODE, fields.EXISTS_CODE, fields.VALIDATION_ERROR_CODE) == ("-2", "3", "-1")
    assert answer_kind({"error_code": fields.EXISTS_CODE, "message": "Hồ sơ " + fields.EXISTS_MESSAGE}) == "exists"


def test_history_goes_in_chunks_of_ten():
    assert [len(c) for c in fields.chunks(list(range(23)))] == [10, 10, 3]
    assert fields.chunks([]) == []


def test_validation_does_not_change_its_input():
    record = good_record()
    before = copy.deepcopy(record)
    validate_record(record)
    assert record == before
