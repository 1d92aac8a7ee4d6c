"""GET /api/v1/procedures and /api/v1/procedures/{code}: public, paginated, errors as JSON ErrorOut."""

import pytest

pytestmark = pytest.mark.django_db


def test_list_is_public_paginated_and_ordered_by_code(starter, client):
    first = client.get("/api/v1/procedures", {"limit": 20}).json()
    second = client.get("/api/v1/procedures", {"limit": 20, "offset": 20}).json()
    last = client.get("/api/v1/procedures", {"limit": 20, "offset": 40}).json()
    assert (first["count"], first["limit"], first["offset"]) == (50, 20, 0)
    codes = [i["code"] for page in (first, second, last) for i in page["items"]]
    assert len(codes) == 50 and codes == sorted(codes) and len(set(codes)) == 50


def test_list_search_is_accent_insensitive_and_filters(starter, client):
    body = client.get("/api/v1/procedures", {"q": "dang ky khai sinh"}).json()
    assert [i["code"] for i in body["items"]] == ["1.000689", "1.001193", "1.004884", "2.000528", "2.000986", "2.001023"]
    birth = next(i for i in body["items"] if i["code"] == "1.001193")
    assert birth["name"] == "Thủ tục đăng ký khai sinh"
    assert birth["field"] == {"code": "ho-tich", "name": "Hộ tịch"}
    assert birth["levels"] == ["commune"]
    assert birth["time_limit"] == {"value": 1, "unit": None, "unit_confirmed": False, "raw": "1", "same_day": False, "fast_track": False, "result_on_the_spot": False}
    assert birth["is_complete"] is False
    assert client.get("/api/v1/procedures", {"field": "dat-dai", "level": "province"}).json()["count"] == 4


def test_detail_gives_the_version_in_force_with_everything(starter, client):
    response = client.get("/api/v1/procedures/1.004222")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Đăng ký thường trú" and body["version"] == 1 and body["effective_from"] == "2025-07-01"
    assert body["time_limit"]["value"] == 7 and body["time_limit"]["unit"] == "working_days"
    assert [(f["amount_vnd"], f["channels"]) for f in body["fees"]] == [(10000, ["online"]), (20000, ["in_person"])]
    assert len(body["documents"]) == 15 and {"name", "group", "heading", "originals", "copies"} == set(body["documents"][0])
    assert "Luật Cư trú (68/2020/QH14)" in body["legal_basis"]
    assert body["results"][0] == "Cập nhật thông tin trong Cơ sở dữ liệu quốc gia về dân cư"
    assert body["is_complete"] is True and body["missing"] == []


def test_detail_of_an_incomplete_procedure_says_what_is_missing(starter, client):
    body = client.get("/api/v1/procedures/2.001610").json()
    assert body["is_complete"] is False
    assert [(m["code"], m["field"]) for m in body["missing"]] == [("fee_amount_missing", "fees[0].amount_vnd")]
    assert body["fees"][0]["amount_vnd"] is None and body["fees"][0]["raw"] == "100 VNĐ"


def test_nul_characters_in_parameters_are_not_a_server_error(starter, client):
    # PostgreSQL refuses NUL in text parameters; the catalogue must answer, not fail.
    assert client.get("/api/v1/procedures", {"q": "khai\x00sinh", "field": "ho\x00tich"}).status_code == 200
    assert client.get("/api/v1/procedures/1.001193%00").status_code == 200
    assert client.get("/thu-tuc/", {"q": "\x00"}).status_code == 200


def test_unknown_code_is_a_json_404(starter, client):
    response = client.get("/api/v1/procedures/9.999999")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Không tìm thấy thủ tục mã 9.999999.", "fields": {"code": ["không có trong danh mục"]}}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"level": "galaxy"}, {"limit": "nhiều"}])
def test_bad_parameters_are_a_json_422(starter, client, params):
    response = client.get("/api/v1/procedures", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error" and body["fields"]


def test_openapi_declares_the_endpoints_and_every_response(client):
    spec = client.get("/api/v1/openapi.json").json()
    listing = spec["paths"]["/api/v1/procedures"]["get"]
    detail = spec["paths"]["/api/v1/procedures/{code}"]["get"]
    assert set(listing["responses"]) == {"200", "422"}
    assert set(detail["responses"]) == {"200", "404", "422"}
    assert {p["name"] for p in listing["parameters"]} == {"q", "field", "level", "limit", "offset"}
    assert "security" not in listing and "security" not in detail
