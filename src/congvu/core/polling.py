"""The loop shared by the background processes that poll a queue (`congvu worker`: notification delivery, the
national portal sync): poll every `interval` seconds when idle, one Vietnamese line per item, SIGTERM or Ctrl+C
stops after the item in hand and a second one at once (the item's lease brings it back), and a database that is
briefly unreachable or locked is waited out, not fatal."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from django.db import close_old_connections
from django.db.utils import DatabaseError
from django.utils import timezone


def clock(at=None) -> str:
    return f"{timezone.localtime(at or timezone.now()):%H:%M:%S %d/%m/%Y}"


class PollingWorker:
    # Said on the first stop request, e.g. "…dừng sau khi xong tin đang gửi…".
    stop_notice = "Nhận tín hiệu dừng; dừng sau khi xong việc đang làm…"

    def __init__(self, *, interval: float, batch: int, stdout: TextIO = sys.stdout):
        self.interval = interval
        self.batch = batch
        self.stdout = stdout
        self._stop = threading.Event()

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def stop(self, signum=None, _frame=None) -> None:
        if self._stop.is_set():
            # Second request: leave now; the item in hand comes back when its lease runs out.
            raise SystemExit(1)
        self._stop.set()
        if signum is not None:
            self.say(f"[{clock()}] {self.stop_notice}")

    def install_signals(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def poll(self, one_pass: Callable[[], list | None]) -> None:
        """Call `one_pass` until stopped. It returns what it handled (empty: wait `interval` before the next pass),
        or None when it has already waited itself."""
        while not self._stop.is_set():
            close_old_connections()
            try:
                handled = one_pass()
            except DatabaseError as exc:
                # Locked (SQLite under a long write) or unreachable: wait and try again.
                self.say(f"[{clock()}] Cơ sở dữ liệu chưa sẵn sàng ({exc}); thử lại sau {max(self.interval, 1):g} giây.")
                close_old_connections()
                self._stop.wait(max(self.interval, 1))
                continue
            if handled is not None and not handled:
                self._stop.wait(self.interval)
