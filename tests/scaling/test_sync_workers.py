"""Two national portal sync workers (`congvu manage deliver_portal_sync --loop`, what `congvu worker` runs) against one
PostgreSQL database and the fake adapter: no dossier is ever sent by both at once, every dossier's record is created
once and its history items arrive once each and in order, and a change queued while a worker holds the dossier is
not lost (the worker lets go of a dossier only after any transaction queueing a change for it has committed, so it
sees that change: this test found the worker letting go too early and losing the change until the dossier's next
event; congvu.sync.delivery._succeeded now waits on the dossier's row lock)."""

import datetime as dt
import re
import threading
import time
from collections import Counter, defaultdict

import pytest
from django.db import connection, transaction

from congvu.dossiers.models import Dossier
from congvu.dossiers.services import perform_action
from congvu.dossiers.states import DossierState
from congvu.sync import fields
from congvu.sync.fake_adapter import FakeAdapter
from congvu.sync.models import ChangeKind, ChangeState, PortalChange, PortalSync, SyncState
from congvu.sync.services import queue_since
from tests.dossiers.conftest import catalogue, local, place, receive, staff  # noqa: F401 - fixtures reused
from tests.scaling.conftest import postgresql_only, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

DOSSIERS = 60
CALL_SECONDS = 0.01  # each integration call takes this long: a worker holds a dossier for a few of them
SYNCED_LINE = re.compile(r"Đã đồng bộ hồ sơ (\S+?)[:\s]")


class WatchingAdapter(FakeAdapter):
    """The fake adapter, slowed a little, noting every moment two calls about one dossier are in flight together."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.in_flight: Counter = Counter()
        self.overlaps: list[str] = []
        self.watch_lock = threading.Lock()
        self.answers: list = []
        # The history call of the dossier `hold_code` waits (after `holding` is set) until `release` is set.
        self.hold_code = ""
        self.holding = threading.Event()
        self.release = threading.Event()

    @staticmethod
    def _codes(body) -> set[str]:
        if not isinstance(body, dict):
            return set()
        codes = {body["mahoso"]} if body.get("mahoso") else set()
        for item in body.get("data") or []:
            if isinstance(item, dict) and item.get("MaHoSo"):
                codes.add(item["MaHoSo"])
        return codes

    def answer(self, path, headers, body):
        codes = self._codes(body)
        with self.watch_lock:
            for code in codes:
                self.in_flight[code] += 1
                if self.in_flight[code] > 1:
                    self.overlaps.append(code)
        try:
            if self.hold_code in codes and body.get("service") == fields.HISTORY_SERVICE:
                self.holding.set()
                self.release.wait(30)
            time.sleep(CALL_SECONDS)  # outside the adapter's own lock: calls about different dossiers run together
            status, answer = super().answer(path, headers, body)
            with self._lock:
                self.answers.append((body.get("service") if isinstance(body, dict) else None, codes, answer.get("error_code")))
            return status, answer
        finally:
            with self.watch_lock:
                for code in codes:
                    self.in_flight[code] -= 1


def _waiting_on(conn, table: str) -> bool:
    """Whether another session of this database waits for a row lock in a statement on `table`."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock' AND query LIKE %s", [f'%"{table}"%'],
        )
        return cursor.fetchone()[0] > 0


def _released(conn, dossier_id: int) -> bool:
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT claim_token FROM {PortalSync._meta.db_table} WHERE dossier_id = %s", [dossier_id])
        return cursor.fetchone()[0] == ""


def _held(adapter: WatchingAdapter, receive, day: int):
    """A new dossier whose history call a worker will be held in."""
    adapter.holding.clear()
    adapter.release.clear()
    with transaction.atomic():  # the code is known before any worker can see the dossier
        dossier = receive(at=local(2026, 3, day, 9, 0), applicant={"full_name": f"Lê Văn Muộn {day}", "personal_id": f"0011900999{day:02d}"})
        adapter.hold_code = dossier.code
    return dossier


def _release_races_with(adapter: WatchingAdapter, dossier, queue_change) -> None:
    """The race of a worker letting go of a dossier with a transaction queueing a change for it, made certain. A
    worker sent the dossier's history and is about to let go (held up on a row lock this test takes from a side
    connection); `queue_change()` runs meanwhile in a transaction (the worker holds the dossier: nothing to wake)
    that stays open while the worker goes on, then commits. The change must still reach the portal."""
    if not adapter.holding.wait(20):
        raise AssertionError("no worker took the dossier")
    side, watch = (connection.get_new_connection(connection.get_connection_params()) for _ in range(2))
    try:
        watch.autocommit = True
        side.cursor().execute(f"SELECT 1 FROM {PortalChange._meta.db_table} WHERE dossier_id = %s AND seq = 1 FOR UPDATE", [dossier.pk])
        adapter.release.set()
        wait_for(lambda: _waiting_on(watch, PortalChange._meta.db_table), 20, "the worker to record the answer")
        with transaction.atomic():
            queue_change()
            side.commit()  # the worker goes on: acknowledges seq 1, then lets go of the dossier (or waits for us)
            wait_for(lambda: _waiting_on(watch, Dossier._meta.db_table) or _released(watch, dossier.pk), 20, "the worker to let go")
    finally:
        side.close()
        watch.close()

    def sent():
        return PortalSync.objects.filter(dossier=dossier, state=SyncState.ACKNOWLEDGED).exists() and not (
            PortalChange.objects.filter(dossier=dossier).exclude(state=ChangeState.ACKNOWLEDGED).exists())

    try:
        wait_for(sent, 15, "the change queued while the worker held the dossier to be sent")
    except AssertionError:
        raise AssertionError(
            f"change lost: {list(PortalSync.objects.filter(dossier=dossier).values('state', 'claim_token', 'next_attempt_at', 'acked_seq'))} "
            f"{list(PortalChange.objects.filter(dossier=dossier).values('kind', 'seq', 'state'))}"
        ) from None


