"""Rate limits on the lookup: counted in the database (so every server process shares them), per client
and per dossier code, answered with 429 and a Vietnamese message."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from congvu.portal import ratelimit
from congvu.portal.models import RateLimitCounter

LOOKUP = reverse("portal:lookup")
CODE = "H99.01.TT1-260302-0001"


@pytest.fixture
def small_limits(settings):
    settings.CONGVU_RATE_LIMITS = {"lookup-client": (3, 600), "lookup-code": (4, 3600)}


@pytest.mark.django_db
def test_a_client_is_stopped_after_the_limit_with_a_clear_message(small_limits):
    # Two separate clients (two browsers, or two server processes answering them) from one address share the count.
    first, second = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.7")
    assert [c.post(LOOKUP, {"code": CODE, "digits": "1234"}).status_code for c in (first, second, first)] == [404, 404, 404]
    blocked = second.post(LOOKUP, {"code": CODE, "digits": "1234"})
    assert blocked.status_code == 429
    assert "Tra cứu quá nhiều lần" in blocked.content.decode() and "Vui lòng thử lại sau" in blocked.content.decode()
    assert 0 < int(blocked["Retry-After"]) <= 600
    # The QR link counts against the same client limit.
    assert first.get(reverse("portal:lookup_token", args=[CODE]), {"t": "x"}).status_code == 429
    # Another address is not affected.
    assert Client(REMOTE_ADDR="198.51.100.1").post(LOOKUP, {"code": CODE, "digits": "1234"}).status_code == 404


@pytest.mark.django_db
def test_one_code_is_protected_across_many_addresses(small_limits):
    statuses = [Client(REMOTE_ADDR=f"198.51.100.{i}").post(LOOKUP, {"code": CODE, "digits": f"{i:04d}"}).status_code for i in range(6)]
    assert statuses == [404, 404, 404, 404, 429, 429]
    # Another code is looked up normally.
    assert Client(REMOTE_ADDR="198.51.100.99").post(LOOKUP, {"code": CODE[:-1] + "2", "digits": "1234"}).status_code == 404


@pytest.mark.django_db
def test_the_window_ends_and_old_rows_are_purged():
    rule = ratelimit.Rule("test", 2, 60)
    start = dt.datetime(2026, 3, 2, 1, 0, 10, tzinfo=dt.timezone.utc)
    assert [ratelimit.hit(rule, "a", now=start).allowed for _ in range(3)] == [True, True, False]
    assert ratelimit.hit(rule, "a", now=start + dt.timedelta(seconds=49)).retry_after == 1
    assert ratelimit.hit(rule, "a", now=start + dt.timedelta(seconds=50)).allowed  # the next minute
    assert RateLimitCounter.objects.count() == 2
    ratelimit.hit(rule, "b", now=start + dt.timedelta(days=2))
    assert RateLimitCounter.objects.count() == 1


@pytest.mark.django_db
def test_the_table_holds_no_address_and_no_code(small_limits):
    Client(REMOTE_ADDR="203.0.113.7").post(LOOKUP, {"code": CODE, "digits": "1234"})
    keys = list(RateLimitCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2 and all(len(k) == 64 and "203.0.113.7" not in k and CODE not in k for k in keys)


def test_client_addresses():
    from django.test import RequestFactory

    def addr(value):
        return ratelimit.client_address(RequestFactory().get("/", REMOTE_ADDR=value))

    assert addr("203.0.113.7") == "203.0.113.7"
    assert addr("2001:db8:1:2:3:4:5:6") == addr("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert addr("::ffff:203.0.113.7") == "203.0.113.7"
    assert addr("not an address") == "not an address"


def test_client_addresses_behind_a_trusted_proxy(settings):
    from django.test import RequestFactory

    def addr(remote, forwarded=None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return ratelimit.client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))

    # Without trusted proxies the header is ignored: anyone can write it.
    settings.CONGVU_TRUSTED_PROXIES = ""
    assert addr("10.0.0.5", "203.0.113.7") == "10.0.0.5"
    settings.CONGVU_TRUSTED_PROXIES = "10.0.0.0/8, 192.0.2.1"
    assert addr("10.0.0.5", "203.0.113.7") == "203.0.113.7"
    # A client cannot choose its address by writing one on the left: the nearest untrusted hop counts.
    assert addr("10.0.0.5", "1.2.3.4, 203.0.113.7, 192.0.2.1") == "203.0.113.7"
    assert addr("10.0.0.5", "") == "10.0.0.5"
    assert addr("10.0.0.5", "garbage, 203.0.113.7") == "203.0.113.7"
    # A request that did not come through the proxy keeps its own address whatever the header says.
    assert addr("198.51.100.1", "203.0.113.7") == "198.51.100.1"
    settings.CONGVU_TRUSTED_PROXIES = ["10.0.0.5"]
    assert addr("10.0.0.5", "2001:db8:1:2::9") == "2001:db8:1:2::/64"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL (the in-memory SQLite test database locks whole tables)")
def test_concurrent_hits_from_several_connections_are_all_counted():
    """Threads with their own database connections stand in for the server's worker processes, all starting
    on the window's first request, when the row does not exist yet."""
    rule = ratelimit.Rule("concurrent", 1000, 3600)
    now = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)
    errors = []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            for _ in range(10):
                ratelimit.hit(rule, "shared", now=now)
        except Exception as error:  # reported below; a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert RateLimitCounter.objects.get().count == 40


@pytest.mark.django_db
def test_the_update_then_insert_path_counts_the_same(monkeypatch):
    """Where SQLite is older than 3.35 (no RETURNING) the count is raised with UPDATE, or INSERT of the window's
    first row, in a transaction: same counts, same verdicts as the one-statement upsert."""
    rule = ratelimit.Rule("fallback", 2, 60)
    start = dt.datetime(2026, 3, 2, 1, 0, 10, tzinfo=dt.timezone.utc)
    upserted = [ratelimit.hit(rule, "a", now=start) for _ in range(3)]
    monkeypatch.setattr(ratelimit, "_has_upsert", lambda: False)
    fallback = [ratelimit.hit(rule, "b", now=start) for _ in range(3)]
    assert [(v.allowed, v.count) for v in upserted] == [(v.allowed, v.count) for v in fallback] == [(True, 1), (True, 2), (False, 3)]
    assert ratelimit.hit(rule, "a", now=start).count == 4  # the fallback goes on counting the upsert's row


@pytest.mark.django_db
def test_old_rows_are_purged_at_most_once_a_minute_per_process():
    rule = ratelimit.Rule("purge", 5, 60)
    day = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)
    ratelimit.hit(rule, "old", now=day)
    later = day + dt.timedelta(days=2)
    ratelimit.hit(rule, "a", now=later)  # a new window's row: purges the day-old row
    assert not RateLimitCounter.objects.filter(window_start=day).exists()
    RateLimitCounter.objects.create(key="x" * 64, window_start=day, count=1)
    ratelimit.hit(rule, "b", now=later + dt.timedelta(seconds=30))  # within the minute: no second DELETE
    assert RateLimitCounter.objects.filter(window_start=day).exists()
    ratelimit.hit(rule, "c", now=later + dt.timedelta(seconds=61))
    assert not RateLimitCounter.objects.filter(window_start=day).exists()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="UNLOGGED tables are PostgreSQL's")
def test_the_counters_table_is_unlogged_on_postgresql():
    # Its one-row commits then do not wait for the WAL to reach the disk (migration 0002).
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = %s", [RateLimitCounter._meta.db_table])
        assert cursor.fetchone() == ("u",)
