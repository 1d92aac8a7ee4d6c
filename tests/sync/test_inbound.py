"""Dossiers filed on the national portal, received from the province's gateway (POST /api/v1/national/dossiers):
the record's rules (pure), the token and its unit, filing for the right unit, idempotency on MaHoSo, Vietnamese
per-field errors with nothing written, and the status changes flowing back through the portal sync."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from congvu.sync import inbound_format
from congvu.sync.inbound_format import InboundProblems

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/api/v1/national/dossiers"
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=HCM)


def record(**overrides) -> dict:
    data = {
        "MaHoSo": "H99.01-260302-0007", "MaTTHC": "1.001193", "MaDonVi": "H99.01", "NgayNopHoSo": "20260302091500",
        "ChuHoSo": "Nguyễn Văn An", "LoaiDoiTuong": "1", "SoGiayToChuHoSo": "001090012345", "SoDienThoai": "0912345678",
        "Email": "an@example.vn", "DiaChi": "Số 1 Hàng Bông", "TrichYeuHoSo": "Đăng ký khai sinh cho con", "KenhThucHien": "2",
        "TaiLieuNop": [{"TenTepDinhKem": "Tờ khai.pdf", "DuongDanTaiTepTin": "https://dichvucong.gov.vn/tep/1", "MaThanhPhanHoSo": "TP1"}],
        "HoSoCoThanhPhanSoHoa": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ------------------------------------------------------------------------------------------------- pure rules


def test_a_full_record_reads_into_plain_values():
    parsed = inbound_format.parse_record(record(), now=NOW)
    assert parsed.national_code == "H99.01-260302-0007"
    assert parsed.procedure_code == "1.001193" and parsed.unit_ref == "H99.01"
    assert parsed.submitted_at == dt.datetime(2026, 3, 2, 9, 15, tzinfo=HCM)
    assert parsed.applicant == {"kind": "citizen", "full_name": "Nguyễn Văn An", "personal_id": "001090012345", "phone": "0912345678",
                                "email": "an@example.vn", "address": "Số 1 Hàng Bông"}
    assert parsed.attachments == (inbound_format.Attachment("Tờ khai.pdf", "https://dichvucong.gov.vn/tep/1", "TP1"),)


def test_every_missing_field_is_named_at_once():
    with pytest.raises(InboundProblems) as caught:
        inbound_format.parse_record({"LoaiDoiTuong": "1"}, now=NOW)
    assert set(caught.value.fields) == {"MaHoSo", "MaTTHC", "MaDonVi", "NgayNopHoSo", "ChuHoSo"}
    assert caught.value.fields["MaHoSo"] == ["Bắt buộc."]


@pytest.mark.parametrize("value", ["2026-03-02 09:15", "20260230091500", "20260302251500", "2026030209150", 20260302091500.5])
def test_a_submission_time_that_is_not_yyyyMMddHHmmss_is_refused(value):
    with pytest.raises(InboundProblems) as caught:
        inbound_format.parse_record(record(NgayNopHoSo=value), now=NOW)
    assert list(caught.value.fields) == ["NgayNopHoSo"]


def test_a_submission_in_the_future_or_long_ago_is_refused():
    with pytest.raises(InboundProblems) as caught:
        inbound_format.parse_record(record(NgayNopHoSo="20260302110000"), now=NOW)
    assert caught.value.fields["NgayNopHoSo"] == ["Ngày nộp hồ sơ ở trong tương lai."]
    # A few minutes of clock difference between the two systems is not an error.
    assert inbound_format.parse_record(record(NgayNopHoSo="20260302100500"), now=NOW)
    with pytest.raises(InboundProblems):
        inbound_format.parse_record(record(NgayNopHoSo="19990101000000"), now=NOW)


@pytest.mark.parametrize("code, ok", [
    ("H15.50.05.13-261008-0975", True),        # Circular 01/2018
    ("000.00.31.H29-260302-1000123", True),     # Circular 04/2025: two digits of the owner, then at least four
    ("H15.50.05.13-261308-0975", False),        # no 13th month
    ("h15.50.05.13-261008-0975", False),
    ("H15-261008-0975", False),
    ("H15.50-261008-97", False),
    ("H15.50.05.13/261008/0975", False),
])
def test_national_dossier_codes(code, ok):
    assert (inbound_format.check_national_code(code) is None) is ok


def test_codes_channel_kind_and_attachments_are_checked():
    with pytest.raises(InboundProblems) as caught:
        inbound_format.parse_record(record(
            MaTTHC="khai sinh", KenhThucHien="1", LoaiDoiTuong="9", MaHoSo=12,
            TaiLieuNop=[{"DuongDanTaiTepTin": "javascript:alert(1)"}, "x", {"TenTepDinhKem": "Bỏ", "IsDeleted": "True"}],
        ), now=NOW)
    fields = caught.value.fields
    assert set(fields) == {"MaTTHC", "KenhThucHien", "LoaiDoiTuong", "MaHoSo", "TaiLieuNop[0].TenTepDinhKem",
                           "TaiLieuNop[0].DuongDanTaiTepTin", "TaiLieuNop[1]"}
    with pytest.raises(InboundProblems) as caught:
        inbound_format.parse_record(record(TaiLieuNop={"TenTepDinhKem": "x"}, ChuHoSo=["An"]), now=NOW)
    assert set(caught.value.fields) == {"TaiLieuNop", "ChuHoSo"}


def test_a_business_files_as_an_organisation_under_its_tax_code():
    parsed = inbound_format.parse_record(record(LoaiDoiTuong="2", ChuHoSo="Công ty TNHH An Bình", SoGiayToChuHoSo="0101234567"), now=NOW)
    assert parsed.applicant["kind"] == "organisation"
    assert parsed.applicant["organisation_name"] == "Công ty TNHH An Bình" and parsed.applicant["tax_code"] == "0101234567"
    assert "personal_id" not in parsed.applicant


def test_intake_field_names_become_national_ones():
    assert inbound_format.national_field_names({"applicant.personal_id": ["a"], "applicant.tax_code": ["b"], "other": ["c"]}) == {
        "SoGiayToChuHoSo": ["a", "b"], "other": ["c"],
    }


# ------------------------------------------------------------------------------------------------- the API


@pytest.fixture
def place(db):
    from types import SimpleNamespace

    from congvu.units import services as units
    from congvu.units.models import UnitKind

    province = units.add_unit("Thành phố Thử Nghiệm", UnitKind.PROVINCE, "T01", identifier="H99.00")
    a = units.add_unit("Phường Hoàn Kiếm", UnitKind.COMMUNE, "T01-A", parent=province, identifier="H99.01")
    b = units.add_unit("Xã Đông Anh", UnitKind.COMMUNE, "T01-B", parent=province)
    other = units.add_unit("Tỉnh Khác", UnitKind.PROVINCE, "T02", identifier="H98.00")
    other_commune = units.add_unit("Xã Bên Kia", UnitKind.COMMUNE, "T02-X", parent=other, identifier="H98.01")
    for unit in (province, a, b, other, other_commune):
        unit.refresh_from_db()
    return SimpleNamespace(province=province, a=a, b=b, other=other, other_commune=other_commune)


@pytest.fixture
def people(place):
    from types import SimpleNamespace

    from congvu.units import services as units
    from congvu.units.models import Role

    def make(username, unit, role):
        return units.create_staff_member(username, f"Cán bộ {username}", unit, role, password="Rong-xanh-2025!").user

    return SimpleNamespace(
        gateway=make("cong-ket-noi", place.province, Role.SYSTEM_ADMIN),
        officer=make("motcua-a", place.a, Role.ONE_STOP_OFFICER),
        far=make("cong-tinh-khac", place.other, Role.SYSTEM_ADMIN),
    )


@pytest.fixture
def catalogue(db):
    from congvu.catalog import services

    services.import_starter_catalog(effective_from=dt.date(2025, 7, 1))
    services.apply_demo_completion_rules()


@pytest.fixture
def token(people, place):
    from congvu.units.models import ApiToken

    _row, raw = ApiToken.issue("Cổng kết nối tỉnh", place.province, people.gateway)
    return raw


@pytest.fixture
def post(client):
    def go(data, raw_token=None, **headers):
        if raw_token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {raw_token}"
        body = data if isinstance(data, (str, bytes)) else json.dumps(data, ensure_ascii=False)
        return client.post(URL, body, content_type="application/json", **headers)

    return go


@pytest.fixture
def fixed_now(monkeypatch):
    """The gateway posts soon after filing: "now" is just after the record's NgayNopHoSo."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def _counts():
    from congvu.dossiers.models import Applicant, Dossier, DossierEvent
    from congvu.sync.models import PortalChange, PortalSync

    models = (Dossier, Applicant, DossierEvent, PortalSync, PortalChange)
    return tuple(m.objects.count() for m in models)


