"""The citizen signs in through the identity provider and sees every dossier filed under their personal ID,
each linking to its lookup page; the header offers sign-in and sign-out; without a configured provider the
link is hidden and the page says so."""

import re
import urllib.parse

import pytest
from django.urls import reverse

from congvu.citizens.identity import signed_in_citizen
from congvu.dossiers.services import submit_online
from tests.citizens.conftest import PERSONAL_ID, at_provider, local_path, sign_in, start
from tests.dossiers.conftest import CITIZEN, catalogue, place, staff  # noqa: F401

pytestmark = pytest.mark.django_db
MY_DOSSIERS = reverse("citizens:my_dossiers")


@pytest.fixture
def dossiers(place, catalogue):
    mine = [submit_online(place.centre, catalogue.five, dict(CITIZEN)) for _ in range(2)]
    other = submit_online(place.centre, catalogue.five, dict(CITIZEN, full_name="Trần Thị Bình", personal_id="001190054321"))
    return mine, other


def test_sign_in_lists_my_dossiers_only_with_links_to_their_lookup(client, oidc_provider, dossiers):
    mine, other = dossiers
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == MY_DOSSIERS
    page = client.get(MY_DOSSIERS)
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    for d in mine:
        assert d.code in html
    assert other.code not in html and "Trần Thị Bình" not in html
    assert "Hồ sơ của tôi" in html and "Nguyễn Văn An" in html
    assert PERSONAL_ID not in html and "0010****2345" in html  # the number masked even to its owner
    assert "Đã nộp trực tuyến, chờ tiếp nhận" in html or "chờ tiếp nhận" in html
    # Every link opens the dossier's lookup page.
    links = re.findall(r'href="(http://testserver/tra-cuu/[^"]+)"', html)
    assert len(links) == 2
    for link in links:
        assert client.get(local_path(link.replace("&amp;", "&"))).status_code == 200


def test_identity_from_the_provider_is_what_other_apps_see(client, rf, oidc_provider, dossiers):
    before = client.session.session_key
    sign_in(client)
    request = rf.get("/")
    request.session = client.session
    citizen = signed_in_citizen(request)
    assert citizen.personal_id == PERSONAL_ID and citizen.full_name == "Nguyễn Văn An"
    assert citizen.issuer == oidc_provider.issuer and citizen.subject == f"sub-{PERSONAL_ID}"
    assert client.session.session_key != before  # session fixation: the key changed at sign-in


def test_after_sign_in_the_citizen_returns_to_the_page_they_started_from(client, oidc_provider, place, catalogue):
    response = sign_in(client, next_url="/tra-cuu/?x=1")
    assert response.status_code == 302 and response["Location"] == "/tra-cuu/?x=1"


def test_claims_only_in_userinfo_are_fetched_and_tied_to_the_same_subject(client, oidc_provider, dossiers):
    oidc_provider.misbehave.claims_in_userinfo_only = True
    assert sign_in(client).status_code == 302
    assert dossiers[0][0].code in client.get(MY_DOSSIERS).content.decode()


def test_no_dossier_yet(client, oidc_provider, place):
    oidc_provider.sign_in_as("079200000001", "Lê Văn Cường")
    sign_in(client)
    html = client.get(MY_DOSSIERS).content.decode()
    assert "Chưa có hồ sơ nào nộp theo số định danh cá nhân của bạn." in html


def test_header_offers_sign_in_then_my_dossiers_and_sign_out(client, oidc_provider, dossiers):
    home = client.get("/").content.decode()
    assert reverse("citizens:sign_in") in home and "Đăng nhập" in home and reverse("citizens:sign_out") not in home
    sign_in(client)
    home = client.get("/").content.decode()
    assert reverse("citizens:sign_out") in home and f'href="{MY_DOSSIERS}"' in home
    # Staff pages keep their own header: no citizen links there.
    assert reverse("citizens:sign_in") not in client.get(reverse("staff:login")).content.decode()


def test_sign_out_is_a_post_and_forgets_the_citizen(client, oidc_provider, dossiers):
    sign_in(client)
    assert client.get(reverse("citizens:sign_out")).status_code == 405  # a link or <img> cannot sign anyone out
    key = client.session.session_key
    response = client.post(reverse("citizens:sign_out"))
    assert response.status_code == 303 and response["Location"] == reverse("portal:home")
    assert client.session.session_key != key
    html = client.get(MY_DOSSIERS).content.decode()
    assert dossiers[0][0].code not in html and "Đăng nhập bằng tài khoản định danh quốc gia" in html


def test_sign_out_needs_the_csrf_token(oidc_provider, dossiers):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    sign_in(browser)
    assert browser.post(reverse("citizens:sign_out")).status_code == 403
    assert dossiers[0][0].code in browser.get(MY_DOSSIERS).content.decode()


def test_the_sign_in_expires(client, oidc_provider, dossiers, settings, monkeypatch):
    sign_in(client)
    import time as real_time

    later = real_time.time() + settings.CITIZEN_OIDC["session_seconds"] + 1
    monkeypatch.setattr("congvu.citizens.identity.time.time", lambda: later)
    assert dossiers[0][0].code not in client.get(MY_DOSSIERS).content.decode()


def test_anonymous_page_offers_the_sign_in(client, oidc_provider):
    html = client.get(MY_DOSSIERS).content.decode()
    assert f'{reverse("citizens:sign_in")}?next={MY_DOSSIERS}' in html


def test_authorization_request_carries_pkce_state_and_nonce(client, oidc_provider):
    url = start(client)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert url.startswith(oidc_provider.issuer + "/authorize?")
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43 and query["state"] != query["nonce"]
    assert query["redirect_uri"] == "http://testserver" + reverse("citizens:callback")
    assert "code_verifier" not in url and "client_secret" not in url
    at_provider(url)  # the provider accepts it


def test_without_configuration_no_link_and_the_page_says_so(client, settings, place):
    settings.CITIZEN_OIDC = {"issuer": "", "client_id": ""}
    home = client.get("/").content.decode()
    assert reverse("citizens:sign_in") not in home and reverse("citizens:my_dossiers") not in home
    page = client.get(MY_DOSSIERS)
    assert page.status_code == 200
    assert "Cổng này chưa hỗ trợ đăng nhập bằng tài khoản định danh quốc gia." in page.content.decode()
    assert client.get(reverse("citizens:sign_in")).status_code == 302  # back to that page, not a 500
    callback = client.get(reverse("citizens:callback"), {"code": "x", "state": "y"})
    assert callback.status_code == 404 and "chưa hỗ trợ" in callback.content.decode()


def test_english_page(client, oidc_provider, dossiers):
    sign_in(client)
    client.post(reverse("set_language"), {"language": "en", "next": MY_DOSSIERS})
    html = client.get(MY_DOSSIERS).content.decode()
    assert "My dossiers" in html and "2 dossiers were filed under your personal identification number" in html
