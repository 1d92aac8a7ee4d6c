"""The dossier record the province's integration gateway forwards from the national portal (Cổng DVCQG), read
into plain values. Pure: no Django, so every rule is tested without a database.

Field names are the national ones (../shared/SYNC.md §2, the `DongBoHoSoMC` record): a gateway may forward the
whole record, so fields we do not use are ignored here (the whole record goes to `register_inbound`), while the ones we use are
checked here and every problem is reported at once, in Vietnamese, under the national field name.

- `MaHoSo`: the national dossier code, `<identifier>-<YYMMDD>-<NNNN>` (Circular 01/2018 art. 19) or the
  centralised-service form `<identifier>-<YYMMDD>-<AA><XXXX…>` (Circular 04/2025): both are digits after the date.
- `NgayNopHoSo`: `yyyyMMddHHmmss` in Vietnam time; stored as an aware instant.
- `LoaiDoiTuong`: 1 citizen, 2 business, 3 state agency, 4 other organisation (SYNC.md §2); 2–4 are filed as an
  organisation whose name is `ChuHoSo` and whose tax code is `SoGiayToChuHoSo`.
- `KenhThucHien`, when sent, must be 2 (online): a dossier filed on the portal is an online filing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from congvu.catalog.portal_format import CODE_PATTERN

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DATE14 = re.compile(r"^\d{14}$")
# QCVN 102:2016 identifier, the day of receipt, then the sequence (4 digits, or 2 + at least 4 since Circular 04/2025).
NATIONAL_CODE = re.compile(r"^(?P<identifier>[A-Z0-9]{1,5}(?:\.[A-Z0-9]{1,5}){1,5})-(?P<day>\d{6})-(?P<seq>\d{4,12})$")
NATIONAL_CODE_MAX = 60
UNIT_REF_MAX = 40
APPLICANT_KINDS = {"1": "citizen", "2": "organisation", "3": "organisation", "4": "organisation"}
ONLINE_CHANNEL = "2"
# Clocks of two systems disagree a little; a filing further in the future than this is a wrong date.
CLOCK_SKEW = dt.timedelta(minutes=10)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=VIETNAM)
MAX_ATTACHMENTS = 200
SUMMARY_MAX = 5000

REQUIRED = "Bắt buộc."


@dataclass(frozen=True)
class Attachment:
    name: str
    url: str = ""
    component_code: str = ""


@dataclass(frozen=True)
class InboundDossier:
    national_code: str
    procedure_code: str
    unit_ref: str
    submitted_at: dt.datetime
    applicant: dict
    summary: str = ""
    attachments: tuple[Attachment, ...] = ()


@dataclass
class InboundProblems(Exception):
    """Everything wrong with a record, by national field name (`TaiLieuNop[2].TenTepDinhKem` for a list item)."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def __str__(self) -> str:
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in self.fields.items())


def parse_time(value: str) -> dt.datetime:
    """`yyyyMMddHHmmss` in Vietnam time → an aware datetime; ValueError when it is not a real instant."""
    if not isinstance(value, str) or not DATE14.match(value):
        raise ValueError(value)
    naive = dt.datetime.strptime(value, "%Y%m%d%H%M%S")
    return naive.replace(tzinfo=VIETNAM)


def check_national_code(value: str) -> str | None:
    """The problem with a national dossier code, or None."""
    if len(value) > NATIONAL_CODE_MAX:
        return f"Mã hồ sơ quá dài (tối đa {NATIONAL_CODE_MAX} ký tự)."
    match = NATIONAL_CODE.match(value)
    if match is None:
        return "Mã hồ sơ không đúng dạng <mã định danh đơn vị>-<yyMMdd>-<số thứ tự>, ví dụ H15.50.05.13-261008-0975."
    try:
        dt.datetime.strptime(match["day"], "%y%m%d")
    except ValueError:
        return f"Ngày trong mã hồ sơ ({match['day']}) không phải ngày có thật."
    return None


def _text(data: dict, name: str, problems: InboundProblems, *, required: bool = False, max_length: int = 300) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            problems.add(name, REQUIRED)
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        problems.add(name, "Phải là chuỗi ký tự.")
        return ""
    text = str(value).replace("\x00", "").strip()
    if required and not text:
        problems.add(name, REQUIRED)
    if len(text) > max_length:
        problems.add(name, f"Quá dài (tối đa {max_length} ký tự).")
        return ""
    return text


