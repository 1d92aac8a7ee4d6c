"""The commands: `sync_portal --since` (catch-up, idempotent, with progress), `deliver_portal_sync` (once and as
the worker loop) and the sync worker in `congvu worker`."""

import io

import pytest
from django.core.management import CommandError, call_command

from congvu.sync.models import ChangeKind, PortalChange, PortalSync, SyncState
from congvu.sync.worker import SyncWorker
from tests.sync.sync_fixtures import (  # noqa: F401 - fixtures
    catalogue, drain, history_sent, local, no_adapter, place, portal, receive, service_count, staff,
)

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_sync_portal_since_resends_the_range_fully_once(receive, staff, portal):
    before = receive(at=local(2026, 2, 27, 9))
    inside = [receive(at=local(2026, 3, 2, 9)), receive(at=local(2026, 3, 3, 9))]
    after = receive(at=local(2026, 3, 9, 9))
    drain()
    # The portal lost everything (say, it was restored from an old backup).
    portal.dossiers.clear()
    portal.history.clear()
    received_before = len(portal.received)
    out = run("sync_portal", "--since", "2026-03-01", "--until", "2026-03-05")
    assert "Đã xếp hàng 2/2 hồ sơ (100%)" in out and "Xong: 2 hồ sơ" in out
    again = run("sync_portal", "--since", "2026-03-01", "--until", "2026-03-05")
    assert "Xong: 0 hồ sơ" in again and "2 hồ sơ đã có yêu cầu gửi lại đang chờ" in again  # idempotent
    assert PortalChange.objects.filter(kind=ChangeKind.RESYNC).count() == 2
    drain()
    assert set(portal.dossiers) == {d.code for d in inside}
    for d in inside:
        assert len(portal.history[d.code]) == d.event_count
    assert before.code not in portal.dossiers and after.code not in portal.dossiers
    # Look-up, create and history for each of the two, nothing else.
    assert len(portal.received) - received_before == 6
    assert set(PortalSync.objects.values_list("state", flat=True)) == {SyncState.ACKNOWLEDGED}


def test_sync_portal_without_until_goes_to_today_and_says_when_not_configured(receive, no_adapter):
    receive(at=local(2026, 3, 2, 9))
    out = run("sync_portal", "--since", "2026-01-01")
    assert "Xong: 1 hồ sơ" in out and "chưa cấu hình đồng bộ" in out


@pytest.mark.parametrize("args", [["--since", "02/03/2026"], ["--since", "2026-03-05", "--until", "2026-03-01"]])
def test_sync_portal_refuses_bad_dates(args, db):
    with pytest.raises(CommandError):
        call_command("sync_portal", *args)


def test_deliver_portal_sync_once_prints_a_line_per_dossier(receive, portal):
    d = receive()
    out = run("deliver_portal_sync")
    assert f"Đã đồng bộ hồ sơ {d.code}: tra cứu: chưa có trên Cổng; tạo mới hồ sơ; 1 mục tiến độ" in out
    assert "Đã xử lý 1 hồ sơ: 1 đã đồng bộ, 0 sẽ thử lại, 0 lỗi." in out


def test_deliver_portal_sync_without_configuration_keeps_the_queue(receive, no_adapter):
    receive()
    out = run("deliver_portal_sync")
    assert "Chưa cấu hình đồng bộ Cổng DVCQG" in out and "Đã xử lý 0 hồ sơ" in out
    assert PortalChange.objects.get().state == "pending"


@pytest.mark.django_db(transaction=True)  # the loop closes old connections, as a long-running process must
def test_the_worker_loop_syncs_and_stops(receive, portal):
    import signal
    import threading

    d = receive()
    out = io.StringIO()

    class StopsWhenDone(SyncWorker):
        def say(self, text):
            super().say(text)
            if "Đã đồng bộ" in text:
                self._stop.set()

    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    worker = StopsWhenDone(interval=0.05, stdout=out)
    deadline = threading.Timer(60, worker._stop.set)  # never hang the suite
    deadline.start()
    try:
        assert worker.run() == 0
    finally:
        deadline.cancel()
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
    text = out.getvalue()
    assert "Tiến trình đồng bộ Cổng DVCQG đã chạy" in text and f"Đã đồng bộ hồ sơ {d.code}" in text
    assert "Đã dừng tiến trình đồng bộ Cổng DVCQG." in text
    assert PortalSync.objects.get(dossier=d).state == SyncState.ACKNOWLEDGED and portal.history[d.code]


def test_congvu_worker_runs_the_sync_process():
    from congvu.cli import _worker_commands

    commands = _worker_commands()
    assert commands["đồng bộ Cổng DVCQG"][-4:] == ["deliver_portal_sync", "--loop", "--interval", "2.0"]
    assert list(_worker_commands("sync")) == ["đồng bộ Cổng DVCQG"]
    assert "đồng bộ Cổng DVCQG" not in _worker_commands("notify")
