"""The portal sync loop run by `congvu worker` (through `congvu manage deliver_portal_sync --loop`).

It polls the queue every `interval` seconds when idle, syncs what is due and prints one Vietnamese line per
dossier. Without an adapter configured it sends nothing (the changes stay queued) and says so once. SIGTERM
or Ctrl+C stops it after the dossier in hand; a second one stops it at once (the lease brings the dossier
back). A database that is briefly unreachable or locked is waited out, not fatal.
"""

from __future__ import annotations

import sys
from typing import TextIO

from congvu.core.polling import PollingWorker
from congvu.core.polling import clock as _clock
from congvu.sync.adapter import AdapterConfig, client
from congvu.sync.delivery import Outcome, deliver_due, policy

NOT_CONFIGURED = (
    "Chưa cấu hình đồng bộ Cổng DVCQG (CONGVU_PORTAL_ADAPTER_URL trống): các thay đổi hồ sơ được giữ trong hàng đợi "
    "và sẽ được gửi khi có cấu hình."
)


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


class SyncWorker(PollingWorker):
    stop_notice = "Nhận tín hiệu dừng; dừng sau khi xong hồ sơ đang đồng bộ…"

    def __init__(self, *, interval: float = 2.0, batch: int = 20, stdout: TextIO = sys.stdout):
        super().__init__(interval=interval, batch=batch, stdout=stdout)
        self._told_unconfigured = False

    def run(self) -> int:
        rules = policy()
        self.install_signals()
        config = AdapterConfig.from_settings()
        where = config.describe() if config else "chưa cấu hình"
        self.say(
            f"[{_clock()}] Tiến trình đồng bộ Cổng DVCQG đã chạy: {where}. "
            f"Thử lại tối đa {rules.max_attempts} lần khi Cổng báo lỗi, giãn cách từ {rules.backoff_seconds:g} giây."
        )

        def one_pass():
            adapter = client()
            if adapter is None:
                if not self._told_unconfigured:
                    self.say(f"[{_clock()}] {NOT_CONFIGURED}")
                    self._told_unconfigured = True
                self._stop.wait(max(self.interval, 5))
                return None
            return deliver_due(
                limit=self.batch, adapter=adapter, on_outcome=lambda o: self.say(outcome_line(o, rules.max_attempts)),
                should_stop=self._stop.is_set,
            )

        self.poll(one_pass)
        self.say(f"[{_clock()}] Đã dừng tiến trình đồng bộ Cổng DVCQG.")
        return 0

    def run_once(self, limit: int) -> list[Outcome]:
        rules = policy()
        if AdapterConfig.from_settings() is None:
            self.say(NOT_CONFIGURED)
            return []
        return deliver_due(limit=limit, on_outcome=lambda o: self.say(outcome_line(o, rules.max_attempts)))
