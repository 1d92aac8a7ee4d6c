"""The portal sync loop run by `congvu worker` (through `congvu manage deliver_portal_sync --loop`).

It polls the queue every `interval` seconds when idle, syncs what is due and prints one Vietnamese line per
dossier. Without an adapter configured it sends nothing (the changes stay queued) and says so once. SIGTERM
or Ctrl+C stops it after the dossier in hand; a second one stops it at once (the lease brings the dossier
back). A database that is briefly unreachable or locked is waited out, not fatal.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import TextIO

from django.db import close_old_connections
from django.db.utils import DatabaseError
from django.utils import timezone

from congvu.sync.adapter import AdapterConfig, client
from congvu.sync.delivery import Outcome, deliver_due, policy

NOT_CONFIGURED = (
    "Chưa cấu hình đồng bộ Cổng DVCQG (CONGVU_PORTAL_ADAPTER_URL trống): các thay đổi hồ sơ được giữ trong hàng đợi "
    "và sẽ được gửi khi có cấu hình."
)


def _clock(at=None) -> str:
    return f"{timezone.localtime(at or timezone.now()):%H:%M:%S %d/%m/%Y}"


def outcome_line(outcome: Outcome, max_attempts: int) -> str:
    what = f"hồ sơ {outcome.code}"
    done = "; ".join(outcome.steps)
    if outcome.ok:
        line = f"Đã đồng bộ {what}" + (f": {done}" if done else ": không có gì mới")
    elif outcome.lease_lost:
        line = f"Đồng bộ {what} bị gián đoạn: {outcome.error}"
    elif outcome.failed:
        line = f"Không đồng bộ được {what} sau {outcome.sync.attempts} lần; đã chuyển sang trạng thái lỗi: {outcome.error}"
    elif outcome.transient:
        line = f"Đồng bộ {what} chưa được (lỗi kết nối, sẽ thử lại đến khi được): {outcome.error}; thử lại lúc {_clock(outcome.retry_at)}"
    else:
        line = f"Đồng bộ {what} chưa được (lần {outcome.sync.attempts}/{max_attempts}): {outcome.error}; thử lại lúc {_clock(outcome.retry_at)}"
    if outcome.lease_lost and not line.endswith(outcome.error):
        line += " (tiến trình khác đã nhận lại hồ sơ này vì hết thời hạn giữ)"
    return f"[{_clock()}] {line}"


class SyncWorker:
    def __init__(self, *, interval: float = 2.0, batch: int = 20, stdout: TextIO = sys.stdout):
        self.interval = interval
        self.batch = batch
        self.stdout = stdout
        self._stop = threading.Event()

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def stop(self, signum=None, _frame=None) -> None:
        if self._stop.is_set():
            raise SystemExit(1)
        self._stop.set()
        if signum is not None:
            self.say(f"[{_clock()}] Nhận tín hiệu dừng; dừng sau khi xong hồ sơ đang đồng bộ…")

    def run(self) -> int:
        rules = policy()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        config = AdapterConfig.from_settings()
        where = config.describe() if config else "chưa cấu hình"
        self.say(
            f"[{_clock()}] Tiến trình đồng bộ Cổng DVCQG đã chạy: {where}. "
            f"Thử lại tối đa {rules.max_attempts} lần khi Cổng báo lỗi, giãn cách từ {rules.backoff_seconds:g} giây."
        )
        told_unconfigured = False
        while not self._stop.is_set():
            close_old_connections()
            adapter = client()
            if adapter is None:
                if not told_unconfigured:
                    self.say(f"[{_clock()}] {NOT_CONFIGURED}")
                    told_unconfigured = True
                self._stop.wait(max(self.interval, 5))
                continue
            try:
                outcomes = deliver_due(
                    limit=self.batch, adapter=adapter, on_outcome=lambda o: self.say(outcome_line(o, rules.max_attempts)),
                    should_stop=self._stop.is_set,
                )
            except DatabaseError as exc:
                self.say(f"[{_clock()}] Cơ sở dữ liệu chưa sẵn sàng ({exc}); thử lại sau {max(self.interval, 1):g} giây.")
                close_old_connections()
                self._stop.wait(max(self.interval, 1))
                continue
            if not outcomes:
                self._stop.wait(self.interval)
        self.say(f"[{_clock()}] Đã dừng tiến trình đồng bộ Cổng DVCQG.")
        return 0

    def run_once(self, limit: int) -> list[Outcome]:
        rules = policy()
        if AdapterConfig.from_settings() is None:
            self.say(NOT_CONFIGURED)
            return []
        return deliver_due(limit=limit, on_outcome=lambda o: self.say(outcome_line(o, rules.max_attempts)))
