"""The client of the province's integration adapter (LGSP/NGSP gateway) to the national portal (SYNC.md §1).

Every call is an HTTP POST of a JSON body to `adapter_url + integration_endpoint` naming the operation in
`service`, carrying the session and the unit code (`madonvi`), with the `dstcode` header. The session comes
from `adapter_url + auth_endpoint` ({username, password} → {error_code: 0, session}), is cached in the
database for every process, and is renewed once when the adapter answers that it expired.

Configuration: `settings.PORTAL_ADAPTER` (settings.py fills it from the CONGVU_PORTAL_* environment); no URL
means sync is not configured and `client()` is None. Every call is logged in `PortalCall` (the password and
the session token masked).
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from congvu.sync import fields
from congvu.sync.models import AdapterSession, PortalCall

MASK = "***"
MAX_LOGGED_TEXT = 20000


@dataclass(frozen=True)
class AdapterConfig:
    adapter_url: str
    auth_endpoint: str
    integration_endpoint: str
    username: str
    password: str
    dstcode: str
    madonvi: str

    @classmethod
    def from_settings(cls) -> AdapterConfig | None:
        """The adapter set in settings.PORTAL_ADAPTER, or None when no adapter URL is set (sync not configured)."""
        raw = getattr(settings, "PORTAL_ADAPTER", None) or {}
        url = str(raw.get("adapter_url") or "").strip().rstrip("/")
        if not url:
            return None
        return cls(
            adapter_url=url,
            auth_endpoint=_path(raw.get("auth_endpoint"), "/auth"),
            integration_endpoint=_path(raw.get("integration_endpoint"), "/integration"),
            username=str(raw.get("username") or ""),
            password=str(raw.get("password") or ""),
            dstcode=str(raw.get("dstcode") or ""),
            madonvi=str(raw.get("madonvi") or ""),
        )

    @property
    def auth_url(self) -> str:
        return self.adapter_url + self.auth_endpoint

    @property
    def integration_url(self) -> str:
        return self.adapter_url + self.integration_endpoint

    @property
    def session_key(self) -> str:
        return f"{self.adapter_url}|{self.username}"[:255]

    def describe(self) -> str:
        return f"bộ điều hợp {self.adapter_url} (mã đơn vị {self.madonvi or '—'}, dstcode {self.dstcode or '—'})"


def _path(value, default: str) -> str:
    value = str(value or "").strip() or default
    return value if value.startswith("/") else "/" + value


class AdapterError(Exception):
    """A call that got no usable answer: the network, an HTTP error, a body that is not JSON, a refused login.
    `transient` errors (the adapter unreachable, timeouts, 5xx) are retried for as long as they last."""

    def __init__(self, code: str, message: str, *, transient: bool = False, answer: dict | None = None):
        super().__init__(f"{code}: {message}")
        self.code = str(code)
        self.message = message
        self.transient = transient
        self.answer = answer


def client() -> AdapterClient | None:
    config = AdapterConfig.from_settings()
    return AdapterClient(config) if config is not None else None


def _masked(body: dict) -> dict:
    return {k: (MASK if k in ("password", "session") and v else v) for k, v in body.items()}


class AdapterClient:
    def __init__(self, config: AdapterConfig, *, timeout: float = 10):
        self.config = config
        self.timeout = timeout

    # -------------------------------------------------------------------------------------------- public

    def call(self, service: str, fields_: dict, *, dossier=None) -> dict:
        """Call `service` with `fields_` and return the adapter's answer (any error_code: the caller judges
        it with `fields.answer_kind`). A rejected session is renewed and the call made again, once."""
        session = self._session(dossier)
        answer = self._call_with(session, service, fields_, dossier)
        if fields.answer_kind(answer) == "session_expired":
            session = self._login(dossier)
            answer = self._call_with(session, service, fields_, dossier)
        return answer

    # -------------------------------------------------------------------------------------------- session

    def _session(self, dossier) -> str:
        cached = AdapterSession.objects.filter(key=self.config.session_key).values_list("session", flat=True).first()
        return cached or self._login(dossier)

    def _login(self, dossier) -> str:
        body = {"username": self.config.username, "password": self.config.password}
        answer = self._post(self.config.auth_url, body, service="auth", dossier=dossier)
        session = str(answer.get("session") or "")
        if fields.answer_kind(answer) != "ok" or not session:
            code = str(answer.get("error_code", "")) or "auth"
            message = str(answer.get("message") or "Đăng nhập bộ điều hợp không thành công.")
            raise AdapterError(code, f"Đăng nhập bộ điều hợp không thành công: {message}", answer=answer)
        AdapterSession.objects.update_or_create(key=self.config.session_key, defaults={"session": session, "obtained_at": timezone.now()})
        return session

    def forget_session(self) -> None:
        AdapterSession.objects.filter(key=self.config.session_key).delete()

    # -------------------------------------------------------------------------------------------- HTTP

    def _call_with(self, session: str, service: str, fields_: dict, dossier) -> dict:
        body = {"service": service, "session": session, "madonvi": self.config.madonvi, **fields_}
        return self._post(self.config.integration_url, body, service=service, dossier=dossier)

    def _post(self, url: str, body: dict, *, service: str, dossier) -> dict:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Accept": "application/json", "dstcode": self.config.dstcode,
        })
        started = time.monotonic()
        status: int | None = None
        text = ""
        try:
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    status = response.status
                    text = response.read().decode("utf-8", errors="replace")
            except urllib.error.HTTPError as exc:
                status = exc.code
                text = exc.read().decode("utf-8", errors="replace") if exc.fp else ""
                answer = _json_or_none(text)
                # An adapter may say "session expired" with HTTP 401: that is an answer, not a failure.
                if isinstance(answer, dict) and fields.answer_kind(answer) == "session_expired":
                    self._log(service, url, body, answer, text, status, "session_expired", "", started, dossier)
                    return answer
                transient = status >= 500 or status in (408, 429)
                raise AdapterError(f"HTTP {status}", f"Bộ điều hợp trả lỗi HTTP {status}: {text[:300] or exc.reason}", transient=transient) from None
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise AdapterError("network", f"Không kết nối được bộ điều hợp {self.config.adapter_url}: {reason}", transient=True) from None
            answer = _json_or_none(text)
            if not isinstance(answer, dict):
                raise AdapterError("not_json", f"Câu trả lời của bộ điều hợp không phải JSON: {text[:300]!r}")
        except AdapterError as exc:
            self._log(service, url, body, None, text, status, "transient" if exc.transient else "error", exc.message, started, dossier)
            raise
        self._log(service, url, body, answer, "", status, fields.answer_kind(answer), "", started, dossier)
        return answer

    def _log(self, service, url, body, answer, text, status, outcome, error, started, dossier) -> None:
        PortalCall.objects.create(
            dossier=dossier, service=service, url=url[:500], request=_masked(body), answer=answer, answer_text=text[:MAX_LOGGED_TEXT],
            http_status=status, outcome=outcome, error=error[:2000], duration_ms=int((time.monotonic() - started) * 1000), at=timezone.now(),
        )


def _json_or_none(text: str):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
