"""Monthly partitions of the dossier events on PostgreSQL.

A province files millions of dossiers a year and each has several events; on PostgreSQL the events table
(dossiers_dossierevent) is partitioned by month of `at` (declarative RANGE partitioning, migration
dossiers.0003), so old months stay cold, a month's index fits in memory and a month-end recomputation reads
one or two partitions. SQLite keeps one plain table: every function here is a no-op there, and the ORM code
path is the same on both.

Month bounds are UTC months, not local ones: the bounds of a partition can never change, while the project's
time zone is a setting. A local month (Vietnam is UTC+7) touches the tail of the previous partition as well.

A DEFAULT partition catches any event whose month has no partition yet (a clock far off, history loaded before
its months were created), so an insert never fails. Creating a month later moves its rows out of the default
partition in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import connections, transaction
from django.utils import timezone

TABLE = "dossiers_dossierevent"
DEFAULT_PARTITION = f"{TABLE}_default"
TRIGGER = "dossiers_event_append_only"


def month_start(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _utc_instant(value: dt.date, *, end: bool) -> dt.datetime:
    """A datetime as its instant in UTC; a date as the first (or last) instant of that day in the project's time
    zone, the days everything else in congvu counts in."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = timezone.make_aware(value)
        return value.astimezone(dt.timezone.utc)
    moment = dt.datetime.combine(value, dt.time.max if end else dt.time.min)
    return timezone.make_aware(moment).astimezone(dt.timezone.utc)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the (UTC) months whose partitions hold first..last, both included. Dates are local days:
    1 March in Hanoi starts on 28 February in UTC, so its events begin in the February partition."""
    start, stop = _utc_instant(first, end=False), _utc_instant(last, end=True)
    if start > stop:
        return []
    out, month = [], month_start(start.date())
    while month <= stop.date():
        out.append(month)
        month = next_month(month)
    return out


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _bound(month: dt.date) -> str:
    return f"{month.isoformat()} 00:00:00+00"


def is_partitioned(using: str = "default") -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE])
        return cursor.fetchone() is not None


def existing_partitions(using: str = "default") -> list[str]:
    """Names of the partitions the events table has now (the default one included), in name order."""
    if not is_partitioned(using):
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname", [TABLE])
        return [row[0] for row in cursor.fetchall()]


def columns(cursor, table: str = TABLE) -> list[str]:
    """The table's columns in order, read from the catalogue so a column added later is copied too."""
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum", [table])
    return [row[0] for row in cursor.fetchall()]


def _create_month(cursor, month: dt.date) -> None:
    name, lo, hi = partition_name(month), _bound(month), _bound(next_month(month))
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [DEFAULT_PARTITION])
    has_default = cursor.fetchone()[0]
    stray = False
    if has_default:
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{DEFAULT_PARTITION}" WHERE at >= %s AND at < %s)', [lo, hi])
        stray = cursor.fetchone()[0]
    if not stray:
        # The usual case (a month ahead): PostgreSQL checks the default partition holds nothing of the month.
        cursor.execute(f"CREATE TABLE \"{name}\" PARTITION OF \"{TABLE}\" FOR VALUES FROM ('{lo}') TO ('{hi}')")
        return
    # Rows of this month already sit in the default partition: a month cannot be attached while they are
    # there, so build the month standalone, move them (the append-only trigger is off for that one statement,
    # inside this transaction, on the default partition only) and attach it.
    cols = ", ".join(f'"{c}"' for c in columns(cursor))
    # Called inside a longer transaction (a loader, a test), rows written earlier may have foreign-key checks
    # still deferred, and PostgreSQL alters no table with pending trigger events: run those checks now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f'LOCK TABLE "{DEFAULT_PARTITION}" IN ACCESS EXCLUSIVE MODE')
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    cursor.execute(f'ALTER TABLE "{DEFAULT_PARTITION}" DISABLE TRIGGER {TRIGGER}')
    cursor.execute(
        f'WITH moved AS (DELETE FROM "{DEFAULT_PARTITION}" WHERE at >= %s AND at < %s RETURNING {cols}) '
        f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM moved', [lo, hi])
    cursor.execute(f'ALTER TABLE "{DEFAULT_PARTITION}" ENABLE TRIGGER {TRIGGER}')
    # The CHECK lets ATTACH skip scanning the new month; it is redundant once attached.
    cursor.execute(f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_bounds" CHECK (at IS NOT NULL AND at >= \'{lo}\' AND at < \'{hi}\')')
    cursor.execute(f"ALTER TABLE \"{TABLE}\" ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{lo}') TO ('{hi}')")
    cursor.execute(f'ALTER TABLE "{name}" DROP CONSTRAINT "{name}_bounds"')
    # Back to Django's mode (its foreign keys are DEFERRABLE INITIALLY DEFERRED) for the rest of the transaction.
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def ensure_event_partitions(first: dt.date, last: dt.date, using: str = "default") -> list[str]:
    """Create the monthly partitions of the events covering first..last (local days, or datetimes) that do not
    exist yet and return their names (in month order). A no-op returning [] on SQLite or when the table is not partitioned. Safe to call
    often and from several processes: each month is created in its own transaction and an existing one is
    skipped."""
    wanted = months(first, last)
    if not wanted or not is_partitioned(using):
        return []
    created = []
    connection = connections[using]
    for month in wanted:
        name = partition_name(month)
        with transaction.atomic(using=using), connection.cursor() as cursor:
            # One creator at a time (two workers, the generator): the second one then sees the month exists.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE + ".partitions"])
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if cursor.fetchone()[0]:
                continue
            _create_month(cursor, month)
        created.append(name)
    return created


def ensure_months_ahead(ahead: int = 3, *, today: dt.date | None = None, using: str = "default") -> list[str]:
    """The current month and `ahead` months after it (what the worker keeps ready)."""
    start = month_start(today or dt.datetime.now(dt.timezone.utc).date())
    last = start
    for _ in range(ahead):
        last = next_month(last)
    return ensure_event_partitions(utc_month_start(start), utc_month_start(last), using=using)


def utc_month_start(month: dt.date) -> dt.datetime:
    """The UTC instant a partition's month starts: names that month alone (a bare date would be a local day)."""
    return dt.datetime(month.year, month.month, 1, tzinfo=dt.timezone.utc)
