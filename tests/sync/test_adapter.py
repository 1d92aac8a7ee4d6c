"""The adapter client against the fake adapter over real HTTP: configuration, the envelope, the session cached in
the database and renewed once, errors (refused login, HTTP errors, the adapter down) and the call log."""

import pytest

from congvu.sync.adapter import AdapterClient, AdapterConfig, AdapterError, client
from congvu.sync.fields import answer_kind
from congvu.sync.models import AdapterSession, PortalCall
from tests.sync.sync_fixtures import no_adapter, ops, portal  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_not_configured_without_an_adapter_url(no_adapter):
    assert AdapterConfig.from_settings() is None
    assert client() is None


def test_configuration_from_settings_with_default_endpoints(settings):
    settings.PORTAL_ADAPTER = {"adapter_url": "https://lgsp.example.vn/dvcqg/", "username": "u", "password": "p", "dstcode": "X", "madonvi": "H99"}
    config = AdapterConfig.from_settings()
    assert config.adapter_url == "https://lgsp.example.vn/dvcqg"
    assert config.auth_url == "https://lgsp.example.vn/dvcqg/auth"
    assert config.integration_url == "https://lgsp.example.vn/dvcqg/integration"
    assert (config.username, config.password, config.dstcode, config.madonvi) == ("u", "p", "X", "H99")


def test_settings_read_the_environment():
    # settings.py builds PORTAL_ADAPTER from CONGVU_PORTAL_*; the repository holds no value of its own.
    import os
    import subprocess
    import sys

    env = {**os.environ, "CONGVU_PORTAL_ADAPTER_URL": "http://gw.example.vn", "CONGVU_PORTAL_USERNAME": "tinh", "CONGVU_PORTAL_PASSWORD": "bi-mat",
           "CONGVU_PORTAL_DSTCODE": "000.00.00.H00", "CONGVU_PORTAL_UNIT_CODE": "H99", "CONGVU_PORTAL_AUTH_ENDPOINT": "/login",
           "DJANGO_SETTINGS_MODULE": "congvu.settings"}
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; p = settings.PORTAL_ADAPTER; print(p['adapter_url'], p['auth_endpoint'], "
                               "p['integration_endpoint'], p['username'], p['password'], p['dstcode'], p['madonvi'])"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert out == ["http://gw.example.vn", "/login", "/integration", "tinh", "bi-mat", "000.00.00.H00", "H99"]


def test_call_sends_the_envelope_and_caches_the_session(portal):
    adapter = client()
    answer = adapter.call("TraCuuHoSo", {"mahoso": "H99.01-260302-0001"})
    assert answer_kind(answer) == "ok" and answer.get("result") == []
    adapter.call("TraCuuHoSo", {"mahoso": "H99.01-260302-0002"})
    # One login for both calls; the session is in the database for every process.
    assert ops(portal) == ["auth", "TraCuuHoSo", "TraCuuHoSo"]
    session = AdapterSession.objects.get().session
    body = portal.received[1]
    assert body["session"] == session and body["madonvi"] == portal.settings()["madonvi"] and body["mahoso"] == "H99.01-260302-0001"
    # A second client (another worker process) reuses it.
    AdapterClient(AdapterConfig.from_settings()).call("TraCuuHoSo", {"mahoso": "x"})
    assert ops(portal).count("auth") == 1


def test_expired_session_is_renewed_once(portal):
    adapter = client()
    adapter.call("TraCuuHoSo", {"mahoso": "a"})
    old = AdapterSession.objects.get().session
    portal.expire_sessions()
    answer = adapter.call("TraCuuHoSo", {"mahoso": "b"})
    assert answer_kind(answer) == "ok"
    assert ops(portal) == ["auth", "TraCuuHoSo", "TraCuuHoSo", "auth", "TraCuuHoSo"]
    assert AdapterSession.objects.get().session != old
    assert [c.outcome for c in PortalCall.objects.order_by("id")][-3:] == ["session_expired", "ok", "ok"]


def test_wrong_credentials_are_an_error_not_a_retry_loop(portal, settings):
    settings.PORTAL_ADAPTER = {**portal.settings(), "password": "sai-mat-khau"}
    with pytest.raises(AdapterError) as raised:
        client().call("TraCuuHoSo", {"mahoso": "a"})
    assert not raised.value.transient and "Đăng nhập" in raised.value.message
    assert ops(portal) == ["auth"]
    assert not AdapterSession.objects.exists()


def test_http_5xx_and_the_adapter_down_are_transient(portal):
    adapter = client()
    adapter.call("TraCuuHoSo", {"mahoso": "a"})
    portal.fail_next(http_status=503)
    with pytest.raises(AdapterError) as raised:
        adapter.call("TraCuuHoSo", {"mahoso": "a"})
    assert raised.value.transient and raised.value.code == "HTTP 503"
    portal.go_down()
    try:
        with pytest.raises(AdapterError) as raised:
            adapter.call("TraCuuHoSo", {"mahoso": "a"})
        assert raised.value.transient and raised.value.code == "network"
    finally:
        portal.come_back()
    assert answer_kind(adapter.call("TraCuuHoSo", {"mahoso": "a"})) == "ok"


def test_error_answers_are_returned_for_the_caller_to_judge(portal):
    portal.fail_next(code="-1", message="Lỗi hệ thống")
    answer = client().call("TraCuuHoSo", {"mahoso": "a"})
    assert answer_kind(answer) == "error" and answer["message"] == "Lỗi hệ thống"


def test_every_call_is_logged_with_secrets_masked(portal):
    client().call("TraCuuHoSo", {"mahoso": "H99-1"})
    auth, lookup = PortalCall.objects.order_by("id")
    assert auth.service == "auth" and auth.request["password"] == "***" and auth.request["username"] == portal.settings()["username"]
    assert auth.http_status == 200 and auth.outcome == "ok"
    assert lookup.service == "TraCuuHoSo" and lookup.request["session"] == "***" and lookup.request["mahoso"] == "H99-1"
    assert lookup.answer["result"] == [] and lookup.url.endswith("/integration")
