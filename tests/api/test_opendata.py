"""Open data (/api/v1/open): the catalogue and the per-unit indicators, JSON and CSV, public and cacheable."""

import csv
import datetime as dt
import io

import pytest

from congvu.api.opendata import csv_cell
from congvu.catalog import boundary
from congvu.dossiers import services as ds
from congvu.indices import selectors
from congvu.indices import services as indices_services
from congvu.indices.periods import Period
from congvu.units import services as units
from congvu.units.models import UnitKind
from tests.dossiers.conftest import CITIZEN, catalogue, local, place, receive, staff, submit_ids  # noqa: F401
from tests.indices.test_rollups import boss  # noqa: F401
from tests.indices.test_selectors import month  # noqa: F401

pytestmark = pytest.mark.django_db
MARCH = Period.month(2026, 3)


def rows_of(response) -> list[list[str]]:
    raw = response.content
    assert raw.startswith("\ufeff".encode("utf-8"))
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


# ------------------------------------------------------------------------------------------------ pure


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+84 912", "'+84 912"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("Đăng ký khai sinh", "Đăng ký khai sinh"), (None, ""), (True, "có"), (12, "12"),
    (dt.date(2026, 3, 1), "2026-03-01"),
])
def test_csv_cells_are_inert(value, expected):
    assert csv_cell(value) == expected


# ------------------------------------------------------------------------------------------------ procedures


def test_procedures_shape_filters_and_pagination(client, catalogue, place):
    boundary.add_listing("1.004884", place.province, "15/QĐ-UBND", dt.date(2026, 1, 1))
    response = client.get("/api/v1/open/procedures", {"limit": 10})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["count"], body["limit"], body["offset"], len(body["items"])) == (50, 10, 0, 10)
    assert set(body["items"][0]) == {"code", "name", "field", "levels", "agency", "time_limit", "online_level", "online_submission", "version",
                                     "effective_from", "decision_number", "decision_date", "boundary_free", "url"}
    found = client.get("/api/v1/open/procedures", {"q": "dang ky lai khai sinh"}).json()
    assert [i["code"] for i in found["items"]] == ["1.004884"]
    item = found["items"][0]
    assert item["name"] == "Thủ tục đăng ký lại khai sinh" and item["url"] == "/thu-tuc/1.004884/"
    assert item["boundary_free"] == [{"province_code": "T01", "province_name": "Thành phố Thử Nghiệm", "decision_number": "15/QĐ-UBND",
                                      "decision_date": "2026-01-01", "valid_from": "2026-01-01"}]
    assert client.get("/api/v1/open/procedures", {"field": "dat-dai", "level": "province"}).json()["count"] == 4
    assert client.get("/api/v1/open/procedures", {"level": "nowhere"}).status_code == 422


