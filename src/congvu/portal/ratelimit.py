"""Fixed-window rate limits counted in the database, so that every server process shares one count.

A rule allows `limit` requests per key in each window of `window` seconds (windows aligned to the epoch,
so every process agrees on where a window starts without talking to the others). The count is raised
and read back with one statement, INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count:
atomic on SQLite and PostgreSQL alike, two processes racing on the first request of a window both end up
counted, and the lookup pays one round trip for it, not a transaction of three or four.

Operators may change the numbers with `CONGVU_RATE_LIMITS = {"lookup-client": (limit, seconds), ...}` in
the settings; the defaults are below. Behind a reverse proxy or load balancer, name it in
CONGVU_TRUSTED_PROXIES, or every citizen would be counted as the proxy's one address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from congvu.core.clients import client_ip

from congvu.portal.models import RateLimitCounter

# Rows older than this are deleted when a new window starts: far longer than any window in use.
KEEP = dt.timedelta(days=1)
# A process deletes old rows at most this often: every new client starts a window row, and a DELETE each
# time cost the lookup a second statement on a twentieth of its requests for nothing.
PURGE_EVERY = dt.timedelta(minutes=1)


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
    """The client as the limit sees it (congvu.core.clients): its IPv4 address, or the /64 network of an IPv6
    address (one household or phone gets a whole /64, so counting single IPv6 addresses would count nothing)."""
    address = client_ip(request)
    if address is None:
        return (request.META.get("REMOTE_ADDR") or "").strip() or "unknown"
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
    count = _upsert(key, start) if _has_upsert() else _update_or_insert(key, start)
    if count == 1:  # this request opened the window's row
        _purge(now)
    retry_after = int((start + dt.timedelta(seconds=rule.window) - now).total_seconds())
    return Verdict(count <= rule.limit, count, max(1, retry_after))


def _has_upsert() -> bool:
    # PostgreSQL ≥ 9.5 always; SQLite has RETURNING from 3.35 (Django 5.2 still runs on 3.31).
    return connection.vendor == "postgresql" or (connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 35))


def _upsert(key: str, start: dt.datetime) -> int:
    q = connection.ops.quote_name
    table, k, w, c = q(RateLimitCounter._meta.db_table), q("key"), q("window_start"), q("count")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({k}, {w}, {c}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({k}, {w}) DO UPDATE SET {c} = {table}.{c} + 1 RETURNING {c}",
            [key, connection.ops.adapt_datetimefield_value(start)],
        )
        return cursor.fetchone()[0]


def _update_or_insert(key: str, start: dt.datetime) -> int:
    rows = RateLimitCounter.objects.filter(key=key, window_start=start)
    with transaction.atomic():
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateLimitCounter.objects.create(key=key, window_start=start, count=1)
            except IntegrityError:
                # Another process created the window's row first: count on it.
                rows.update(count=F("count") + 1)
        return rows.values_list("count", flat=True).get()


_purged = {"at": None}
_purge_lock = threading.Lock()


def _purge(now: dt.datetime) -> None:
    """Delete rows far older than any window, at most once per PURGE_EVERY in this process (by the clock the
    caller counts with, so a test moving `now` days ahead purges at once)."""
    with _purge_lock:
        last = _purged["at"]
        if last is not None and abs(now - last) < PURGE_EVERY:
            return
        _purged["at"] = now
    RateLimitCounter.objects.filter(window_start__lt=now - KEEP).delete()