def test_without_a_valid_live_token_nothing_is_filed(post, token, people, place, catalogue):
    from congvu.units.models import ApiToken

    for response in (post(record()), post(record(), "sai-roi"), post(record(), HTTP_AUTHORIZATION="Basic abc")):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated" and response.json()["message"]
    row = ApiToken.objects.get()
    row.revoked_at = NOW
    row.save()
    assert post(record(), token).status_code == 401
    _row, raw = ApiToken.issue("Cổng mới", place.province, people.gateway)
    people.gateway.is_active = False
    people.gateway.save()
    assert post(record(), raw).status_code == 401
    assert _counts() == (0, 0, 0, 0, 0)


def test_a_token_of_another_province_cannot_file_for_this_one(post, people, place, catalogue, fixed_now):
    from congvu.units.models import ApiToken

    _row, raw = ApiToken.issue("Cổng tỉnh khác", place.other, people.far)
    response = post(record(), raw)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden" and "MaDonVi" in response.json()["fields"]
    # A commune's own token does not cover its neighbour either.
    _row, commune = ApiToken.issue("Phần mềm của phường", place.a, people.officer)
    assert post(record(MaDonVi="T01-B", MaHoSo="H99.01-260302-0008"), commune).status_code == 403
    assert _counts() == (0, 0, 0, 0, 0)


