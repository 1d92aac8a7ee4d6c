"""Hostile answers and hostile links on the citizen sign-in: every one is refused with a Vietnamese page, no
500, and nobody is signed in. The provider is the real loopback one, told to misbehave."""

import json
import time
import urllib.parse

import jwt
import pytest
from django.test import Client
from django.urls import reverse

from congvu.citizens import oidc, signin
from congvu.citizens.identity import SESSION_KEY
from tests.citizens.conftest import CLIENT_ID, PERSONAL_ID, at_provider, local_path, sign_in, start

pytestmark = pytest.mark.django_db
CALLBACK = reverse("citizens:callback")


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def refused(response, status: int, words: str) -> None:
    html = response.content.decode()
    assert response.status_code == status, (response.status_code, html[:300])
    assert "Đăng nhập không thành công" in html and words in html, html
    assert response["Cache-Control"].startswith("max-age=0")


NOW = int(time.time())
HOSTILE_ID_TOKENS = {
    "wrong audience": {"id_token_claims": {"aud": "another-client"}},
    "several audiences without azp": {"id_token_claims": {"aud": [CLIENT_ID, "another-client"]}},
    "azp of another client": {"id_token_claims": {"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}},
    "expired": {"id_token_claims": {"exp": NOW - 3600, "iat": NOW - 7200}},
    "issued long ago, exp far away": {"id_token_claims": {"iat": NOW - 3600, "exp": NOW + 3600}},
    "issued in the future": {"id_token_claims": {"iat": NOW + 3600}},
    "another issuer": {"id_token_claims": {"iss": "https://evil.example"}},
    "nonce of another sign-in": {"id_token_claims": {"nonce": "replayed-nonce"}},
    "no nonce": {"id_token_claims": {"nonce": None}},
    "no exp": {"id_token_claims": {"exp": None}},
    "no sub": {"id_token_claims": {"sub": None}},
    "alg none": {"sign_with": "none"},
    "HS256 signed with the public key": {"sign_with": "hs256-public-key"},
    "forged signature (key not in the JWKS)": {"sign_with": "other-key"},
    "unknown kid": {"id_token_header": {"kid": "not-a-key"}},
    "at_hash of another access token": {"id_token_claims": {"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}},
}


@pytest.mark.parametrize("misbehaviour", HOSTILE_ID_TOKENS.values(), ids=HOSTILE_ID_TOKENS.keys())
def test_hostile_id_token_is_refused(client, oidc_provider, misbehaviour):
    for name, value in misbehaviour.items():
        setattr(oidc_provider.misbehave, name, value)
    refused(sign_in(client), 502, "Không kiểm chứng được xác nhận của dịch vụ định danh")
    assert not signed_in(client)


BAD_PERSONAL_IDS = {"missing": None, "old 9-digit ID card": "012345678", "letters": "00109001234X", "13 digits": "0010900123456",
                    "non-ASCII digits": "００１０９００１２３４５", "a list": ["001090012345"], "a boolean": True}


@pytest.mark.parametrize("value", BAD_PERSONAL_IDS.values(), ids=BAD_PERSONAL_IDS.keys())
def test_no_usable_personal_id_no_sign_in(client, oidc_provider, value):
    oidc_provider.misbehave.id_token_claims = {"personal_id": value}
    oidc_provider.misbehave.userinfo = {"personal_id": value}
    refused(sign_in(client), 403, "không cung cấp số định danh cá nhân 12 chữ số")
    assert not signed_in(client)


def test_personal_id_formatted_with_spaces_is_accepted(client, oidc_provider):
    oidc_provider.sign_in_as("001 090 012 345")
    assert sign_in(client).status_code == 302 and client.session[SESSION_KEY]["identity"]["personal_id"] == PERSONAL_ID


def test_userinfo_of_another_subject_is_refused(client, oidc_provider):
    oidc_provider.misbehave.claims_in_userinfo_only = True
    oidc_provider.misbehave.userinfo = {"sub": "someone-else", "personal_id": "079200000001"}
    refused(sign_in(client), 502, "Không kiểm chứng được")
    assert not signed_in(client)


def test_userinfo_cannot_override_the_signed_id_token(client, oidc_provider):
    # The id_token says one number; a substituted userinfo answer says another: the signed one wins.
    oidc_provider.misbehave.userinfo = {"personal_id": "079200000001"}
    sign_in(client)
    assert client.session[SESSION_KEY]["identity"]["personal_id"] == PERSONAL_ID


def test_callback_replayed_is_refused(client, oidc_provider):
    back = local_path(at_provider(start(client)))
    assert client.get(back).status_code == 302
    client.post(reverse("citizens:sign_out"))
    refused(client.get(back), 400, "đã được dùng, đã hết hạn hoặc không được bắt đầu từ trình duyệt này")
    assert not signed_in(client)


def test_state_replayed_with_a_fresh_code_is_refused(client, oidc_provider):
    # The first attempt's state is spent even when its answer failed; a second code for it does not help.
    url = start(client)
    oidc_provider.misbehave.id_token_claims = {"aud": "another-client"}
    first = local_path(at_provider(url))
    assert client.get(first).status_code == 502
    oidc_provider.misbehave.id_token_claims = {}
    refused(client.get(local_path(at_provider(url))), 400, "đã được dùng")
    assert not signed_in(client)


def test_login_csrf_an_answer_from_another_browser_is_refused(client, oidc_provider):
    # The attacker starts a sign-in with their own account and sends the callback link to the victim.
    attacker = Client()
    back = local_path(at_provider(start(attacker)))
    refused(client.get(back), 400, "không được bắt đầu từ trình duyệt này")
    assert not signed_in(client)
    assert oidc_provider.token_requests == []  # refused before the code was ever redeemed


@pytest.mark.parametrize("query", [{}, {"code": "x"}, {"state": ""}, {"state": "x" * 5000, "code": "y"}, {"state": ["a", "b"]}])
def test_callback_without_a_known_state(client, oidc_provider, query):
    start(client)
    refused(client.get(CALLBACK, query), 400, "đã được dùng")
    assert not signed_in(client)


def test_attempt_older_than_ten_minutes_is_refused(client, oidc_provider, monkeypatch):
    back = local_path(at_provider(start(client)))
    later = time.time() + signin.ATTEMPT_SECONDS + 1
    monkeypatch.setattr("congvu.citizens.signin.time.time", lambda: later)
    refused(client.get(back), 400, "đã hết hạn")


def test_only_the_newest_attempts_are_kept(client, oidc_provider):
    first = start(client)
    for _ in range(signin.MAX_PENDING):
        start(client)
    refused(client.get(local_path(at_provider(first))), 400, "đã được dùng")


def test_provider_error_and_cancel(client, oidc_provider):
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start(client)).query))["state"]
    refused(client.get(CALLBACK, {"state": state, "error": "access_denied"}), 400, "bị hủy hoặc bị dịch vụ định danh từ chối")
    refused(client.get(CALLBACK, {"state": state, "code": "x"}), 400, "đã được dùng")  # spent by the error


def test_mix_up_authorization_response_from_another_issuer(client, oidc_provider):
    oidc_provider.misbehave.authorize_params = {"iss": "https://evil.example"}
    refused(sign_in(client), 400, "bị hủy hoặc bị dịch vụ định danh từ chối")
    assert oidc_provider.token_requests == [] and not signed_in(client)


def test_code_stolen_without_the_verifier_is_useless(client, oidc_provider):
    # The provider checks PKCE; our token request always carries the verifier of this attempt.
    sign_in(client)
    (request,) = oidc_provider.token_requests
    assert len(request["code_verifier"]) >= 43 and "client_secret" not in request  # secret in the Basic header


def test_wrong_client_secret(client, oidc_provider, settings):
    settings.CITIZEN_OIDC = {**settings.CITIZEN_OIDC, "client_secret": "wrong"}
    refused(sign_in(client), 502, "không xác nhận việc đăng nhập")


OPEN_REDIRECTS = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
                  "http:/evil.example", "/\t/evil.example", " //evil.example", "evil.example", "/%0a/evil", "https:evil.example"]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_cannot_leave_the_site(client, oidc_provider, target):
    response = sign_in(client, next_url=target)
    assert response.status_code == 302
    location = response["Location"]
    assert location == reverse("citizens:my_dossiers") or (location.startswith("/") and not location.startswith("//") and "\\" not in location), location


