"""Dossier events partitioned by month on PostgreSQL (migration dossiers.0003, congvu.dossiers.partitions), and
the same code path on SQLite's plain table."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from congvu.core.polling import PollingWorker
from congvu.dossiers import partitions
from congvu.dossiers.models import DossierEvent
from congvu.dossiers.services import perform_action
from tests.dossiers.conftest import local

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="events are partitioned on PostgreSQL only")
sqlite_only = pytest.mark.skipif(connection.vendor == "postgresql", reason="what SQLite does instead")

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def _fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _partition_of_events(dossier):
    """seq → the partition its row is stored in."""
    return dict(_fetch("SELECT seq, tableoid::regclass::text FROM dossiers_dossierevent WHERE dossier_id = %s", [dossier.pk]))


def _drop_partition(name):
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')


def _without_months(*months):
    """Start without these months' partitions whatever ran before (partitions outlive a test's flush: another
    test's generator may have made them); inside the test's transaction, the drop is undone at its end."""
    for month in months:
        _drop_partition(partitions.partition_name(month))


def test_months_cover_first_to_last_whole_months():
    assert partitions.months(dt.date(2025, 11, 15), dt.date(2026, 2, 1)) == [
        dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert partitions.months(dt.date(2026, 3, 31), dt.date(2026, 3, 1)) == []
    assert partitions.partition_name(dt.date(2026, 3, 1)) == "dossiers_dossierevent_y2026m03"
    # Partitions are UTC months; a datetime counts by its instant: 1 March 03:00 in Hanoi is February in UTC.
    assert partitions.months(local(2026, 3, 1, 3), local(2026, 3, 1, 3)) == [dt.date(2026, 2, 1)]
    # A date is a local day: the events of 1-31 March (Hanoi) are held by the February and March partitions.
    assert partitions.months(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert partitions.months(partitions.utc_month_start(MARCH), partitions.utc_month_start(MARCH)) == [MARCH]


@sqlite_only
@pytest.mark.django_db
def test_sqlite_keeps_one_plain_table():
    assert not partitions.is_partitioned()
    assert partitions.ensure_event_partitions(MARCH, APRIL) == []
    assert partitions.existing_partitions() == []
    out = io.StringIO()
    call_command("ensure_event_partitions", stdout=out)
    assert "Không có gì để làm: SQLite dùng một bảng thường." in out.getvalue()


@postgres_only
@pytest.mark.django_db
def test_table_is_partitioned_with_keys_including_at():
    assert partitions.is_partitioned()
    assert partitions.DEFAULT_PARTITION in partitions.existing_partitions()
    keys = dict(_fetch("""
        SELECT conname, array_agg(a.attname ORDER BY k.ord)::text FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.conrelid = 'dossiers_dossierevent'::regclass AND c.contype IN ('p', 'u') GROUP BY conname"""))
    assert keys == {"dossiers_dossierevent_pkey": "{id,at}", "dossier_event_seq_unique": "{dossier_id,seq,at}"}
    # The portal change keeps its event id without a foreign key (nothing unique on id alone to point at).
    assert not _fetch("SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = 'dossiers_dossierevent'::regclass")
    # The migration created the current month and some ahead.
    this_month = partitions.month_start(dt.datetime.now(dt.timezone.utc).date())
    assert partitions.partition_name(this_month) in partitions.existing_partitions()


@postgres_only
def test_rows_land_in_their_month(receive, staff):
    _without_months(MARCH, APRIL)
    # Local days 2 March to 30 April: the March and April partitions (1 March would reach into February in UTC).
    assert partitions.ensure_event_partitions(dt.date(2026, 3, 2), dt.date(2026, 4, 30)) == [
        "dossiers_dossierevent_y2026m03", "dossiers_dossierevent_y2026m04"]
    assert partitions.ensure_event_partitions(dt.date(2026, 3, 2), dt.date(2026, 4, 30)) == []  # idempotent
    d = receive(at=local(2026, 3, 30, 9))
    d = perform_action(d, "start_processing", actor=staff.officer, at=local(2026, 3, 31, 9))
    # 1 April 06:00 in Hanoi is 31 March 23:00 UTC: still the March partition.
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 4, 1, 6))
    d = perform_action(d, "forward", actor=staff.specialist, at=local(2026, 4, 2, 9))
    assert _partition_of_events(d) == {
        1: "dossiers_dossierevent_y2026m03", 2: "dossiers_dossierevent_y2026m03",
        3: "dossiers_dossierevent_y2026m03", 4: "dossiers_dossierevent_y2026m04"}
    # The ORM reads them back through the parent, in order, by their own key.
    events = list(DossierEvent.objects.filter(dossier=d))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert DossierEvent.objects.get(pk=events[3].pk).action == "forward"
    # A lookup bounded in time reads only its month (partition pruning).
    plan = "\n".join(row[0] for row in _fetch(
        "EXPLAIN SELECT * FROM dossiers_dossierevent WHERE dossier_id = %s AND at >= %s AND at < %s",
        [d.pk, dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)]))
    assert "y2026m04" in plan and "y2026m03" not in plan and "default" not in plan


@postgres_only
def test_default_partition_catches_outliers_and_gives_them_up_to_their_month(receive, staff):
    # No partition for March 2026 nor May 2026: the insert still succeeds.
    _without_months(MARCH, dt.date(2026, 5, 1))
    d = perform_action(receive(at=local(2026, 3, 2, 9)), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 10))
    assert set(_partition_of_events(d).values()) == {partitions.DEFAULT_PARTITION}
    ids = sorted(DossierEvent.objects.filter(dossier=d).values_list("pk", flat=True))

    out = io.StringIO()
    call_command("ensure_event_partitions", "--from", "2026-03", "--to", "2026-03", stdout=out)
    assert "đã tạo dossiers_dossierevent_y2026m03 (tháng 03/2026)" in out.getvalue()
    assert "Đã tạo 1 phân vùng mới; 0 tháng đã có sẵn." in out.getvalue()
    assert "Phân vùng mặc định đang giữ" not in out.getvalue()
    # The rows moved out of the default partition, unchanged, and the default holds nothing of March any more.
    assert set(_partition_of_events(d).values()) == {"dossiers_dossierevent_y2026m03"}
    assert sorted(DossierEvent.objects.filter(dossier=d).values_list("pk", flat=True)) == ids
    assert _fetch(f"SELECT count(*) FROM {partitions.DEFAULT_PARTITION}") == [(0,)]
    # Still append-only, in the new month and in the default partition alike (May 2026 has no partition).
    receive(at=local(2026, 5, 4, 9))
    assert _fetch(f"SELECT count(*) FROM {partitions.DEFAULT_PARTITION}") == [(1,)]
    for table in ("dossiers_dossierevent", "dossiers_dossierevent_y2026m03", partitions.DEFAULT_PARTITION):
        for sql in (f"UPDATE {table} SET reason = 'sửa'", f"DELETE FROM {table}"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DossierEvent.objects.filter(dossier=d)._raw_delete(DossierEvent.objects.db)
    # And the cached state still matches what the events say.
    out = io.StringIO()
    call_command("verify_dossiers", "--quiet", stdout=out)
    assert "0 hồ sơ lệch" in out.getvalue()


@postgres_only
def test_command_reports_events_left_in_the_default_partition(receive):
    _without_months(MARCH)
    receive(at=local(2026, 3, 2, 9))
    out = io.StringIO()
    call_command("ensure_event_partitions", "--ahead", "0", stdout=out)
    text = out.getvalue()
    assert "Kiểm tra 1 tháng" in text and "0 tháng đã có sẵn" not in text
    assert "Phân vùng mặc định đang giữ 1 sự kiện ngoài các tháng đã tạo (từ 03/2026 đến 03/2026)" in text
    assert "ensure_event_partitions --from 2026-03 --to 2026-03" in text


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["--from", "2026-13"], "Tháng không hợp lệ: '2026-13'"),
    (["--from", "tháng ba"], "Tháng không hợp lệ"),
    (["--from", "2026-05", "--to", "2026-04"], "Tháng đầu (2026-05) sau tháng cuối (2026-04)."),
    (["--ahead", "-1"], "--ahead phải từ 0 đến 120 tháng."),
])
def test_command_refuses_bad_months(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("ensure_event_partitions", *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_worker_creates_the_next_months(monkeypatch):
    # The loop closes stale connections between passes, which would end this test's transaction.
    monkeypatch.setattr("congvu.core.polling.close_old_connections", lambda: None)
    this_month = partitions.month_start(dt.datetime.now(dt.timezone.utc).date())
    ahead = [partitions.next_month(this_month)]
    ahead.append(partitions.next_month(ahead[0]))
    if connection.vendor == "postgresql":
        # As if the worker had been down: the months ahead (empty) are gone.
        for month in ahead:
            _drop_partition(partitions.partition_name(month))
    out = io.StringIO()
    worker = PollingWorker(interval=0.01, batch=1, stdout=out)
    passes = []

    def one_pass():
        passes.append(1)
        if len(passes) == 2:
            worker.stop()
        return [1]

    worker.poll(one_pass)
    assert len(passes) == 2
    if connection.vendor == "postgresql":
        names = [partitions.partition_name(m) for m in ahead]
        assert set(names) <= set(partitions.existing_partitions())
        # Once per housekeeping period, not once per pass.
        assert out.getvalue().count("Đã tạo trước phân vùng sự kiện hồ sơ") == 1
        assert ", ".join(names) in out.getvalue()
    else:
        assert out.getvalue() == ""


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_migration_converts_existing_rows_both_ways(receive, staff):
    from django.db.migrations.executor import MigrationExecutor

    # A transactional test cannot undo DDL: months made by earlier tests stay, and this test's rows land in them
    # or in the default partition; either way the migration must bring them back where they belong.
    d = perform_action(receive(at=local(2026, 3, 2, 9)), "start_processing", actor=staff.officer, at=local(2026, 4, 2, 10))
    before = list(DossierEvent.objects.order_by("pk").values_list("pk", "dossier_id", "seq", "action", "at"))
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("dossiers", "0002_events_append_only")])
        assert not partitions.is_partitioned()
        assert list(DossierEvent.objects.order_by("pk").values_list("pk", "dossier_id", "seq", "action", "at")) == before
        assert partitions.ensure_event_partitions(MARCH, APRIL) == []  # not partitioned: nothing to do
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert partitions.is_partitioned()
    assert list(DossierEvent.objects.order_by("pk").values_list("pk", "dossier_id", "seq", "action", "at")) == before
    # The migration made the months of the existing rows, so nothing is left in the default partition.
    assert _partition_of_events(d) == {1: "dossiers_dossierevent_y2026m03", 2: "dossiers_dossierevent_y2026m04"}
    # New ids continue after the copied ones (the identity sequence was moved past them).
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 4, 3, 9))
    assert DossierEvent.objects.get(dossier=d, seq=3).pk > max(row[0] for row in before)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DossierEvent.objects.filter(dossier=d).update(reason="sửa")