def test_a_valid_record_is_filed_online_for_its_unit_and_marked_as_the_portals(post, token, place, people, catalogue, fixed_now):
    from congvu.dossiers.models import Dossier
    from congvu.sync.models import Origin, PortalSync
    from congvu.units.models import ApiToken

    response = post(record(), token)
    assert response.status_code == 201, response.content
    body = response.json()
    dossier = Dossier.objects.get()
    assert body["code"] == dossier.code and dossier.code.startswith("H99.01-260302-")
    assert body["national_code"] == "H99.01-260302-0007" and body["created"] is True
    assert body["state"] == "submitted_online" and body["national_status"] == 1
    assert body["receiving_unit"] == {"code": "T01-A", "name": "Phường Hoàn Kiếm"} and body["procedure"] == "1.001193"
    assert dossier.receiving_unit == place.a and dossier.channel == "online" and dossier.received_at is None
    assert dossier.submitted_at == dt.datetime(2026, 3, 2, 9, 15, tzinfo=HCM)
    assert dossier.applicant.personal_id == "001090012345" and dossier.summary == "Đăng ký khai sinh cho con"
    event = dossier.events.get()
    assert event.action == "submit_online" and event.actor_id == people.gateway.pk
    sync = PortalSync.objects.get(dossier=dossier)
    assert sync.origin == Origin.NATIONAL_PORTAL and sync.national_code == "H99.01-260302-0007" and sync.portal_code == "H99.01-260302-0007"
    assert ApiToken.objects.get().last_used_at is not None


def test_the_same_MaHoSo_again_returns_the_dossier_already_filed(post, token, catalogue, fixed_now):
    first = post(record(), token)
    before = _counts()
    again = post(record(ChuHoSo="Tên Khác", NgayNopHoSo="20260302093000"), token)
    assert again.status_code == 200
    assert again.json()["code"] == first.json()["code"] and again.json()["created"] is False
    assert _counts() == before


@pytest.mark.parametrize("overrides, field", [
    ({"NgayNopHoSo": "20261302091500"}, "NgayNopHoSo"),
    ({"NgayNopHoSo": "02/03/2026"}, "NgayNopHoSo"),
    ({"MaHoSo": "HS-0001"}, "MaHoSo"),
    ({"MaTTHC": "abc"}, "MaTTHC"),
    ({"SoGiayToChuHoSo": "12345"}, "SoGiayToChuHoSo"),
    ({"SoDienThoai": "", "Email": ""}, "SoDienThoai"),
    ({"Email": "khong-phai-thu"}, "Email"),
    ({"ChuHoSo": None}, "ChuHoSo"),
])
def test_bad_input_is_422_per_field_in_vietnamese_and_writes_nothing(post, token, catalogue, fixed_now, overrides, field):
    response = post(record(**overrides), token)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid_input" and body["message"] == "Hồ sơ gửi từ Cổng DVCQG không hợp lệ."
    assert field in body["fields"] and all(body["fields"][field])
    assert _counts() == (0, 0, 0, 0, 0)


def test_a_body_that_is_not_a_record_is_422(post, token, catalogue):
    assert post([record()], token).status_code == 422
    assert post("not json", token).status_code in (400, 422)
    assert _counts() == (0, 0, 0, 0, 0)


