"""API tokens: scopes enforced per operation, the owning unit bounds what the token reaches, revoked and expired
tokens refused, last use recorded; the administrators' page issues (value shown once) and revokes."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from congvu.accounts.models import AccountAction, AccountEvent
from congvu.accounts.tokens import intersect
from congvu.dossiers.models import Dossier
from congvu.units import services as units
from congvu.units.models import ApiScope, ApiToken, Role, Unit
from congvu.units.selectors import Scope, scope_for_unit
from tests.accounts.conftest import PASSWORD
from tests.dossiers.conftest import CITIZEN, submit_ids

pytestmark = pytest.mark.django_db
BASE = "/api/v1/dossiers"
PAGE = "/staff/accounts/khoa-api/"


def _auth(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _create(client, raw, unit="T01-A-TT", catalogue=None):
    body = {"procedure": "1.004884", "unit": unit, "applicant": CITIZEN, "checked_document_ids": submit_ids(catalogue.five)}
    return client.post(BASE, json.dumps(body), content_type="application/json", **_auth(raw))


def test_each_operation_needs_its_scope(client, staff, place, catalogue):
    _row, writer = ApiToken.issue("Phần mềm một cửa", place.centre, staff.officer, [ApiScope.DOSSIERS_WRITE, ApiScope.DOSSIERS_READ])
    _row, reader = ApiToken.issue("Bảng tin", place.centre, staff.officer, [ApiScope.DOSSIERS_READ])
    _row, gateway_only = ApiToken.issue("Cổng", place.centre, staff.officer, [ApiScope.NATIONAL_RECEIVE])

    created = _create(client, writer, catalogue=catalogue)
    assert created.status_code == 201, created.content
    code = created.json()["code"]

    refused = _create(client, reader, catalogue=catalogue)
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope" and "dossiers:write" in refused.json()["message"]
    act = client.post(f"{BASE}/{code}/actions/start_processing", "{}", content_type="application/json", **_auth(reader))
    assert act.status_code == 403 and act.json()["code"] == "insufficient_scope"
    assert client.get(f"{BASE}/{code}", **_auth(reader)).status_code == 200
    assert client.get(f"{BASE}/{code}/events", **_auth(reader)).status_code == 200
    assert client.get(BASE, **_auth(gateway_only)).json()["code"] == "insufficient_scope"
    national = client.post("/api/v1/national/dossiers", "{}", content_type="application/json", **_auth(reader))
    assert national.status_code == 403 and national.json()["code"] == "insufficient_scope"
    assert Dossier.objects.count() == 1


def test_the_owning_unit_bounds_a_wide_account(client, staff, place, catalogue):
    """A system administrator's account reaches the whole installation; its token owned by commune B reaches only B."""
    admin = units.create_staff_member("api-tinh", "Tài khoản hệ thống", place.province, Role.SYSTEM_ADMIN, password=PASSWORD).user
    _row, whole = ApiToken.issue("Trục tích hợp tỉnh", place.province, admin)
    _row, commune_b = ApiToken.issue("Phần mềm xã Đông Anh", place.b, admin)
    _row, officer = ApiToken.issue("Một cửa", place.centre, staff.officer)
    code = _create(client, officer, catalogue=catalogue).json()["code"]  # received at the centre of commune A
    assert client.get(f"{BASE}/{code}", **_auth(whole)).status_code == 200
    assert client.get(f"{BASE}/{code}", **_auth(commune_b)).status_code == 404
    assert client.get(BASE, **_auth(commune_b)).json()["count"] == 0
    refused = _create(client, commune_b, catalogue=catalogue)
    assert refused.status_code == 422 and "unit" in refused.json()["fields"]
    assert Dossier.objects.count() == 1


def test_a_token_whose_unit_and_account_share_nothing_is_refused(client, staff, place):
    _row, raw = ApiToken.issue("Nhầm đơn vị", place.b, staff.officer)  # officer of the centre in commune A
    response = client.get(BASE, **_auth(raw))
    assert response.status_code == 403 and response.json()["code"] == "token_outside_scope"


def test_revoked_expired_and_forged_tokens_are_refused(client, staff, place):
    row, raw = ApiToken.issue("Cũ", place.centre, staff.officer)
    assert client.get(BASE, **_auth(raw)).status_code == 200
    row.expires_at = timezone.now() - dt.timedelta(seconds=1)
    row.save()
    assert client.get(BASE, **_auth(raw)).status_code == 401
    row.expires_at = None
    row.revoked_at = timezone.now()
    row.save()
    assert client.get(BASE, **_auth(raw)).status_code == 401
    for forged in (row.token_hash, raw + "x", "A" * 10_000, "x\x00y", "", " ", "Bearer"):
        response = client.get(BASE, HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated", forged[:20]


def test_last_use_and_address_are_recorded_at_most_once_a_minute(client, staff, place):
    row, raw = ApiToken.issue("Ghi nhận", place.centre, staff.officer)
    client.get(BASE, REMOTE_ADDR="192.0.2.10", **_auth(raw))
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None and row.last_used_ip == "192.0.2.10"
    client.get(BASE, REMOTE_ADDR="192.0.2.11", **_auth(raw))
    row.refresh_from_db()
    assert row.last_used_at == first and row.last_used_ip == "192.0.2.10"


def test_scope_intersection_keeps_only_units_both_reach(place):
    a, b = scope_for_unit(place.a), scope_for_unit(place.b)
    province = scope_for_unit(place.province)
    assert intersect(province, a) == a and intersect(a, province) == a
    assert intersect(a, b).is_empty
    assert intersect(Scope(everything=True), b) == b
    # A merged ward (a single unit in a scope) is kept only when the other scope covers it.
    merged = Unit.objects.get(pk=place.b.pk)
    both = intersect(Scope(False, (place.a.path,), frozenset({merged.pk})), province)
    assert both.prefixes == (place.a.path,) and both.unit_ids == frozenset({merged.pk})
    assert intersect(Scope(False, (), frozenset({merged.pk})), a).is_empty


def test_the_selectors_read_the_bound_scope(staff, place):
    """The token's scope is installed where units.selectors.scope_of keeps a user's scope for the request."""
    from congvu.accounts.tokens import bound_scope
    from congvu.units.selectors import scope_of

    admin = units.create_staff_member("api-tinh", "Tài khoản hệ thống", place.province, Role.SYSTEM_ADMIN, password=PASSWORD).user
    token, _raw = ApiToken.issue("Xã B", place.b, admin)
    bound = bound_scope(token)
    assert scope_of(token.acts_as) is bound and not bound.everything and bound.covers(place.b) and not bound.covers(place.a)


# ------------------------------------------------------------------------------------------------ staff page


def test_only_system_administrators_open_the_token_page(client, staff, admin_user):
    assert client.get(PAGE).status_code == 302  # anonymous: sign in
    client.force_login(staff.leader)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "x"}).status_code == 403
    client.force_login(admin_user)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Cấp khoá mới" in page.content.decode()