def test_next_inside_the_site_is_kept_but_not_the_sign_in_pages():
    assert signin.safe_next(None, "/tra-cuu/?a=1&b=2") == "/tra-cuu/?a=1&b=2"
    assert signin.safe_next(None, CALLBACK + "?code=x&state=y") == reverse("citizens:my_dossiers")


def test_provider_unreachable(client, oidc_provider, settings):
    settings.CITIZEN_OIDC = {**settings.CITIZEN_OIDC, "issuer": "http://127.0.0.1:9"}
    refused(client.get(reverse("citizens:sign_in")), 502, "Hiện không kết nối được với dịch vụ định danh")


def test_provider_down_between_start_and_callback(client, oidc_provider, monkeypatch):
    back = local_path(at_provider(start(client)))
    metadata = oidc.discover(signin.client_config())
    dead = oidc.ProviderMetadata(**{**metadata.__dict__, "token_endpoint": "http://127.0.0.1:9/token"})
    monkeypatch.setattr(oidc, "discover", lambda config: dead)
    refused(client.get(back), 502, "Hiện không kết nối được")


def test_discovery_naming_another_issuer_is_refused(client, oidc_provider, monkeypatch):
    honest = oidc_provider.metadata
    monkeypatch.setattr(oidc_provider, "metadata", lambda: {**honest(), "issuer": "https://evil.example"})
    refused(client.get(reverse("citizens:sign_in")), 502, "không chấp nhận được")


