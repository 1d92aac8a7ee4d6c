import json

import pytest

from congvu.dossiers.models import Dossier
from congvu.units.models import ApiToken
from tests.dossiers.conftest import CITIZEN, local, submit_ids

BASE = "/api/v1/dossiers"


@pytest.fixture
def client_of(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def token(staff, place):
    _row, raw = ApiToken.issue("Cổng dịch vụ công", place.centre, staff.officer)
    return raw


def _post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_create_get_act_and_events_with_a_token(client, token, catalogue):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {"procedure": "1.004884", "unit": "T01-A-TT", "applicant": CITIZEN, "checked_document_ids": submit_ids(catalogue.five)}
    r = _post(client, BASE, body, **auth)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["state"] == "received" and out["national_status"] == 2 and len(out["steps"]) == 4
    code = out["code"]
    assert client.get(f"{BASE}/{code}", **auth).json()["lock_version"] == 1
    r = _post(client, f"{BASE}/{code}/actions/start_processing", {"expected_version": 1}, **auth)
    assert r.status_code == 200 and r.json()["state"] == "processing"
    r = _post(client, f"{BASE}/{code}/actions/forward", {"expected_version": 1}, **auth)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    r = _post(client, f"{BASE}/{code}/actions/return_result", {"params": {"method": "counter", "returned_to": "A"}}, **auth)
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    r = _post(client, f"{BASE}/{code}/actions/refuse", {"params": {}}, **auth)
    assert r.status_code == 422 and "reason" in r.json()["fields"]
    events = client.get(f"{BASE}/{code}/events", **auth).json()
    assert [e["action"] for e in events] == ["receive", "start_processing"]
    page = client.get(f"{BASE}?status=processing&limit=10", **auth).json()
    assert page["count"] == 1 and page["items"][0]["code"] == code
    assert ApiToken.objects.get().last_used_at is not None


def test_bad_input_is_422_and_writes_nothing(client_of, staff, catalogue):
    c = client_of(staff.officer)
    body = {"procedure": "1.004884", "unit": "T01-A-TT", "applicant": {**CITIZEN, "personal_id": "123"}, "checked_document_ids": submit_ids(catalogue.five)}
    r = _post(c, BASE, body)
    assert r.status_code == 422 and r.json()["code"] == "applicant_invalid" and "applicant.personal_id" in r.json()["fields"]
    r = _post(c, BASE, {**body, "applicant": CITIZEN, "checked_document_ids": []})
    assert r.status_code == 422 and r.json()["code"] == "documents_missing"
    r = _post(c, BASE, {**body, "applicant": CITIZEN, "unit": "T01-B"})  # another commune: out of scope
    assert r.status_code == 422 and "unit" in r.json()["fields"]
    assert not Dossier.objects.exists()


def test_other_commune_gets_404_and_anonymous_401(client, client_of, receive, staff):
    d = receive()
    assert client.get(f"{BASE}/{d.code}").status_code == 401
    assert client.get(f"{BASE}/{d.code}", HTTP_AUTHORIZATION="Bearer sai-roi").status_code == 401
    c = client_of(staff.other)
    r = c.get(f"{BASE}/{d.code}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert c.get(BASE).json()["count"] == 0
    assert _post(c, f"{BASE}/{d.code}/actions/withdraw", {"params": {"reason": "x"}}).status_code == 404


def test_revoked_token_is_refused(client, staff, place, receive):
    row, raw = ApiToken.issue("Hệ thống cũ", place.centre, staff.officer)
    d = receive()
    assert client.get(f"{BASE}/{d.code}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    row.revoked_at = local(2026, 3, 3, 9)
    row.save()
    assert client.get(f"{BASE}/{d.code}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_openapi_declares_every_status(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = {p: v for p, v in spec["paths"].items() if p.startswith(BASE)}
    assert set(paths) == {BASE, f"{BASE}/{{code}}", f"{BASE}/{{code}}/actions/{{action}}", f"{BASE}/{{code}}/events"}
    assert set(paths[BASE]["post"]["responses"]) == {"201", "401", "403", "404", "409", "422"}
    assert set(paths[f"{BASE}/{{code}}/actions/{{action}}"]["post"]["responses"]) == {"200", "401", "403", "404", "409", "422"}
    # 403: a token without the scope dossiers:read (congvu.api.auth).
    assert set(paths[f"{BASE}/{{code}}"]["get"]["responses"]) == {"200", "401", "403", "404", "422"}
