"""The delivery core: claiming with a lease, reclaiming a row whose worker died, the demo mailbox, fencing a
late outcome, the worker's log lines and the deliver_notifications command."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from congvu.notify import delivery, services
from congvu.notify.models import OutboxMessage, Status, Transport
from congvu.notify.worker import mask_recipient, outcome_line

pytestmark = pytest.mark.django_db


def enqueue(key="fb-1", **kwargs):
    return services.enqueue("feedback_answered", key=key, context={"feedback_code": "PA-1"}, **kwargs)


def test_demo_mailbox_takes_both_channels(demo_mailbox):
    rows = enqueue(email="binh@example.vn", phone="0912345678")
    outcomes = delivery.deliver_due()
    assert [o.sent for o in outcomes] == [True, True]
    for row in rows:
        row.refresh_from_db()
        assert row.status == Status.SENT and row.transport == Transport.MAILBOX and row.sent_at


def test_claim_takes_a_lease_and_counts_an_attempt(demo_mailbox, fast_retries):
    (row,) = enqueue(email="binh@example.vn")
    now = timezone.now()
    claimed = delivery.claim_next(now)
    assert claimed.pk == row.pk and claimed.status == Status.SENDING and claimed.attempts == 1
    assert claimed.next_attempt_at == now + dt.timedelta(seconds=60) and claimed.claim_token
    assert delivery.claim_next(now) is None  # leased: nobody else takes it
    assert delivery.claim_next(now + dt.timedelta(seconds=59)) is None


def test_a_row_whose_worker_died_is_reclaimed_after_its_lease(demo_mailbox, fast_retries):
    (row,) = enqueue(email="binh@example.vn")
    now = timezone.now()
    first = delivery.claim_next(now)  # …and the worker dies here, before sending or before recording
    second = delivery.claim_next(now + dt.timedelta(seconds=61))
    assert second.pk == row.pk and second.attempts == 2 and second.claim_token != first.claim_token
    outcome = delivery.send_claimed(second)
    assert outcome.sent and not outcome.lease_lost
    # The first worker, had it come back, can no longer overwrite the outcome: its claim is gone.
    late = delivery.send_claimed(first)
    assert late.lease_lost
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2


def test_a_lease_running_out_on_the_last_attempt_makes_the_row_dead(demo_mailbox, fast_retries):
    (row,) = enqueue(email="binh@example.vn")
    now = timezone.now()
    for n in range(3):  # max attempts is 3: each claim dies without an outcome
        assert delivery.claim_next(now + dt.timedelta(seconds=61 * n)).attempts == n + 1
    assert delivery.claim_next(now + dt.timedelta(seconds=61 * 3)) is None
    row.refresh_from_db()
    assert row.status == Status.DEAD and "dừng giữa chừng" in row.last_error


def test_a_bug_in_a_transport_is_recorded_not_raised(demo_mailbox, fast_retries, monkeypatch):
    def broken(message):
        raise KeyError("oops")

    monkeypatch.setattr("congvu.notify.transports.MailboxTransport.send", lambda self, message: broken(message))
    (row,) = enqueue(email="binh@example.vn")
    (outcome,) = delivery.deliver_due()
    row.refresh_from_db()
    assert not outcome.sent and row.status == Status.PENDING and "KeyError" in row.last_error


def test_limit_and_order(demo_mailbox):
    for n in range(5):
        enqueue(key=f"fb-{n}", email=f"nguoi{n}@example.vn")
    first = delivery.deliver_due(limit=2)
    assert [o.message.recipient for o in first] == ["nguoi0@example.vn", "nguoi1@example.vn"]
    assert len(delivery.deliver_due()) == 3


def test_log_lines_are_vietnamese_and_mask_the_recipient(demo_mailbox, fast_retries):
    assert mask_recipient("binh@example.vn") == "b***@example.vn"
    assert mask_recipient("+84912345678") == "091****678"
    enqueue(email="binh@example.vn", phone="0912345678")
    lines = [outcome_line(o, 3) for o in delivery.deliver_due()]
    assert "Đã gửi email #" in lines[0] and "«Trả lời phản ánh, kiến nghị» tới b***@example.vn (Hộp thư demo)" in lines[0]
    assert "SMS #" in lines[1] and "091****678" in lines[1] and "0912345678" not in lines[1]


def test_deliver_notifications_command_sends_what_is_due(demo_mailbox):
    enqueue(email="binh@example.vn", phone="0912345678")
    out = io.StringIO()
    call_command("deliver_notifications", stdout=out)
    text = out.getvalue()
    assert text.count("Đã gửi") == 2 and "Đã xử lý 2 tin: 2 đã gửi, 0 sẽ thử lại, 0 hỏng." in text


def test_deliver_notifications_refuses_bad_settings(settings):
    settings.CONGVU_NOTIFY_MAX_ATTEMPTS = "không"
    with pytest.raises(CommandError, match="CONGVU_NOTIFY_MAX_ATTEMPTS"):
        call_command("deliver_notifications", stdout=io.StringIO())
    settings.CONGVU_NOTIFY_MAX_ATTEMPTS = "8"
    with pytest.raises(CommandError, match="số dương"):
        call_command("deliver_notifications", "--interval", "0", stdout=io.StringIO())


def test_an_idle_poll_is_one_read_and_no_transaction(demo_mailbox):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert delivery.claim_next() is None
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]


def test_admin_action_retries_the_selected_failed_messages(client, django_user_model, demo_mailbox):
    from django.urls import reverse

    dead, pending = enqueue(key="fb-1", email="binh@example.vn", phone="0912345678")
    OutboxMessage.objects.filter(pk=dead.pk).update(status=Status.DEAD, attempts=8)
    client.force_login(django_user_model.objects.create_superuser("quantri", "q@example.vn", "x"))
    response = client.post(reverse("admin:notify_outboxmessage_changelist"),
                           {"action": "retry_selected", "_selected_action": [dead.pk, pending.pk]}, follow=True)
    text = response.content.decode()
    assert "Đã đưa lại 1 tin vào hàng chờ gửi." in text and "1 tin không ở trạng thái hỏng nên được giữ nguyên." in text
    dead.refresh_from_db()
    assert dead.status == Status.PENDING and dead.attempts == 0