def test_issuing_shows_the_value_once_and_stores_only_its_hash(client, staff, place, admin_user):
    client.force_login(admin_user)
    response = client.post(PAGE, {
        "name": "Phần mềm một cửa <b>x</b>", "unit": "T01-A-TT", "acts_as": "motcua",
        "scopes": [ApiScope.DOSSIERS_READ], "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    })
    html = response.content.decode()
    assert response.status_code == 201 and "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    raw = html.split('id="new-token-value">')[1].split("<")[0]
    assert len(raw) == 43 and token.token_hash == ApiToken.hash(raw) and raw not in token.token_hash
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert token.scopes == ["dossiers:read"] and token.created_by == admin_user and token.unit == place.centre
    assert timezone.localtime(token.expires_at).date() == timezone.localdate() + dt.timedelta(days=31)
    assert AccountEvent.objects.get(action=AccountAction.TOKEN_ISSUED).token == token
    # Not in the session or a cookie (Django's messages would have put it there), not on the next page.
    assert raw not in str(dict(client.session)) and raw not in str(client.cookies)
    assert raw not in client.get(PAGE).content.decode()
    assert client.__class__().get(BASE, **_auth(raw)).status_code == 200


@pytest.mark.parametrize("change, field", [
    ({"unit": "KHONG-CO"}, "unit"),
    ({"acts_as": "khong-co"}, "acts_as"),
    ({"scopes": []}, "scopes"),
    ({"scopes": ["admin:everything"]}, "scopes"),
    ({"expires_on": "2001-01-01"}, "expires_on"),
    ({"expires_on": "not-a-date"}, "expires_on"),
    ({"name": "   "}, "name"),
    ({"unit": "T01-B"}, None),  # the officer of commune A's centre cannot reach commune B
])
def test_bad_issue_requests_are_refused_with_a_message_and_write_nothing(client, staff, admin_user, change, field):
    client.force_login(admin_user)
    data = {"name": "Phần mềm", "unit": "T01-A-TT", "acts_as": "motcua", "scopes": [ApiScope.DOSSIERS_READ], **change}
    response = client.post(PAGE, data)
    assert response.status_code == 422
    assert ApiToken.objects.count() == 0 and not AccountEvent.objects.exists()
    html = response.content.decode()
    assert ("invalid-feedback" in html) if field else ("nằm ngoài phạm vi" in html)


def test_a_token_cannot_act_as_a_superuser(client, admin_user):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(admin_user)
    response = client.post(PAGE, {"name": "x", "unit": "T01", "acts_as": "root", "scopes": [ApiScope.DOSSIERS_READ]})
    assert response.status_code == 422 and "quản trị tối cao" in response.content.decode() and not ApiToken.objects.exists()


def test_revoking_takes_effect_at_once_and_is_logged(client, staff, place, admin_user):
    row, raw = ApiToken.issue("Sắp thu hồi", place.centre, staff.officer)
    client.force_login(admin_user)
    url = f"/staff/accounts/khoa-api/{row.pk}/thu-hoi/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == admin_user
    assert client.__class__().get(BASE, **_auth(raw)).status_code == 401
    assert AccountEvent.objects.filter(action=AccountAction.TOKEN_REVOKED, token=row).count() == 1
    again = client.post(url, follow=True)
    assert "đã bị thu hồi" in again.content.decode() and AccountEvent.objects.filter(action=AccountAction.TOKEN_REVOKED).count() == 1
    assert client.post("/staff/accounts/khoa-api/999999/thu-hoi/").status_code == 404


def test_the_django_admin_lists_tokens_but_issues_none(client, staff, place):
    """Issuing in the admin put the new value in a Django message, i.e. in a cookie or the session table."""
    from django.contrib.auth import get_user_model

    row, _raw = ApiToken.issue("Cổng", place.centre, staff.officer)
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x"))
    assert client.get("/admin/units/apitoken/").status_code == 200
    assert client.get("/admin/units/apitoken/add/").status_code == 403
    assert client.post(f"/admin/units/apitoken/{row.pk}/change/", {"name": "đổi", "scopes": "[]"}).status_code == 403
    row.refresh_from_db()
    assert row.name == "Cổng"
