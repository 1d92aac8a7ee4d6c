"""Channel and delivery configuration, read when used (so the worker and the tests see what is set now).

Each value comes from a Django setting of the same name when one is defined, else from the environment.
Secrets (the SMTP password, the SMS token) come from the environment of the running process only; nothing
is stored in the repository or the database. A channel without configuration is the local demo mailbox.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TLS_MODES = ("starttls", "ssl", "none")


def _raw(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value).strip()


def _number(name: str, default: float, *, minimum: float, integer: bool = True) -> float:
    raw = _raw(name, "")
    if raw == "":
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        kind = "số nguyên" if integer else "số"
        raise ImproperlyConfigured(f"{name}={raw!r} không hợp lệ: cần một {kind} không nhỏ hơn {minimum:g}.")
    return value


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str
    password: str
    from_address: str
    tls: str
    timeout: float

    @property
    def describe(self) -> str:
        security = {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": "không mã hoá"}[self.tls]
        return f"máy chủ SMTP {self.host}:{self.port} ({security})"


@dataclass(frozen=True)
class SmsConfig:
    url: str
    token: str
    timeout: float

    @property
    def describe(self) -> str:
        return f"cổng SMS {self.url}"


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    lease_seconds: float

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: doubling from the base, capped."""
        return min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)


def smtp() -> SmtpConfig | None:
    """The SMTP server to send e-mail through, or None for the demo mailbox."""
    host = _raw("CONGVU_SMTP_HOST")
    if not host:
        return None
    tls = _raw("CONGVU_SMTP_TLS", "starttls").lower()
    tls = {"1": "starttls", "true": "starttls", "yes": "starttls", "0": "none", "false": "none", "no": "none", "": "starttls"}.get(tls, tls)
    if tls not in TLS_MODES:
        raise ImproperlyConfigured(f"CONGVU_SMTP_TLS={tls!r} không hợp lệ: dùng starttls, ssl hoặc none.")
    default_port = 465 if tls == "ssl" else 587
    return SmtpConfig(
        host=host,
        port=int(_number("CONGVU_SMTP_PORT", default_port, minimum=1)),
        user=_raw("CONGVU_SMTP_USER"),
        password=_raw("CONGVU_SMTP_PASSWORD"),
        from_address=_raw("CONGVU_SMTP_FROM"),
        tls=tls,
        timeout=_number("CONGVU_SMTP_TIMEOUT", 30.0, minimum=1, integer=False),
    )


def sms() -> SmsConfig | None:
    """The HTTP gateway to send SMS through, or None for the demo mailbox."""
    url = _raw("CONGVU_SMS_URL")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"CONGVU_SMS_URL={url!r} không hợp lệ: cần một địa chỉ http:// hoặc https://.")
    return SmsConfig(url=url, token=_raw("CONGVU_SMS_TOKEN"), timeout=_number("CONGVU_SMS_TIMEOUT", 15.0, minimum=1, integer=False))


def policy() -> DeliveryPolicy:
    return DeliveryPolicy(
        max_attempts=int(_number("CONGVU_NOTIFY_MAX_ATTEMPTS", 8, minimum=1)),
        backoff_seconds=_number("CONGVU_NOTIFY_BACKOFF_SECONDS", 60.0, minimum=0, integer=False),
        backoff_max_seconds=_number("CONGVU_NOTIFY_BACKOFF_MAX_SECONDS", 6 * 3600.0, minimum=0, integer=False),
        lease_seconds=_number("CONGVU_NOTIFY_LEASE_SECONDS", 300.0, minimum=1, integer=False),
    )


def template_ttl() -> float:
    """How long a process keeps the templates it compiled before reading them again (an edit saved by another
    process reaches this one within that time; the saving process sees it at once)."""
    return _number("CONGVU_NOTIFY_TEMPLATE_TTL", 60.0, minimum=0, integer=False)