def test_an_unknown_procedure_or_unit_is_named(post, token, catalogue, fixed_now):
    response = post(record(MaTTHC="9.999999"), token)
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_reference"
    assert list(response.json()["fields"]) == ["MaTTHC"] and "9.999999" in response.json()["fields"]["MaTTHC"][0]
    response = post(record(MaDonVi="H77.01"), token)
    assert response.json()["code"] == "unknown_reference" and list(response.json()["fields"]) == ["MaDonVi"]
    assert "đơn vị tiếp nhận" in response.json()["message"]
    response = post(record(MaDonVi="H77.01", MaTTHC="9.999999"), token)
    assert set(response.json()["fields"]) == {"MaDonVi", "MaTTHC"}
    assert _counts() == (0, 0, 0, 0, 0)


def test_routing_by_identifier_or_by_code(post, token, place, catalogue, fixed_now):
    from congvu.dossiers.models import Dossier

    assert post(record(MaDonVi="T01-B", MaHoSo="H99.00-260302-0001"), token).status_code == 201
    assert post(record(MaDonVi="H99.01", MaHoSo="H99.00-260302-0002"), token).status_code == 201
    units = dict(Dossier.objects.values_list("portal_sync__national_code", "receiving_unit__code"))
    assert units == {"H99.00-260302-0001": "T01-B", "H99.00-260302-0002": "T01-A"}


def test_a_unit_that_had_ceased_on_the_filing_day_is_refused(post, token, place, catalogue, fixed_now):
    place.b.valid_to = dt.date(2026, 3, 1)
    place.b.successor = place.a
    place.b.save()
    response = post(record(MaDonVi="T01-B"), token)
    assert response.status_code == 422 and "MaDonVi" in response.json()["fields"]


def test_a_procedure_that_cannot_receive_yet_is_refused_with_the_reason(post, token, catalogue, fixed_now):
    from congvu.catalog import selectors

    incomplete = selectors.current_versions().filter(is_complete=False, status="published").first()
    response = post(record(MaTTHC=incomplete.procedure.code), token)
    assert response.status_code == 422
    assert response.json()["code"] == "procedure_not_receivable" and response.json()["message"].startswith(f"Thủ tục {incomplete.procedure.code}")
    assert _counts() == (0, 0, 0, 0, 0)


def test_status_changes_flow_back_under_the_national_code(post, token, people, catalogue, fixed_now):
    from congvu.dossiers.models import Dossier
    from congvu.dossiers.services import perform_action
    from congvu.sync import payload
    from congvu.sync.models import PortalChange

    post(record(), token)
    dossier = Dossier.objects.get()
    assert list(PortalChange.objects.filter(dossier=dossier).values_list("seq", flat=True)) == [1]
    dossier = perform_action(dossier, "receive", actor=people.officer)
    assert dossier.state == "received"
    changes = list(PortalChange.objects.filter(dossier=dossier).order_by("seq").values_list("seq", "state"))
    assert changes == [(1, "pending"), (2, "pending")]
    sync = dossier.portal_sync
    built = payload.build_record(dossier, origin=sync.origin, national_code=sync.national_code)
    assert built["MaHoSo"] == "H99.01-260302-0007" and built["NoiNopHoSo"] == "1" and built["TrangThaiHoSo"] == "2"
    assert built["KenhThucHien"] == "2"


def test_the_openapi_documents_the_inbound_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][URL]["post"]
    assert set(operation["responses"]) == {"200", "201", "401", "403", "422"}
    fields = schema["components"]["schemas"]["InboundDossierIn"]["properties"]
    for name in ("MaHoSo", "MaTTHC", "MaDonVi", "NgayNopHoSo", "ChuHoSo", "SoGiayToChuHoSo", "TaiLieuNop"):
        assert fields[name].get("description"), name
    assert fields["NgayNopHoSo"]["type"] == "string"
    assert set(schema["components"]["schemas"]["InboundDossierIn"]["required"]) >= {"MaHoSo", "MaTTHC", "MaDonVi", "NgayNopHoSo", "ChuHoSo"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (SQLite serialises writers)")
def test_the_same_record_posted_at_once_files_one_dossier(place, people, catalogue, fixed_now):
    import threading

    from django.db import connections

    from congvu.dossiers.models import Dossier
    from congvu.sync.inbound import receive_inbound

    n = 4
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        try:
            barrier.wait()
            outcomes[i] = receive_inbound(record(), token_unit=place.province, actor=people.gateway)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(o.created for o in outcomes) == [False] * (n - 1) + [True]
    assert {o.dossier.code for o in outcomes} == set(Dossier.objects.values_list("code", flat=True))
    assert Dossier.objects.count() == 1