def test_two_sync_workers_never_send_one_dossier_at_once(processes, place, staff, receive):  # noqa: F811
    adapter = WatchingAdapter().start()
    try:
        config = adapter.settings()
        env = {
            "CONGVU_PORTAL_ADAPTER_URL": config["adapter_url"], "CONGVU_PORTAL_USERNAME": config["username"],
            "CONGVU_PORTAL_PASSWORD": config["password"], "CONGVU_PORTAL_DSTCODE": config["dstcode"],
            "CONGVU_PORTAL_UNIT_CODE": config["madonvi"],
            # A lease never runs out during the test: a second worker taking a dossier over would be legitimate then.
            "CONGVU_PORTAL_SYNC_LEASE_SECONDS": "600",
        }
        workers = [processes.start(f"sync-{n}", "manage", "deliver_portal_sync", "--loop", "--interval", "0.1", **env) for n in (1, 2)]
        for worker in workers:
            wait_for(lambda w=worker: "Tiến trình đồng bộ Cổng DVCQG đã chạy" in w.output() or not w.alive(), 30, f"{worker.name} to start")
            assert worker.alive(), worker.output()

        # Every dossier becomes due in the same instant (one commit), for both workers.
        with transaction.atomic():
            dossiers = [receive(applicant={"full_name": f"Trần Thị {n}", "personal_id": f"0011900{n:05d}"}) for n in range(DOSSIERS)]

        # Their second event comes while they are being sent: a change queued while a worker may hold the dossier.
        for dossier in dossiers:
            perform_action(dossier, "start_processing", actor=staff.officer)

        def settled():
            return not PortalChange.objects.exclude(state=ChangeState.ACKNOWLEDGED).exists() and not (
                PortalSync.objects.exclude(state=SyncState.ACKNOWLEDGED).exists())

        try:
            wait_for(settled, 40, "every change to be acknowledged")
        except AssertionError:
            stuck = list(PortalSync.objects.exclude(state=SyncState.ACKNOWLEDGED).values(
                "dossier_id", "state", "claim_token", "next_attempt_at"))
            pending = list(PortalChange.objects.exclude(state=ChangeState.ACKNOWLEDGED).values("dossier_id", "seq", "state"))
            raise AssertionError(f"changes never sent: {pending[:10]} ({len(pending)}); their sync rows: {stuck[:10]}") from None

        assert adapter.overlaps == [], f"sent by two workers at once: {sorted(set(adapter.overlaps))[:10]}"
        assert adapter.problems == []
        codes = {d.pk: d.code for d in Dossier.objects.all()}
        # The record: created once per dossier (isUpdating False), never refused as "already exists".
        creates = Counter(
            item["MaHoSo"] for body in adapter.received if body.get("service") == fields.RECORD_SERVICE and body.get("isUpdating") == "False"
            for item in body["data"]
        )
        assert creates == Counter(codes.values())
        assert not [a for a in adapter.answers if str(a[2]) == str(fields.EXISTS_CODE)]
        # The history: one item per event, in order, never twice.
        history = defaultdict(list)
        for body in adapter.received:
            if body.get("service") == fields.HISTORY_SERVICE:
                for item in body["data"]:
                    history[item["MaHoSo"]].append(item["TrangThai"])
        in_order = [str(DossierState.RECEIVED.national_code), str(DossierState.PROCESSING.national_code)]
        assert {code: history[code] for code in codes.values()} == {code: in_order for code in codes.values()}
        assert set(PortalSync.objects.values_list("acked_seq", flat=True)) == {2}

        # Both workers took part (a dossier may be synced by one, then its second event by the other).
        synced = [set(SYNCED_LINE.findall(w.output())) for w in workers]
        assert all(synced), f"one worker synced nothing: {[len(s) for s in synced]}"
        assert synced[0] | synced[1] == set(codes.values())

        # An action on the dossier (its transaction holds the dossier's row lock) …
        acted = _held(adapter, receive, 3)
        _release_races_with(adapter, acted, lambda: perform_action(acted, "start_processing", actor=staff.officer))
        assert PortalSync.objects.get(dossier=acted).acked_seq == 2
        # … and the catch-up after an outage (`sync_portal --since`: its full resend only references the dossier).
        caught_up = _held(adapter, receive, 4)
        _release_races_with(adapter, caught_up, lambda: queue_since(dt.date(2026, 3, 4)))
        resync = PortalChange.objects.get(dossier=caught_up, kind=ChangeKind.RESYNC)
        assert resync.state == ChangeState.ACKNOWLEDGED
        records = [b for b in adapter.received if b.get("service") == fields.RECORD_SERVICE and b["data"][0]["MaHoSo"] == caught_up.code]
        assert [b["isUpdating"] for b in records] == ["False", "True"]  # created, then sent again in full

        for worker in workers:
            assert processes.stop(worker) == 0, worker.output()
            assert "Đã dừng tiến trình đồng bộ Cổng DVCQG." in worker.output()
    finally:
        adapter.release.set()
        adapter.stop()
