"""Fixed-window rate limits counted in the database, so that every server process shares one count.

A rule allows `limit` requests per key in each window of `window` seconds (windows aligned to the epoch,
so every process agrees on where a window starts without talking to the others). The count is raised
with one UPDATE … SET count = count + 1 (or the INSERT of the window's first row), atomic on SQLite and
PostgreSQL alike; two processes racing on the first request of a window both end up counted.

Operators may change the numbers with `CONGVU_RATE_LIMITS = {"lookup-client": (limit, seconds), ...}` in
the settings; the defaults are below.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from congvu.portal.models import RateLimitCounter

# Rows older than this are deleted when a new window starts: far longer than any window in use.
KEEP = dt.timedelta(days=1)


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window: int  # seconds

    def configured(self) -> Rule:
        override = getattr(settings, "CONGVU_RATE_LIMITS", {}).get(self.name)
        return Rule(self.name, int(override[0]), int(override[1])) if override else self


# Every lookup from one client: a person checking a few dossiers never meets it, a script does.
LOOKUP_PER_CLIENT = Rule("lookup-client", 30, 10 * 60)
# Attempts on one dossier code from anywhere: four digits are 10,000 guesses, so at 10 an hour a guesser
# spread over many addresses still needs weeks, while the applicant mistyping twice is not blocked.
LOOKUP_PER_CODE = Rule("lookup-code", 10, 60 * 60)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends

    @property
    def retry_minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def client_address(request) -> str:
    """The client as the limit sees it: its IPv4 address, or the /64 network of an IPv6 address (one
    household or phone gets a whole /64, so counting single IPv6 addresses would count nothing).
    REMOTE_ADDR only: a forwarded-for header is whatever the client wrote unless a trusted proxy set it."""
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _key(rule: Rule, value: str) -> str:
    # A keyed hash: the table never holds an address or a dossier code, and nobody can precompute keys.
    return hmac.new(settings.SECRET_KEY.encode(), f"{rule.name}:{value}".encode(), hashlib.sha256).hexdigest()


def _window_start(now: dt.datetime, window: int) -> dt.datetime:
    seconds = int(now.timestamp())
    return dt.datetime.fromtimestamp(seconds - seconds % window, tz=dt.timezone.utc)


def hit(rule: Rule, value: str, *, now: dt.datetime | None = None) -> Verdict:
    """Count one request of `value` under `rule` and say whether it is within the limit."""
    rule = rule.configured()
    now = now or timezone.now()
    start = _window_start(now, rule.window)
    key = _key(rule, value)
    rows = RateLimitCounter.objects.filter(key=key, window_start=start)
    with transaction.atomic():
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateLimitCounter.objects.create(key=key, window_start=start, count=1)
            except IntegrityError:
                # Another process created the window's row first: count on it.
                rows.update(count=F("count") + 1)
            else:
                RateLimitCounter.objects.filter(window_start__lt=now - KEEP).delete()
        count = rows.values_list("count", flat=True).get()
    retry_after = int((start + dt.timedelta(seconds=rule.window) - now).total_seconds())
    return Verdict(count <= rule.limit, count, max(1, retry_after))
