"""GET /api/v1/units and /api/v1/units/{code}: session auth, scope, pages, the error contract, OpenAPI."""

import pytest

from congvu.units import services
from congvu.units.models import Role, UnitKind

pytestmark = pytest.mark.django_db

LIST = "/api/v1/units"


def detail(code):
    return f"/api/v1/units/{code}"


@pytest.fixture
def officer_client(client, tree, make_staff):
    client.force_login(make_staff(tree.a))
    return client


def test_anonymous_gets_401_json(client, tree):
    for url in (LIST, detail("T01-A")):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated" and response.json()["message"]


def test_list_is_scoped_with_parents_and_successors(officer_client):
    body = officer_client.get(LIST).json()
    assert body["count"] == 3 and body["page"] == 1 and body["pages"] == 1
    by_code = {item["code"]: item for item in body["items"]}
    assert set(by_code) == {"T01-A", "T01-A-MC", "TL-A"}
    assert by_code["T01-A-MC"]["parent"] == {"code": "T01-A", "name": "Phường Hoàn Kiếm"}
    assert by_code["TL-A"]["successor"]["code"] == "T01-A" and by_code["TL-A"]["active"] is False
    assert by_code["T01-A"]["phone"] == "024 3825 3536"


def test_list_search_kind_and_stable_pages(client, tree, make_staff):
    client.force_login(make_staff(tree.province, Role.REFORM_ADMIN))
    for n in range(7):
        services.add_unit(f"Tổ {n}", UnitKind.OFFICE, f"T01-B-{n}", parent=tree.b)
    assert [i["code"] for i in client.get(LIST, {"q": "dong anh"}).json()["items"]] == ["T01-B"]
    assert {i["code"] for i in client.get(LIST, {"kind": "commune"}).json()["items"]} == {"T01-A", "T01-B", "TL-A"}
    pages = [client.get(LIST, {"page": p, "page_size": 5}).json() for p in (1, 2, 3)]
    assert [p["count"] for p in pages] == [12, 12, 12] and pages[0]["pages"] == 3
    seen = [i["code"] for p in pages for i in p["items"]]
    assert len(seen) == 12 == len(set(seen))
    assert seen == [i["code"] for i in client.get(LIST, {"page_size": 50}).json()["items"]]


@pytest.mark.parametrize("params", [{"kind": "planet"}, {"page": 0}, {"page": "x"}, {"page_size": 1000}])
def test_bad_parameters_get_422_json(officer_client, params):
    response = officer_client.get(LIST, params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_detail_in_scope(officer_client):
    body = officer_client.get(detail("T01-A")).json()
    assert body["name"] == "Phường Hoàn Kiếm" and body["kind"] == "commune"
    assert body["ancestors"] == [{"code": "T01", "name": "Tỉnh Thử Nghiệm"}]
    assert body["children"] == [{"code": "T01-A-MC", "name": "Bộ phận một cửa phường Hoàn Kiếm"}]
    assert body["predecessors"] == [{"code": "TL-A", "name": "Phường Hàng Trống"}]


@pytest.mark.parametrize("code", ["T01-B", "T01", "T02-A", "NOPE"])
def test_detail_out_of_scope_is_404_json_like_a_missing_unit(officer_client, code):
    response = officer_client.get(detail(code))
    assert response.status_code == 404
    assert response.json() == {"code": "unit_not_found", "message": "Không tìm thấy đơn vị, hoặc bạn không có quyền xem đơn vị này.", "fields": {}}


def test_openapi_declares_every_response(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = {p: v for p, v in spec["paths"].items() if p.rstrip("/").endswith("/units") or "/units/{code}" in p}
    list_op = next(v["get"] for p, v in paths.items() if p.rstrip("/").endswith("/units"))
    detail_op = next(v["get"] for p, v in paths.items() if "{code}" in p)
    assert {"200", "401", "422"} <= {str(code) for code in list_op["responses"]}
    assert {"200", "401", "404"} <= {str(code) for code in detail_op["responses"]}

