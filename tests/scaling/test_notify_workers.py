"""Two notification worker processes (`congvu manage deliver_notifications --loop`, what `congvu worker` runs)
against one PostgreSQL database and a few hundred queued messages: every message reaches the real SMTP server or
the SMS gateway exactly once, both workers take part, and no message is taken by both."""

import re
from collections import Counter

import pytest
from django.db import transaction

from congvu.notify import services
from congvu.notify.models import Channel, OutboxMessage, Status
from tests.notify.conftest import GATEWAY_TOKEN, sms_gateway, smtp_server  # noqa: F401 - fixtures reused
from tests.scaling.conftest import postgresql_only, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

PEOPLE = 120  # each gets an e-mail and an SMS: 240 messages
SENT_LINE = re.compile(r"Đã gửi (?:email|SMS) #(\d+) ")


def test_two_workers_deliver_every_notification_once(processes, sms_gateway, smtp_server):  # noqa: F811
    env = {
        "CONGVU_SMTP_HOST": "127.0.0.1", "CONGVU_SMTP_PORT": str(smtp_server.port), "CONGVU_SMTP_TLS": "none",
        "CONGVU_SMTP_USER": "congvu", "CONGVU_SMTP_PASSWORD": "mat-khau-smtp",
        "CONGVU_SMTP_FROM": "Một cửa <khong-tra-loi@hoankiem.example.vn>", "CONGVU_SMS_URL": sms_gateway.url,
        "CONGVU_SMS_TOKEN": GATEWAY_TOKEN,
        # No message may come back through an expired lease during the test: a resend would be legitimate then.
        "CONGVU_NOTIFY_LEASE_SECONDS": "600",
    }
    workers = [processes.start(f"notify-{n}", "manage", "deliver_notifications", "--loop", "--interval", "0.1", **env) for n in (1, 2)]
    # Both workers poll an empty outbox first, so the whole queue appears to both at the same moment.
    for worker in workers:
        wait_for(lambda w=worker: "Tiến trình gửi thông báo đã chạy" in w.output() or not w.alive(), 30, f"{worker.name} to start")
        assert worker.alive(), worker.output()

    with transaction.atomic():
        for n in range(PEOPLE):
            services.enqueue(
                "feedback_answered", key=f"scaling-{n}", context={"feedback_code": f"PA-{n}", "recipient_name": f"Người {n}"},
                email=f"nguoi{n}@example.vn", phone=f"09{n:08d}",
            )
    rows = list(OutboxMessage.objects.values_list("pk", "channel", "idempotency_key"))
    assert len(rows) == 2 * PEOPLE

    wait_for(lambda: not OutboxMessage.objects.exclude(status=Status.SENT).exists(), 45, "every message to be sent")

    # What left the building: each message exactly once at its receiver (counted before any deduplication).
    sms_keys = Counter(r["headers"].get("idempotency-key") for r in sms_gateway.requests)
    mail_keys = Counter(m["X-Congvu-Idempotency-Key"] for m in smtp_server.inbox.messages())
    assert sms_keys == Counter(key for _pk, channel, key in rows if channel == Channel.SMS)
    assert mail_keys == Counter(key for _pk, channel, key in rows if channel == Channel.EMAIL)
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}

    # Who sent what: each worker logs one line per message; the two sets are disjoint, cover all, and both worked.
    sent_by = [[int(pk) for pk in SENT_LINE.findall(w.output())] for w in workers]
    assert all(sent_by), f"one worker sent nothing: {[len(s) for s in sent_by]}"
    assert not set(sent_by[0]) & set(sent_by[1])
    assert sorted(sent_by[0] + sent_by[1]) == sorted(pk for pk, _channel, _key in rows)

    for worker in workers:
        assert processes.stop(worker) == 0, worker.output()  # SIGTERM: a clean stop after the message in hand
        assert "Đã dừng tiến trình gửi thông báo." in worker.output()