def test_discovery_sending_the_token_exchange_over_plain_http_is_refused(client, oidc_provider, monkeypatch):
    honest = oidc_provider.metadata
    monkeypatch.setattr(oidc_provider, "metadata", lambda: {**honest(), "token_endpoint": "http://idp.example/token"})
    refused(client.get(reverse("citizens:sign_in")), 502, "không chấp nhận được")


def test_discovery_with_only_hmac_algorithms_is_refused(client, oidc_provider, monkeypatch):
    honest = oidc_provider.metadata
    monkeypatch.setattr(oidc_provider, "metadata", lambda: {**honest(), "id_token_signing_alg_values_supported": ["HS256", "none"]})
    refused(client.get(reverse("citizens:sign_in")), 502, "không chấp nhận được")


def test_key_rotation_refetches_the_key_set(client, oidc_provider):
    assert sign_in(client).status_code == 302
    client.post(reverse("citizens:sign_out"))
    oidc_provider.key, oidc_provider.other_key = oidc_provider.other_key, oidc_provider.key
    oidc_provider.kid = "congvu-test-2"
    try:
        # A new kid within a minute of the last fetch: refetching is limited (a provider sending unknown kids
        # must not make us hammer its JWKS), so this one is refused…
        assert sign_in(client).status_code == 502 and not signed_in(client)
        # …and once the minute is over the new key set is fetched and the sign-in works.
        for uri, (at, doc) in list(oidc._key_sets.items()):
            oidc._key_sets[uri] = (at - oidc.JWKS_REFRESH_MIN, doc)
        assert sign_in(client).status_code == 302 and signed_in(client)
        # The old key with the old kid is gone from the new set: a token signed with it is refused.
        client.post(reverse("citizens:sign_out"))
        oidc_provider.misbehave.sign_with = "other-key"
        oidc_provider.misbehave.id_token_header = {"kid": "congvu-test-1"}
        assert sign_in(client).status_code == 502 and not signed_in(client)
    finally:
        oidc_provider.key, oidc_provider.other_key = oidc_provider.other_key, oidc_provider.key
        oidc_provider.kid = "congvu-test-1"