def test_procedures_csv_keeps_vietnamese_and_follows_the_filters(client, catalogue):
    response = client.get("/api/v1/open/procedures.csv", {"field": "ho-tich"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="thu-tuc-hanh-chinh.csv"'
    rows = rows_of(response)
    assert rows[0][:4] == ["Mã thủ tục", "Tên thủ tục", "Mã lĩnh vực", "Lĩnh vực"]
    by_code = {r[0]: r for r in rows[1:]}
    assert len(by_code) == 14 and by_code["1.001193"][1] == "Thủ tục đăng ký khai sinh" and by_code["1.001193"][3] == "Hộ tịch"


def test_etag_and_304(client, catalogue, place):
    first = client.get("/api/v1/open/procedures", {"limit": 5})
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, max-age=3600" and etag.startswith('"') and first["Last-Modified"].endswith("GMT")
    again = client.get("/api/v1/open/procedures", {"limit": 5}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get("/api/v1/open/procedures", {"limit": 6}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    # A change of the catalogue (a boundary-free listing) changes the ETag.
    boundary.add_listing("1.000656", place.province, "16/QĐ-UBND", dt.date(2026, 1, 1))
    changed = client.get("/api/v1/open/procedures", {"limit": 5}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    csv_first = client.get("/api/v1/open/procedures.csv")
    assert client.get("/api/v1/open/procedures.csv", HTTP_IF_NONE_MATCH=f'W/{csv_first["ETag"]}, "other"').status_code == 304


# ------------------------------------------------------------------------------------------------ indicators


@pytest.fixture
def two_units(month, place, staff, catalogue):
    """March as tests/indices/test_selectors.py builds it at ward A, plus two counter dossiers at commune B (one finished)."""
    version = catalogue.five
    first = ds.receive_dossier(staff.other, place.b, version, dict(CITIZEN), checked_document_ids=submit_ids(version), at=local(2026, 3, 3, 9))
    ds.receive_dossier(staff.other, place.b, version, dict(CITIZEN), checked_document_ids=submit_ids(version), at=local(2026, 3, 4, 9))
    first = ds.start_processing(first, None, at=local(2026, 3, 3, 10))
    ds.record_result(first, None, [{"name": "Giấy khai sinh"}], at=local(2026, 3, 5, 9))
    indices_services.refresh()
    return place


def test_indicators_equal_the_indices_figures(client, two_units):
    place = two_units
    response = client.get("/api/v1/open/indicators", {"month": "2026-03"})
    assert response.status_code == 200
    body = response.json()
    assert (body["month"], body["province_code"], body["province_name"]) == ("2026-03", "T01", "Thành phố Thử Nghiệm")
    items = {row["unit_code"]: row for row in body["items"]}
    assert set(items) == {"T01-A", "T01-B", "T01-STP"}
    for unit in (place.a, place.b, place.dept):
        s = selectors.summary(unit, MARCH)
        expected = {
            "unit_code": unit.code, "unit_name": unit.name, "received": s.received, "finished": s.finished,
            "on_time_rate": None if s.on_time.percent is None else float(s.on_time.percent),
            "online_share": None if s.online.percent is None else float(s.online.percent),
            "satisfaction": None if s.satisfaction is None else float(s.satisfaction),
        }
        assert items[unit.code] == expected
    # The hand-worked month of tests/indices/test_selectors.py: 2 received at A, 1 online, 1 finished, all on time.
    assert (items["T01-A"]["received"], items["T01-A"]["finished"], items["T01-A"]["online_share"], items["T01-A"]["on_time_rate"]) == (2, 1, 50.0, 100.0)
    assert items["T01-A"]["satisfaction"] is not None
    assert (items["T01-B"]["received"], items["T01-B"]["finished"], items["T01-B"]["online_share"], items["T01-B"]["satisfaction"]) == (2, 1, 0.0, None)
    assert items["T01-STP"] == {"unit_code": "T01-STP", "unit_name": "Sở Tư pháp", "received": 0, "finished": 0, "on_time_rate": None,
                                "online_share": None, "satisfaction": None}


def test_indicators_csv_etag_and_formula_safe_names(client, two_units):
    units.add_unit("=cmd|' /C calc'!A0", UnitKind.DEPARTMENT, "T01-X", parent=two_units.province)
    response = client.get("/api/v1/open/indicators.csv", {"month": "2026-03"})
    assert response.status_code == 200 and response["Content-Disposition"] == 'attachment; filename="chi-so-2026-03.csv"'
    rows = rows_of(response)
    assert rows[0] == ["Tháng", "Mã đơn vị", "Tên đơn vị", "Hồ sơ tiếp nhận", "Hồ sơ đã giải quyết", "Tỷ lệ đúng hạn (%)",
                       "Tỷ lệ nộp trực tuyến (%)", "Mức độ hài lòng (%)"]
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["T01-A"][:7] == ["2026-03", "T01-A", "Phường Hoàn Kiếm", "2", "1", "100.00", "50.00"]
    assert by_code["T01-B"] == ["2026-03", "T01-B", "Xã Đông Anh", "2", "1", "50.00", "0.00", ""]  # the second is overdue on 31 March
    assert by_code["T01-X"][2] == "'=cmd|' /C calc'!A0"
    again = client.get("/api/v1/open/indicators.csv", {"month": "2026-03"}, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    json_first = client.get("/api/v1/open/indicators", {"month": "2026-03"})
    assert json_first["Cache-Control"] == "public, max-age=3600" and json_first["Last-Modified"].endswith("GMT")
    assert client.get("/api/v1/open/indicators", {"month": "2026-03"}, HTTP_IF_NONE_MATCH=json_first["ETag"]).status_code == 304


def test_default_month_is_the_last_full_month_in_vietnam(client, place, monkeypatch):
    from congvu.api import opendata

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            # 1 April 2026 at 00:30 in Hanoi is still 31 March in UTC: the last full month is March.
            return dt.datetime(2026, 3, 31, 17, 30, tzinfo=dt.timezone.utc).astimezone(tz)

    monkeypatch.setattr(opendata.dt, "datetime", Clock)
    assert client.get("/api/v1/open/indicators").json()["month"] == "2026-03"


@pytest.mark.parametrize("month, code", [("2026-13", "invalid_month"), ("2026-00", "invalid_month"), ("March", "validation_error"),
                                         ("2099-01", "invalid_month")])
def test_bad_month_is_422_structured(client, place, month, code):
    response = client.get("/api/v1/open/indicators", {"month": month})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code and body["message"] and list(body["fields"]) == ["month"]
    assert client.get("/api/v1/open/indicators.csv", {"month": month}).status_code == 422


def test_unknown_province_is_404(client, place):
    response = client.get("/api/v1/open/indicators", {"province": "XX"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_documented_in_the_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/open/procedures", "/api/v1/open/procedures.csv", "/api/v1/open/indicators", "/api/v1/open/indicators.csv"):
        assert path in paths and paths[path]["get"]["description"]
        assert not paths[path]["get"].get("security")
    assert "IndicatorsOut" in str(paths["/api/v1/open/indicators"]["get"]["responses"]["200"])
    assert "text/csv" in paths["/api/v1/open/indicators.csv"]["get"]["responses"]["200"]["content"]
    assert "304" in paths["/api/v1/open/procedures"]["get"]["responses"]
    assert schema["components"]["schemas"]["IndicatorRowOut"]["properties"]["on_time_rate"]["description"]


def test_transparency_page_links_to_the_open_data(client, place):
    html = client.get("/minh-bach/").content.decode()
    assert "Dữ liệu mở, được tự do sử dụng lại:" in html
    assert 'href="/api/v1/open/indicators.csv"' in html and 'href="/api/v1/open/procedures.csv"' in html
