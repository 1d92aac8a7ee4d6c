"""The field lists of the national portal sync (../shared/SYNC.md §2), their checks and the answer codes.

Pure Python, no Django: the payload builder, the HTTP client, the inbound endpoint and the fake adapter the
tests run all check against this one list, so what we send and what the fake accepts can never drift apart.

- `FIELDS["DongBoHoSoMC"]` is the dossier record (`data[0]` of a DongBoHoSoMC call),
  `FIELDS["CapNhatTienDoHoSoMC"]` one processing-history item (`data[i]` of a CapNhatTienDoHoSoMC call).
- Every scalar value is a string; dates are `yyyyMMddHHmmss` in Vietnam time (`format_time`).
- "Required" follows OpenCPS's "ko bb" (not required) notes: a required key must be present; `blank=False`
  additionally forbids the empty string. docs/sync.md lists what SYNC.md leaves uncertain and what we chose.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TIME_FORMAT = "%Y%m%d%H%M%S"

RECORD_SERVICE = "DongBoHoSoMC"
HISTORY_SERVICE = "CapNhatTienDoHoSoMC"
LOOKUP_SERVICE = "TraCuuHoSo"
PROCEDURE_SERVICE = "LayThuTuc"
PROCEDURE_LIST_SERVICE = "LayDanhSachTTHC"

# Answer codes (SYNC.md §3). The portal documents only 0 (success; "00" in older copies) and 0/3/-3 with
# "đã tồn tại" (already exists). The session-expired and validation codes are our choice (docs/sync.md).
SUCCESS_CODES = ("0", "00")
EXISTS_CODES = ("0", "00", "3", "-3")
SESSION_EXPIRED_CODE = "-2"
SESSION_EXPIRED_CODES = (SESSION_EXPIRED_CODE, "401")
EXISTS_CODE = "3"
VALIDATION_ERROR_CODE = "-1"
EXISTS_MESSAGE = "đã tồn tại"

# H sends the history in chunks of 10 items (SYNC.md §2); we do the same.
HISTORY_CHUNK = 10
# H cuts NguoiXuLy to 50 characters, TrichYeuHoSo to 1000.
MAX_ACTOR_NAME = 50
MAX_SUMMARY = 1000

# Code sets (SYNC.md §2, DOMAIN.md §2).
CHANNEL_CODES = {"1": "Trực tiếp", "2": "Trực tuyến", "3": "Dịch vụ bưu chính công ích"}
APPLICANT_KIND_CODES = {"1": "Công dân", "2": "Doanh nghiệp", "3": "Cơ quan nhà nước", "4": "Tổ chức khác"}
STATUS_CODES = {
    "1": "Mới đăng ký",
    "2": "Được tiếp nhận",
    "3": "Không được tiếp nhận",
    "4": "Đang xử lý",
    "5": "Yêu cầu bổ sung giấy tờ",
    "6": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "7": "Công dân yêu cầu rút hồ sơ",
    "8": "Dừng xử lý",
    "9": "Đã xử lý xong",
    "10": "Đã trả kết quả",
}
RETURN_CODES = {"0": "Trả trực tiếp", "1": "Trả qua bưu chính"}
# NoiNopHoSo: 1 the national portal (inferred from [Q] 3.2), 2 the provincial system (what H always sends).
FILED_AT_CODES = {"1": "Cổng DVCQG", "2": "Hệ thống một cửa của tỉnh"}
ONLINE_PAYMENT_CODES = {"0": "Không thanh toán trực tuyến", "1": "Thanh toán trên Cổng DVCQG", "2": "Thanh toán qua cổng thanh toán của tỉnh"}
FLAG_CODES = {"0": "Không", "1": "Có"}
# DuocTaiSuDung: SYNC.md gives 0/1/2 without meanings; ours: 0 fresh, 1 reused from the citizen's store
# (a digitised result of an earlier dossier), 2 reused from another source (not produced by congvu).
REUSE_CODES = {"0": "Không tái sử dụng", "1": "Tái sử dụng từ kho kết quả", "2": "Tái sử dụng từ nguồn khác"}
# LoaiDinhDanh: H sends 1 for a 12-digit personal id, 2 for a 9-digit one.
IDENTITY_CODES = {"1": "Số định danh cá nhân (12 số)", "2": "Chứng minh nhân dân (9 số)"}
# From one guide only (SYNC.md §2, unnamed repository): 1 on receipt, 2 on supplement, 4 on return.
FEE_COLLECTION_CODES = {"1": "Thu khi tiếp nhận", "2": "Thu khi bổ sung", "4": "Thu khi trả kết quả"}
FEE_KIND_CODES = {"1": "Phí, lệ phí thông thường", "2": "Phí thẩm định cấp phép", "3": "Phí gia hạn"}
# TrangThaiBoSung: not described by SYNC.md; ours: 0 requested (waiting), 1 supplement received.
SUPPLEMENT_STATE_CODES = {"0": "Đang chờ bổ sung", "1": "Đã nhận bổ sung"}
# IsDeleted: SYNC.md gives no format; we send "0"/"1" like every other flag.
DELETED_CODES = FLAG_CODES


@dataclass(frozen=True)
class FieldSpec:
    """One field. kind: "str" (any string), "date14" (yyyyMMddHHmmss), "code" (one of `codes`),
    "int-string" (digits only) or "list" (a list of objects whose fields are `item`)."""

    kind: str = "str"
    required: bool = False
    blank: bool = True
    codes: tuple[str, ...] = ()
    max_length: int | None = None
    item: dict[str, FieldSpec] | None = field(default=None, compare=False)
    meaning: str = ""


def _s(meaning: str = "", *, required=False, blank=True, max_length=None) -> FieldSpec:
    return FieldSpec("str", required, blank, (), max_length, None, meaning)


def _d(meaning: str = "", *, required=False, blank=True) -> FieldSpec:
    return FieldSpec("date14", required, blank, (), None, None, meaning)


def _c(codes: dict[str, str], meaning: str = "", *, required=False, blank=False) -> FieldSpec:
    return FieldSpec("code", required, blank, tuple(codes), None, None, meaning)


def _n(meaning: str = "", *, required=False, blank=False) -> FieldSpec:
    return FieldSpec("int-string", required, blank, (), None, None, meaning)


def _l(item: dict[str, FieldSpec], meaning: str = "", *, required=False) -> FieldSpec:
    return FieldSpec("list", required, True, (), None, item, meaning)


SUBMITTED_DOCUMENT_FIELDS: dict[str, FieldSpec] = {
    "TepDinhKemId": _s("Mã tệp đính kèm", required=True, blank=False),
    "TenTepDinhKem": _s("Tên tệp / giấy tờ", required=True, blank=False),
    "IsDeleted": _c(DELETED_CODES, "Đã xoá", required=True),
    "MaThanhPhanHoSo": _s("Mã thành phần hồ sơ"),
    "DuongDanTaiTepTin": _s("Đường dẫn tải tệp (công khai)"),
    "DuocSoHoa": _c(FLAG_CODES, "Được số hoá", required=True),
    "DuocTaiSuDung": _c(REUSE_CODES, "Được tái sử dụng", required=True),
    "DuocLayTuKhoDMQG": _c(FLAG_CODES, "Lấy từ kho dữ liệu của công dân trên Cổng DVCQG", required=True),
    "MaKetQuaThayThe": _s("Mã kết quả thay thế"),
}
RESULT_DOCUMENT_FIELDS: dict[str, FieldSpec] = {
    "TenGiayTo": _s("Tên giấy tờ kết quả", required=True, blank=False),
    "MaThanhPhanHoSo": _s("Mã thành phần hồ sơ"),
    "GiayToId": _s("Mã giấy tờ", required=True, blank=False),
    "DuongDanTepTinKetQua": _s("Đường dẫn tệp kết quả"),
    "MaGiayToKetQua": _s("Mã giấy tờ kết quả quốc gia"),
}
FEE_FIELDS: dict[str, FieldSpec] = {
    "TenPhiLePhi": _s("Tên phí, lệ phí", required=True, blank=False),
    "MaPhiLePhi": _s("Mã phí, lệ phí"),
    "HinhThucThu": _c(FEE_COLLECTION_CODES, "Hình thức thu", required=True),
    "Gia": _n("Số tiền (đồng)", required=True),
    "LoaiPhiLePhi": _c(FEE_KIND_CODES, "Loại phí, lệ phí", required=True),
}
SUPPLEMENT_DOCUMENT_FIELDS: dict[str, FieldSpec] = {
    "TenGiayTo": _s("Tên giấy tờ cần bổ sung", required=True, blank=False),
}
SUPPLEMENT_FIELDS: dict[str, FieldSpec] = {
    "HoSoBoSungId": _s("Mã lần bổ sung", required=True, blank=False),
    "NguoiYeuCauBoSung": _s("Người yêu cầu bổ sung", required=True, blank=False),
    "NoiDungBoSung": _s("Nội dung bổ sung", required=True, blank=False),
    "NgayBoSung": _d("Ngày yêu cầu bổ sung", required=True, blank=False),
    "NguoiTiepNhanBoSung": _s("Người tiếp nhận bổ sung"),
    "ThongTinTiepNhan": _s("Thông tin tiếp nhận"),
    "NgayTiepNhanBoSung": _d("Ngày tiếp nhận bổ sung"),
    "TrangThaiBoSung": _c(SUPPLEMENT_STATE_CODES, "Trạng thái bổ sung", required=True),
    "DanhSachGiayToBoSung": _l(SUPPLEMENT_DOCUMENT_FIELDS, "Giấy tờ cần bổ sung"),
    "DanhSachLePhiBoSung": _l(FEE_FIELDS, "Lệ phí bổ sung"),
    "NgayHenTraTruoc": _d("Ngày hẹn trả trước khi bổ sung"),
    "NgayHenTraMoi": _d("Ngày hẹn trả mới"),
}
IDENTITY_FIELDS: dict[str, FieldSpec] = {
    "LoaiDinhDanh": _c(IDENTITY_CODES, "Loại định danh", required=True),
    "SoDinhDanh": _n("Số định danh", required=True),
}
DATABASE_FIELDS: dict[str, FieldSpec] = {"MaCSDL": _s("Mã cơ sở dữ liệu đã kết nối", required=True, blank=False)}
OTHER_ATTACHMENT_FIELDS: dict[str, FieldSpec] = {
    "TenGiayTo": _s("Tên giấy tờ", required=True, blank=False),
    "SoLuong": _n("Số lượng", required=True),
    "LoaiGiayTo": _s("Loại giấy tờ"),
}

RECORD_FIELDS: dict[str, FieldSpec] = {
    "MaHoSo": _s("Mã hồ sơ", required=True, blank=False, max_length=60),
    "MaTTHC": _s("Mã thủ tục hành chính", required=True, blank=False),
    "TenTTHC": _s("Tên thủ tục hành chính", required=True, blank=False),
    "MaLinhVuc": _s("Mã lĩnh vực", required=True, blank=False),
    "TenLinhVuc": _s("Tên lĩnh vực", required=True, blank=False),
    "KenhThucHien": _c(CHANNEL_CODES, "Kênh thực hiện", required=True),
    "ChuHoSo": _s("Chủ hồ sơ"),
    "LoaiDoiTuong": _c(APPLICANT_KIND_CODES, "Loại đối tượng", required=True),
    "MaDoiTuong": _s("TechID tài khoản Cổng DVCQG (chỉ khi nộp trực tuyến)"),
    "ThongTinKhac": _s("Thông tin khác"),
    "Email": _s("Thư điện tử", required=True),
    "Fax": _s("Fax"),
    "SoDienThoai": _s("Số điện thoại", required=True),
    "TrichYeuHoSo": _s("Trích yếu hồ sơ", required=True, blank=False, max_length=MAX_SUMMARY),
    "NgayTiepNhan": _d("Ngày tiếp nhận", required=True),
    "NgayHenTra": _d("Ngày hẹn trả", required=True),
    "TrangThaiHoSo": _c(STATUS_CODES, "Trạng thái hồ sơ", required=True),
    "NgayTra": _d("Ngày trả kết quả"),
    "ThongTinTra": _s("Thông tin trả kết quả"),
    "HinhThuc": _c(RETURN_CODES, "Hình thức trả kết quả", required=True),
    "NgayKetThucXuLy": _d("Ngày kết thúc xử lý"),
    "DonViXuLy": _s("Đơn vị xử lý", required=True, blank=False),
    "GhiChu": _s("Ghi chú"),
    "NoiNopHoSo": _c(FILED_AT_CODES, "Nơi nộp hồ sơ", required=True),
    "HoSoCoThanhPhanSoHoa": _c(FLAG_CODES, "Hồ sơ có thành phần số hoá", required=True),
    "TaiKhoanDuocXacThucVoiVNeID": _c(FLAG_CODES, "Tài khoản được xác thực với VNeID", required=True),
    "DuocThanhToanTrucTuyen": _c(ONLINE_PAYMENT_CODES, "Được thanh toán trực tuyến", required=True),
    "NgayTuChoi": _d("Ngày từ chối"),
    "NgayNopHoSo": _d("Ngày nộp hồ sơ", required=True, blank=False),
    "SoGiayToChuHoSo": _s("Số giấy tờ của chủ hồ sơ", required=True),
    "DinhDanhCHS": _l(IDENTITY_FIELDS, "Định danh chủ hồ sơ"),
    "DSKetNoiCSDL": _l(DATABASE_FIELDS, "Cơ sở dữ liệu đã kết nối"),
    "TaiLieuNop": _l(SUBMITTED_DOCUMENT_FIELDS, "Tài liệu nộp", required=True),
    "DanhSachGiayToKetQua": _l(RESULT_DOCUMENT_FIELDS, "Giấy tờ kết quả", required=True),
    "DanhSachLePhi": _l(FEE_FIELDS, "Phí, lệ phí", required=True),
    "DanhSachHoSoBoSung": _l(SUPPLEMENT_FIELDS, "Hồ sơ bổ sung", required=True),
    "DanhSachTepDinhKemKhac": _l(OTHER_ATTACHMENT_FIELDS, "Tệp đính kèm khác"),
}

HISTORY_FIELDS: dict[str, FieldSpec] = {
    "MaHoSo": _s("Mã hồ sơ", required=True, blank=False, max_length=60),
    "NguoiXuLy": _s("Người xử lý", required=True, blank=False, max_length=MAX_ACTOR_NAME),
    "ChucDanh": _s("Chức danh"),
    "ThoiDiemXuLy": _d("Thời điểm xử lý", required=True, blank=False),
    "PhongBanXuLy": _s("Phòng ban xử lý"),
    "NoiDungXuLy": _s("Nội dung xử lý", required=True, blank=False),
    "TrangThai": _c(STATUS_CODES, "Trạng thái hồ sơ sau bước xử lý", required=True),
    "NgayBatDau": _d("Ngày bắt đầu bước"),
    "NgayKetThucTheoQuyDinh": _d("Hạn của bước theo quy định"),
}

FIELDS: dict[str, dict[str, FieldSpec]] = {RECORD_SERVICE: RECORD_FIELDS, HISTORY_SERVICE: HISTORY_FIELDS}

# States in which a date must be there (codes of TrangThaiHoSo).
_RECEIVED_STATUSES = {"2", "4", "5", "6", "9", "10"}
_DATE_ORDER = ("NgayNopHoSo", "NgayTiepNhan", "NgayKetThucXuLy", "NgayTra")
_DATE14 = re.compile(r"^\d{14}$")
_DIGITS = re.compile(r"^\d+$")


def _check_fields(obj, specs: dict[str, FieldSpec], where: str, allow_unknown: bool = False) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where}: phải là một đối tượng (object), nhận {type(obj).__name__}"]
    problems = []
    for name, spec in specs.items():
        label = f"{where}.{name}" if where else name
        if name not in obj:
            if spec.required:
                problems.append(f"{label}: thiếu trường bắt buộc")
            continue
        problems.extend(_check_value(obj[name], spec, label, allow_unknown))
    if allow_unknown:
        return problems
    for name in obj:
        if name not in specs:
            problems.append(f"{where + '.' if where else ''}{name}: trường không có trong danh sách")
    return problems


def _check_value(value, spec: FieldSpec, label: str, allow_unknown: bool = False) -> list[str]:
    if spec.kind == "list":
        if not isinstance(value, list):
            return [f"{label}: phải là một danh sách"]
        problems = []
        for index, item in enumerate(value):
            problems.extend(_check_fields(item, spec.item or {}, f"{label}[{index}]", allow_unknown))
        return problems
    if not isinstance(value, str):
        return [f"{label}: mọi giá trị phải là chuỗi, nhận {type(value).__name__} {value!r}"]
    if value == "":
        return [] if spec.blank else [f"{label}: không được để trống"]
    if spec.max_length is not None and len(value) > spec.max_length:
        return [f"{label}: dài quá {spec.max_length} ký tự ({len(value)})"]
    if spec.kind == "date14":
        if not _DATE14.match(value) or parse_time(value) is None:
            return [f"{label}: ngày giờ phải theo dạng yyyyMMddHHmmss, nhận {value!r}"]
    elif spec.kind == "code":
        if value not in spec.codes:
            return [f"{label}: mã {value!r} không hợp lệ (cho phép {', '.join(spec.codes)})"]
    elif spec.kind == "int-string":
        if not _DIGITS.match(value):
            return [f"{label}: phải là số nguyên dạng chuỗi, nhận {value!r}"]
    return []


def validate_record(record: dict, *, allow_unknown: bool = False) -> list[str]:
    """Problems of one DongBoHoSoMC dossier record (Vietnamese plain text); [] when it is valid. Fields not
    in the list are problems too (they catch our typos), unless `allow_unknown` (a record filed elsewhere)."""
    problems = _check_fields(record, RECORD_FIELDS, "", allow_unknown)
    if not isinstance(record, dict):
        return problems
    status = record.get("TrangThaiHoSo")
    if status in _RECEIVED_STATUSES and not record.get("NgayTiepNhan"):
        problems.append(f"NgayTiepNhan: bắt buộc khi TrangThaiHoSo là {status}")
    if status in ("9", "10") and not record.get("NgayKetThucXuLy"):
        problems.append(f"NgayKetThucXuLy: bắt buộc khi TrangThaiHoSo là {status}")
    if status == "10" and not record.get("NgayTra"):
        problems.append("NgayTra: bắt buộc khi TrangThaiHoSo là 10")
    if status == "3" and not record.get("NgayTuChoi"):
        problems.append("NgayTuChoi: bắt buộc khi TrangThaiHoSo là 3")
    if record.get("MaDoiTuong") and record.get("KenhThucHien") != "2":
        problems.append("MaDoiTuong: chỉ gửi khi KenhThucHien là 2 (trực tuyến)")
    dates = [(name, record.get(name)) for name in _DATE_ORDER if isinstance(record.get(name), str) and _DATE14.match(record.get(name))]
    for (first, a), (second, b) in zip(dates, dates[1:]):
        if a > b:
            problems.append(f"{second}: sớm hơn {first} ({b} < {a})")
    documents = record.get("TaiLieuNop")
    if isinstance(documents, list) and record.get("HoSoCoThanhPhanSoHoa") == "0":
        if any(isinstance(d, dict) and d.get("DuocSoHoa") == "1" and d.get("IsDeleted") != "1" for d in documents):
            problems.append("HoSoCoThanhPhanSoHoa: là 0 nhưng có tài liệu nộp được số hoá (DuocSoHoa 1)")
    identities = record.get("DinhDanhCHS")
    if isinstance(identities, list):
        for index, identity in enumerate(identities):
            if not isinstance(identity, dict):
                continue
            kind, number = identity.get("LoaiDinhDanh"), identity.get("SoDinhDanh")
            expected = {"1": 12, "2": 9}.get(kind)
            if expected and isinstance(number, str) and _DIGITS.match(number) and len(number) != expected:
                problems.append(f"DinhDanhCHS[{index}].SoDinhDanh: loại {kind} cần {expected} chữ số, nhận {len(number)}")
    return problems


def validate_history_item(item: dict, *, allow_unknown: bool = False) -> list[str]:
    """Problems of one CapNhatTienDoHoSoMC history item; [] when it is valid."""
    # No order check between NgayBatDau and NgayKetThucTheoQuyDinh: a step may start after its own deadline
    # when the step before it overran.
    return _check_fields(item, HISTORY_FIELDS, "", allow_unknown)


def format_time(value: datetime | None) -> str:
    """`yyyyMMddHHmmss` in Vietnam time; "" for None. A naive datetime is taken as UTC (we store UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VIETNAM).strftime(TIME_FORMAT)