def test_sign_in_start_is_rate_limited(client, oidc_provider, settings):
    settings.CONGVU_RATE_LIMITS = {"citizen-sign-in": (2, 600)}
    start(client)
    start(client)
    response = client.get(reverse("citizens:sign_in"))
    assert response.status_code == 429 and "Có quá nhiều lượt đăng nhập" in response.content.decode()
    assert response["Retry-After"]


def test_session_planted_before_sign_in_is_worthless(client, oidc_provider):
    start(client)
    planted = client.session.session_key
    sign_in(client)
    assert client.session.session_key != planted
    from django.contrib.sessions.backends.db import SessionStore

    assert SESSION_KEY not in SessionStore(session_key=planted).load()


def test_oversized_provider_answer_is_refused(monkeypatch):
    big = json.dumps({"issuer": "x", "pad": "a" * (oidc.MAX_RESPONSE_BYTES + 10)}).encode()

    class Answer:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, n):
            return big[:n]

    monkeypatch.setattr(oidc._opener, "open", lambda request, timeout: Answer())
    with pytest.raises(oidc.SignInError) as error:
        oidc.discover(oidc.ClientConfig(issuer="https://idp.example", client_id="c"))
    assert error.value.failure is oidc.Failure.PROVIDER_MISCONFIGURED


@pytest.mark.parametrize("url", ["http://idp.example", "ftp://idp.example", "https://", "file:///etc/passwd", "", "http://10.0.0.1"])
def test_endpoints_must_be_https_except_loopback(url):
    with pytest.raises(oidc.SignInError):
        oidc._check_endpoint(url, "issuer")


@pytest.mark.parametrize("url", ["https://idp.example/x", "http://127.0.0.1:18200", "http://localhost:1", "http://[::1]:5"])
def test_endpoints_accepted(url):
    assert oidc._check_endpoint(url, "issuer") == url


def test_identity_refuses_malformed_numbers():
    from congvu.citizens.identity import CitizenIdentity

    for bad in ["", "12345", "00109001234a", "001090012345\n", 1090012345]:
        with pytest.raises(ValueError):
            CitizenIdentity(personal_id=bad, full_name="A", issuer="https://x", subject="s")
    with pytest.raises(ValueError):
        CitizenIdentity(personal_id=PERSONAL_ID, full_name="A", issuer="", subject="s")


def test_a_tampered_session_entry_is_signed_out(client, oidc_provider):
    sign_in(client)
    session = client.session
    session[SESSION_KEY] = {"identity": {"personal_id": "0010900", "full_name": "x", "issuer": "i", "subject": "s"}, "at": time.time()}
    session.save()
    assert client.get(reverse("citizens:my_dossiers")).status_code == 200
    assert "Đăng nhập bằng tài khoản định danh quốc gia" in client.get(reverse("citizens:my_dossiers")).content.decode()


def test_id_token_validation_directly_rejects_expired_even_with_leeway(oidc_provider):
    config = signin.client_config()
    metadata = oidc.discover(config)
    now = int(time.time())  # not NOW: under xdist the test may run minutes after the module was imported
    token = jwt.encode({"iss": metadata.issuer, "aud": CLIENT_ID, "sub": "s", "nonce": "n", "iat": now - 200, "exp": now - oidc.LEEWAY_SECONDS - 5},
                       oidc_provider.key, algorithm="RS256", headers={"kid": "congvu-test-1"})
    with pytest.raises(oidc.SignInError):
        oidc.validate_id_token(metadata, config, token, nonce="n")
    fresh = jwt.encode({"iss": metadata.issuer, "aud": CLIENT_ID, "sub": "s", "nonce": "n", "iat": now, "exp": now + 60},
                       oidc_provider.key, algorithm="RS256", headers={"kid": "congvu-test-1"})
    assert oidc.validate_id_token(metadata, config, fresh, nonce="n")["sub"] == "s"
