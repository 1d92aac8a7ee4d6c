"""The delivery loop run by `congvu worker` (through `congvu manage deliver_notifications --loop`).

It polls the outbox every `interval` seconds when idle, sends what is due, and prints one Vietnamese line per
message with the recipient masked. SIGTERM or Ctrl+C stops it after the message in hand; a second one stops
it at once (the lease then brings the message back). A database that is briefly unreachable or locked is
waited out, not fatal.
"""

from __future__ import annotations

import sys
from typing import TextIO

from django.utils import translation

from congvu.core.polling import PollingWorker
from congvu.core.polling import clock as _clock
from congvu.notify import conf
from congvu.notify.delivery import Outcome, deliver_due
from congvu.notify.models import Channel
from congvu.notify.transports import describe_channels
# One home for masked contact details: "an@example.vn" → "a***@example.vn", "+84912345678" → "091****678".
from congvu.privacy.masking import mask_recipient

CHANNEL_NAMES = {Channel.EMAIL: "email", Channel.SMS: "SMS"}


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


class DeliveryWorker(PollingWorker):
    stop_notice = "Nhận tín hiệu dừng; dừng sau khi xong tin đang gửi…"

    def __init__(self, *, interval: float = 1.0, batch: int = 50, stdout: TextIO = sys.stdout):
        super().__init__(interval=interval, batch=batch, stdout=stdout)

    def run(self) -> int:
        policy = conf.policy()
        channels = describe_channels()
        self.install_signals()
        self.say(
            f"[{_clock()}] Tiến trình gửi thông báo đã chạy: email → {channels[Channel.EMAIL]}; SMS → {channels[Channel.SMS]}. "
            f"Thử lại tối đa {policy.max_attempts} lần, giãn cách từ {policy.backoff_seconds:g} giây."
        )
        self.poll(lambda: deliver_due(
            limit=self.batch, on_outcome=lambda o: self.say(outcome_line(o, policy.max_attempts)), should_stop=self._stop.is_set,
        ))
        self.say(f"[{_clock()}] Đã dừng tiến trình gửi thông báo.")
        return 0

    def run_once(self, limit: int) -> list[Outcome]:
        policy = conf.policy()
        return deliver_due(limit=limit, on_outcome=lambda o: self.say(outcome_line(o, policy.max_attempts)))