def _attachments(data: dict, problems: InboundProblems) -> tuple[Attachment, ...]:
    items = data.get("TaiLieuNop")
    if items is None:
        return ()
    if not isinstance(items, list):
        problems.add("TaiLieuNop", "Phải là danh sách tài liệu.")
        return ()
    if len(items) > MAX_ATTACHMENTS:
        problems.add("TaiLieuNop", f"Tối đa {MAX_ATTACHMENTS} tài liệu.")
        return ()
    out = []
    for i, item in enumerate(items):
        where = f"TaiLieuNop[{i}]"
        if not isinstance(item, dict):
            problems.add(where, "Mỗi tài liệu phải là một đối tượng JSON.")
            continue
        if str(item.get("IsDeleted", "")).lower() in ("true", "1"):
            continue  # withdrawn on the portal before filing
        inner = InboundProblems()
        name = _text(item, "TenTepDinhKem", inner, required=True, max_length=500)
        url = _text(item, "DuongDanTaiTepTin", inner, max_length=1000)
        component = _text(item, "MaThanhPhanHoSo", inner, max_length=100)
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                inner.add("DuongDanTaiTepTin", "Đường dẫn tải tệp phải là địa chỉ http(s) đầy đủ.")
        for key, messages in inner.fields.items():
            for message in messages:
                problems.add(f"{where}.{key}", message)
        if not inner:
            out.append(Attachment(name=name, url=url, component_code=component))
    return tuple(out)


def parse_record(data, *, now: dt.datetime) -> InboundDossier:
    """The record → an InboundDossier, or InboundProblems naming every field at fault.

    The applicant's identity numbers, phone and e-mail are checked by the intake service (one rule for every
    channel); this checks what only the national record has: the codes, the date and the shape."""
    problems = InboundProblems()
    if not isinstance(data, dict):
        problems.add("_", "Hồ sơ phải là một đối tượng JSON.")
        raise problems
    national_code = _text(data, "MaHoSo", problems, required=True, max_length=NATIONAL_CODE_MAX)
    if national_code:
        problem = check_national_code(national_code)
        if problem:
            problems.add("MaHoSo", problem)
    procedure_code = _text(data, "MaTTHC", problems, required=True, max_length=60)
    if procedure_code and not CODE_PATTERN.match(procedure_code):
        problems.add("MaTTHC", "Mã thủ tục hành chính không đúng dạng (ví dụ: 1.001193).")
    unit_ref = _text(data, "MaDonVi", problems, required=True, max_length=UNIT_REF_MAX)
    submitted_raw = _text(data, "NgayNopHoSo", problems, required=True, max_length=14)
    submitted_at = None
    if submitted_raw:
        try:
            submitted_at = parse_time(submitted_raw)
        except ValueError:
            problems.add("NgayNopHoSo", "Ngày nộp phải có dạng yyyyMMddHHmmss (giờ Việt Nam) và là thời điểm có thật.")
        else:
            if submitted_at > now + CLOCK_SKEW:
                problems.add("NgayNopHoSo", "Ngày nộp hồ sơ ở trong tương lai.")
            elif submitted_at < EARLIEST:
                problems.add("NgayNopHoSo", "Ngày nộp hồ sơ quá xa trong quá khứ.")
    channel = _text(data, "KenhThucHien", problems, max_length=2)
    if channel and channel != ONLINE_CHANNEL:
        problems.add("KenhThucHien", "Hồ sơ từ Cổng DVCQG phải là hồ sơ trực tuyến (KenhThucHien = 2).")
    kind_code = _text(data, "LoaiDoiTuong", problems, max_length=2) or "1"
    kind = APPLICANT_KINDS.get(kind_code)
    if kind is None:
        problems.add("LoaiDoiTuong", "Loại đối tượng phải là 1 (công dân), 2 (doanh nghiệp), 3 (cơ quan nhà nước) hoặc 4 (tổ chức khác).")
        kind = "citizen"
    owner = _text(data, "ChuHoSo", problems, required=True, max_length=200)
    number = _text(data, "SoGiayToChuHoSo", problems, max_length=20)
    applicant = {
        "kind": kind,
        "full_name": owner,
        "phone": _text(data, "SoDienThoai", problems, max_length=30),
        "email": _text(data, "Email", problems, max_length=254),
        "address": _text(data, "DiaChi", problems, max_length=255),
    }
    if kind == "citizen":
        applicant["personal_id"] = number
    else:
        applicant.update(organisation_name=owner, tax_code=number)
    summary = _text(data, "TrichYeuHoSo", problems, max_length=SUMMARY_MAX)
    attachments = _attachments(data, problems)
    if problems:
        raise problems
    return InboundDossier(
        national_code=national_code, procedure_code=procedure_code, unit_ref=unit_ref, submitted_at=submitted_at,
        applicant=applicant, summary=summary, attachments=attachments,
    )


# The intake service names applicant fields its own way; the gateway knows only the national names.
APPLICANT_FIELD_NAMES = {
    "applicant.full_name": "ChuHoSo",
    "applicant.organisation_name": "ChuHoSo",
    "applicant.personal_id": "SoGiayToChuHoSo",
    "applicant.tax_code": "SoGiayToChuHoSo",
    "applicant.phone": "SoDienThoai",
    "applicant.email": "Email",
    "applicant.address": "DiaChi",
    "applicant.kind": "LoaiDoiTuong",
    "summary": "TrichYeuHoSo",
}


def national_field_names(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, messages in fields.items():
        out.setdefault(APPLICANT_FIELD_NAMES.get(name, name), []).extend(messages)
    return out
