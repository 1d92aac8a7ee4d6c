"""The loop shared by the background processes that poll a queue (`congvu worker`: notification delivery, the
national portal sync): poll every `interval` seconds when idle, one Vietnamese line per item, SIGTERM or Ctrl+C
stops after the item in hand and a second one at once (the item's lease brings it back), and a database that is
briefly unreachable or locked is waited out, not fatal."""

from __future__ import annotations

import abc
import signal
import sys
import threading
import time
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

    # Upkeep every long-running worker does now and then besides its queue (see housekeeping()).
    housekeeping_every = 3600.0

    def __init__(self, *, interval: float, batch: int, stdout: TextIO = sys.stdout):
        self.interval = interval
        self.batch = batch
        self.stdout = stdout
        self._stop = threading.Event()
        self._next_housekeeping = 0.0

    def housekeeping(self) -> None:
        """Keep the dossier events' monthly partitions (PostgreSQL) created a few months ahead, so events land in
        their month and not in the default partition. Idempotent and serialized in the database, so every worker
        process may do it; a failure (e.g. a role without CREATE) is said and never stops the queue."""
        from congvu.dossiers.partitions import ensure_months_ahead  # noqa: PLC0415

        try:
            created = ensure_months_ahead()
        except DatabaseError as exc:
            self.say(f"[{clock()}] Chưa tạo trước được phân vùng sự kiện hồ sơ ({exc}); sẽ thử lại sau.")
            close_old_connections()
            # A database down at start-up should not leave the months unchecked for a whole period.
            self._next_housekeeping = min(self._next_housekeeping, time.monotonic() + 60)
            return
        if created:
            self.say(f"[{clock()}] Đã tạo trước phân vùng sự kiện hồ sơ: {', '.join(created)}.")

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
            if time.monotonic() >= self._next_housekeeping:
                self._next_housekeeping = time.monotonic() + self.housekeeping_every
                self.housekeeping()
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


class PollingWorkerCommand(abc.ABC):
    """The management command of a polling worker (`deliver_notifications`, `deliver_portal_sync`): one pass for
    cron or a check, or `--loop` for `congvu worker`. A subclass names its worker, its default interval, what an
    item is called and how it counts its outcomes; a mixin so each command stays a plain BaseCommand."""

    worker_class: type[PollingWorker]
    default_interval = 1.0
    # "tin" (a message), "hồ sơ" (a dossier): used in the option help and the closing line.
    item_word = "việc"
    config_error = "Cấu hình không hợp lệ"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="chạy liên tục cho đến khi nhận Ctrl+C hoặc SIGTERM")
        parser.add_argument(
            "--interval", type=float, default=self.default_interval,
            help=f"số giây chờ giữa hai lần kiểm tra khi không có gì cần làm (mặc định {self.default_interval:g})",
        )
        parser.add_argument("--limit", type=int, default=1000, help=f"số {self.item_word} tối đa xử lý trong một lần chạy không --loop (mặc định 1000)")

    @abc.abstractmethod
    def summarise(self, outcomes: list) -> str:
        """The counts of one pass's outcomes, e.g. "3 đã gửi, 1 sẽ thử lại, 0 hỏng"."""

    def handle(self, *args, loop=False, interval=None, limit=1000, **options):
        from django.core.exceptions import ImproperlyConfigured  # noqa: PLC0415
        from django.core.management.base import CommandError  # noqa: PLC0415

        interval = self.default_interval if interval is None else interval
        if interval <= 0 or limit <= 0:
            raise CommandError("--interval và --limit phải là số dương.")
        worker = self.worker_class(interval=interval, stdout=self.stdout)
        try:
            if loop:
                worker.run()
                return
            outcomes = worker.run_once(limit)
        except ImproperlyConfigured as exc:
            raise CommandError(f"{self.config_error}: {exc}") from None
        self.stdout.write(f"Đã xử lý {len(outcomes)} {self.item_word}: {self.summarise(outcomes)}.")
