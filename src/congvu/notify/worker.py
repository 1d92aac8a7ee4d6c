"""The delivery loop run by `congvu worker` (through `congvu manage deliver_notifications --loop`).

It polls the outbox every `interval` seconds when idle, sends what is due, and prints one Vietnamese line per
message with the recipient masked. SIGTERM or Ctrl+C stops it after the message in hand; a second one stops
it at once (the lease then brings the message back). A database that is briefly unreachable or locked is
waited out, not fatal.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import TextIO

from django.db import close_old_connections
from django.db.utils import DatabaseError
from django.utils import timezone, translation

from congvu.notify import conf
from congvu.notify.delivery import Outcome, deliver_due
from congvu.notify.models import Channel
from congvu.notify.transports import describe_channels

CHANNEL_NAMES = {Channel.EMAIL: "email", Channel.SMS: "SMS"}


def mask_recipient(recipient: str) -> str:
    """"an@example.vn" → "a***@example.vn", "+84912345678" → "091****678": enough to follow a log, not to
    copy someone's contact details out of it."""
    if "@" in recipient:
        local, _at, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    from congvu.units.phones import mask_phone

    return mask_phone(recipient)


def _clock(at=None) -> str:
    return f"{timezone.localtime(at or timezone.now()):%H:%M:%S %d/%m/%Y}"


def outcome_line(outcome: Outcome, max_attempts: int) -> str:
    m = outcome.message
    with translation.override("vi"):
        what = f"{CHANNEL_NAMES.get(m.channel, m.channel)} #{m.pk} «{m.get_kind_display()}» tới {mask_recipient(m.recipient)}"
        via = m.get_transport_display()
    if outcome.sent:
        line = f"Đã gửi {what} ({via})"
    elif outcome.dead:
        line = f"Không gửi được {what} sau {m.attempts} lần; đã chuyển sang trạng thái hỏng: {outcome.error}"
    else:
        line = f"Gửi {what} chưa được (lần {m.attempts}/{max_attempts}): {outcome.error}; thử lại lúc {_clock(outcome.retry_at)}"
    if outcome.lease_lost:
        line += " (tiến trình khác đã nhận lại tin này vì hết thời hạn giữ)"
    return f"[{_clock()}] {line}"


class DeliveryWorker:
    def __init__(self, *, interval: float = 1.0, batch: int = 50, stdout: TextIO = sys.stdout):
        self.interval = interval
        self.batch = batch
        self.stdout = stdout
        self._stop = threading.Event()

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def stop(self, signum=None, _frame=None) -> None:
        if self._stop.is_set():
            # Second request: leave now; the row in hand comes back when its lease runs out.
            raise SystemExit(1)
        self._stop.set()
        if signum is not None:
            self.say(f"[{_clock()}] Nhận tín hiệu dừng; dừng sau khi xong tin đang gửi…")

    def run(self) -> int:
        policy = conf.policy()
        channels = describe_channels()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.say(
            f"[{_clock()}] Tiến trình gửi thông báo đã chạy: email → {channels[Channel.EMAIL]}; SMS → {channels[Channel.SMS]}. "
            f"Thử lại tối đa {policy.max_attempts} lần, giãn cách từ {policy.backoff_seconds:g} giây."
        )
        while not self._stop.is_set():
            close_old_connections()
            try:
                outcomes = deliver_due(
                    limit=self.batch, on_outcome=lambda o: self.say(outcome_line(o, policy.max_attempts)), should_stop=self._stop.is_set,
                )
            except DatabaseError as exc:
                # Locked (SQLite under a long write) or unreachable: wait and try again.
                self.say(f"[{_clock()}] Cơ sở dữ liệu chưa sẵn sàng ({exc}); thử lại sau {max(self.interval, 1):g} giây.")
                close_old_connections()
                self._stop.wait(max(self.interval, 1))
                continue
            if not outcomes:
                self._stop.wait(self.interval)
        self.say(f"[{_clock()}] Đã dừng tiến trình gửi thông báo.")
        return 0

    def run_once(self, limit: int) -> list[Outcome]:
        policy = conf.policy()
        return deliver_due(limit=limit, on_outcome=lambda o: self.say(outcome_line(o, policy.max_attempts)))
