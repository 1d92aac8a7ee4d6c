"""Inbound API for the province's integration gateway: dossiers filed on the national portal (Cổng DVCQG).

The gateway authenticates with a bearer token (units.ApiToken) owned by the province unit, or by any unit
whose subtree contains the receiving unit; the dossier is filed as the token's user. The record uses the
national field names (../shared/SYNC.md §2). Every field is declared loosely (any JSON value) so that each
problem is answered in Vietnamese under its national name by `congvu.sync.inbound`, not by the parser."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ninja import Field, Router, Schema, Status

from congvu.api.auth import TokenAuth
from congvu.api.errors import ApiError, ErrorOut
from congvu.sync.inbound import InboundError, receive_inbound
from congvu.units.models import ApiScope, ApiToken

# The token needs the scope national:receive; its owning unit bounds what it may file (congvu.api.auth).
router = Router(auth=TokenAuth(ApiScope.NATIONAL_RECEIVE), tags=["national portal"])


def _string(description: str, example: str | None = None, **extra) -> Any:
    schema = {"type": "string", **extra}
    if example is not None:
        schema["example"] = example
    return Field(None, description=description, json_schema_extra=schema)


class TaiLieuNopIn(Schema):
    TenTepDinhKem: Any = _string("Tên tài liệu (bắt buộc).", "Tờ khai đăng ký khai sinh.pdf")
    DuongDanTaiTepTin: Any = _string("Đường dẫn http(s) để tải tệp trên Cổng DVCQG.", "https://dichvucong.gov.vn/tep/123")
    MaThanhPhanHoSo: Any = _string("Mã thành phần hồ sơ của thủ tục.")
    IsDeleted: Any = Field(None, description="\"True\" khi người nộp đã xoá tài liệu: tài liệu đó được bỏ qua.")

    model_config = {"extra": "allow"}


class InboundDossierIn(Schema):
    """A dossier record of the national portal (`DongBoHoSoMC` field names). Other fields of the record are
    accepted and handed on, as sent, to the portal sync
    (`sync.services.register_inbound`)."""

    MaHoSo: Any = _string("Mã hồ sơ trên Cổng DVCQG (bắt buộc): <mã định danh>-<yyMMdd>-<số thứ tự>.", "H99.01-260302-0001", maxLength=60)
    MaTTHC: Any = _string("Mã thủ tục hành chính trong Cơ sở dữ liệu quốc gia (bắt buộc).", "1.001193")
    MaDonVi: Any = _string("Đơn vị tiếp nhận (bắt buộc): mã định danh điện tử hoặc mã đơn vị trong hệ thống.", "H99.01")
    NgayNopHoSo: Any = _string("Thời điểm nộp (bắt buộc), yyyyMMddHHmmss giờ Việt Nam.", "20260302090000", pattern=r"^\d{14}$")
    ChuHoSo: Any = _string("Tên chủ hồ sơ (bắt buộc): họ tên công dân, hoặc tên tổ chức.", "Nguyễn Văn An")
    LoaiDoiTuong: Any = _string("1 công dân (mặc định), 2 doanh nghiệp, 3 cơ quan nhà nước, 4 tổ chức khác.", "1")
    SoGiayToChuHoSo: Any = _string("Số định danh cá nhân (công dân) hoặc mã số thuế (tổ chức).", "001090012345")
    SoDienThoai: Any = _string("Số điện thoại; cần số điện thoại hoặc thư điện tử.", "0912345678")
    Email: Any = _string("Thư điện tử.", "an@example.vn")
    DiaChi: Any = _string("Địa chỉ của chủ hồ sơ.")
    TrichYeuHoSo: Any = _string("Trích yếu hồ sơ (tối đa 5000 ký tự).")
    KenhThucHien: Any = _string("Kênh thực hiện; nếu có phải là 2 (trực tuyến).", "2")
    TaiLieuNop: list[TaiLieuNopIn] | Any = Field(None, description="Tài liệu đã nộp trên Cổng DVCQG.")

    model_config = {"extra": "allow", "json_schema_extra": {"required": ["MaHoSo", "MaTTHC", "MaDonVi", "NgayNopHoSo", "ChuHoSo"]}}


class UnitRef(Schema):
    code: str
    name: str


class InboundDossierOut(Schema):
    code: str = Field(description="Mã hồ sơ trong hệ thống một cửa của tỉnh.")
    national_code: str = Field(description="MaHoSo trên Cổng DVCQG.")
    created: bool = Field(description="false khi hồ sơ đã được nhận trước đó (gửi lại cùng MaHoSo).")
    state: str
    national_status: int = Field(description="TrangThaiHoSo (1 = mới đăng ký).")
    procedure: str
    receiving_unit: UnitRef
    submitted_at: dt.datetime | None


@router.post(
    "/dossiers",
    response={200: InboundDossierOut, 201: InboundDossierOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Receive a dossier filed on the national portal",
    description=(
        "Tiếp nhận hồ sơ nộp trên Cổng DVCQG do cổng kết nối của tỉnh chuyển về. Tạo hồ sơ trực tuyến chờ tiếp nhận "
        "(201). Gửi lại cùng MaHoSo trả về hồ sơ đã có (200), không tạo gì thêm. Dữ liệu sai, thủ tục hoặc đơn vị không "
        "xác định: 422 với lỗi theo từng trường. Khoá không bao gồm đơn vị tiếp nhận: 403."
    ),
)
def receive_national_dossier(request, payload: InboundDossierIn):
    token: ApiToken = request.api_token
    # The record exactly as sent (fields we do not use included) is what the portal sync is given.
    data = json.loads(request.body)
    try:
        result = receive_inbound(data, token_unit=token.unit, actor=token.acts_as)
    except InboundError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.fields) from None
    d = result.dossier
    out = {
        "code": d.code, "national_code": result.national_code, "created": result.created, "state": d.state,
        "national_status": _national_status(d.state), "procedure": d.procedure_version.procedure.code,
        "receiving_unit": {"code": d.receiving_unit.code, "name": d.receiving_unit.name}, "submitted_at": d.submitted_at,
    }
    return Status(201 if result.created else 200, out)


def _national_status(state: str) -> int:
    from congvu.dossiers.states import DossierState

    return DossierState(state).national_code