def parse_time(value: str | None) -> datetime | None:
    """The aware datetime of a `yyyyMMddHHmmss` Vietnam-time string; None for "" or a malformed value."""
    if not value or not isinstance(value, str) or not _DATE14.match(value):
        return None
    try:
        return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=VIETNAM)
    except ValueError:
        return None


def _code(answer: dict) -> str:
    code = answer.get("error_code") if isinstance(answer, dict) else None
    return "" if code is None else str(code).strip()


def _says_exists(answer: dict) -> bool:
    message = answer.get("message") if isinstance(answer, dict) else None
    if not isinstance(message, str):
        return False
    return EXISTS_MESSAGE in unicodedata.normalize("NFC", message).lower()


def answer_kind(answer: dict) -> str:
    """Classify an adapter answer: "ok", "exists" (switch to update), "session_expired" (log in again once)
    or "error". Used by both the client and the fake adapter, so they agree by construction."""
    code = _code(answer)
    if code in EXISTS_CODES and _says_exists(answer):
        return "exists"
    if code in SUCCESS_CODES:
        return "ok"
    if code in SESSION_EXPIRED_CODES:
        return "session_expired"
    return "error"


def chunks(items: list, size: int = HISTORY_CHUNK) -> list[list]:
    """`items` cut into lists of at most `size` (history items go in chunks of 10, as H sends them)."""
    return [items[i:i + size] for i in range(0, len(items), size)]
