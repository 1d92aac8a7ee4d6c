"""Fixtures for the notification tests: the dossier fixtures (a small province, its staff, the catalogue), a
real SMTP server (aiosmtpd) and a small HTTP SMS gateway, both started by the test on a free local port."""

import contextlib
import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from congvu.notify.rendering import templates
from tests.dossiers.conftest import catalogue, place, receive, staff  # noqa: F401 - fixtures reused

GATEWAY_TOKEN = "thu-nghiem-token-123"


@pytest.fixture(autouse=True)
def _fresh_template_cache():
    # A test that edits a template in a rolled-back transaction must not leave its text in this process's cache.
    templates.invalidate()
    yield
    templates.invalidate()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------
# SMTP


class _Inbox:
    def __init__(self):
        self.envelopes = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        return [message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that requires AUTH, and the settings that point at it."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = _Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"congvu" and auth_data.password == b"mat-khau-smtp"
        inbox.logins.append((auth_data.login, ok))
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False)
    controller.start()
    settings.CONGVU_SMTP_HOST = "127.0.0.1"
    settings.CONGVU_SMTP_PORT = str(port)
    settings.CONGVU_SMTP_TLS = "none"
    settings.CONGVU_SMTP_USER = "congvu"
    settings.CONGVU_SMTP_PASSWORD = "mat-khau-smtp"
    settings.CONGVU_SMTP_FROM = "Một cửa Hoàn Kiếm <khong-tra-loi@hoankiem.example.vn>"
    settings.CONGVU_SMTP_TIMEOUT = "5"
    yield SimpleNamespace(inbox=inbox, port=port, controller=controller)
    controller.stop()


# ---------------------------------------------------------------------------------------------------
# SMS gateway


class Gateway:
    """An SMS gateway as a provider runs one: bearer token, JSON body, and deduplication on the
    Idempotency-Key header (a key seen before is answered 200 and not delivered again).

    `answers` is a list of (status, text) answered to the next requests, before anything else; `stall` makes
    the next request hang after it was recorded and accepted, until `release` is set (a response lost in a crash)."""

    def __init__(self, token: str = GATEWAY_TOKEN):
        self.token = token
        self.requests = []
        self.delivered = []
        self.answers = []
        self.stall = False
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def handle(self, handler: BaseHTTPRequestHandler):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            self.requests.append({"headers": headers, "raw": raw, "json": json.loads(raw.decode("utf-8"))})
            if headers.get("authorization") != f"Bearer {self.token}":
                return 401, {"error": "bad token"}
            if self.answers:
                status, text = self.answers.pop(0)
                return status, {"error": text}
            key = headers.get("idempotency-key")
            duplicate = key in self.delivered
            if not duplicate:
                self.delivered.append(key)
            stall, self.stall = self.stall, False
        if stall:
            self.stalled.set()
            self.release.wait(60)
        return 200, {"status": "duplicate" if duplicate else "accepted"}

    def count(self, key: str) -> int:
        return sum(1 for r in self.requests if r["headers"].get("idempotency-key") == key)


@contextlib.contextmanager
def serving(gateway: Gateway, port: int = 0):
    """The gateway as a real HTTP server on loopback (port 0: any free one) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            status, payload = gateway.handle(self)
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client went away (a killed worker)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    try:
        yield gateway
    finally:
        gateway.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def sms_gateway(settings):
    with serving(Gateway()) as gateway:
        settings.CONGVU_SMS_URL = gateway.url
        settings.CONGVU_SMS_TOKEN = GATEWAY_TOKEN
        settings.CONGVU_SMS_TIMEOUT = "5"
        yield gateway


@pytest.fixture
def demo_mailbox(settings):
    """Both channels unconfigured: the demo mailbox takes every message."""
    for name in ("CONGVU_SMTP_HOST", "CONGVU_SMS_URL"):
        setattr(settings, name, "")
    return settings


@pytest.fixture
def fast_retries(settings):
    settings.CONGVU_NOTIFY_MAX_ATTEMPTS = "3"
    settings.CONGVU_NOTIFY_BACKOFF_SECONDS = "10"
    settings.CONGVU_NOTIFY_BACKOFF_MAX_SECONDS = "3600"
    settings.CONGVU_NOTIFY_LEASE_SECONDS = "60"
    return settings
