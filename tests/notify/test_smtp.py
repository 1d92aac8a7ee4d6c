"""E-mail over a real SMTP server (aiosmtpd, started by the test): Vietnamese arrives intact, the Message-ID
carries the idempotency key, login works, and an unreachable server means a retry later, not a lost message."""

import datetime as dt

import pytest
from django.utils import timezone

from congvu.notify import delivery, services
from congvu.notify.models import OutboxMessage, Status, Transport
from congvu.notify.transports import message_id
from tests.dossiers.conftest import local
from tests.notify.conftest import free_port

pytestmark = pytest.mark.django_db


def test_receipt_email_arrives_intact_with_the_key_in_its_message_id(smtp_server, receive, settings):
    settings.CONGVU_SMS_URL = ""  # the SMS goes to the demo mailbox in this test
    d = receive(at=local(2026, 3, 2, 9, 0))
    email_row = OutboxMessage.objects.get(dossier=d, channel="email")
    outcomes = delivery.deliver_due()
    assert {o.message.channel for o in outcomes if o.sent} == {"email", "sms"}

    (envelope,) = smtp_server.inbox.envelopes
    assert envelope.mail_from == "khong-tra-loi@hoankiem.example.vn" and envelope.rcpt_tos == ["an@example.vn"]
    (mail,) = smtp_server.inbox.messages()
    # Django folds an encoded subject onto a continuation line; readers drop the folding whitespace.
    assert mail["Subject"].strip() == f"Hồ sơ {d.code} đã được tiếp nhận"
    assert mail["From"] == "Một cửa Hoàn Kiếm <khong-tra-loi@hoankiem.example.vn>"
    body = mail.get_content()
    assert "Kính gửi Ông/Bà Nguyễn Văn An" in body and "Ngày hẹn trả kết quả: 17:00 ngày 09/03/2026" in body
    assert body.replace("\r\n", "\n").strip() == email_row.body  # every character, diacritics included
    assert mail["Message-ID"] == f"<{email_row.idempotency_key}@hoankiem.example.vn>"
    assert mail["X-Congvu-Idempotency-Key"] == email_row.idempotency_key
    assert mail["Auto-Submitted"] == "auto-generated"
    assert smtp_server.inbox.logins == [(b"congvu", True)]

    email_row.refresh_from_db()
    assert email_row.status == Status.SENT and email_row.transport == Transport.SMTP and email_row.attempts == 1 and email_row.sent_at


def test_message_id_keeps_any_key_distinct_and_valid():
    assert message_id("dossier-event-12.email", "example.vn") == "<dossier-event-12.email@example.vn>"
    weird = message_id("phản ánh 7/trả lời@x", "example.vn")
    assert weird.startswith("<") and weird.endswith("@example.vn>") and " " not in weird and weird.count("@") == 1
    assert message_id("a b", "x") != message_id("a_b", "x")


def test_wrong_password_is_a_retry_with_a_clear_error(smtp_server, settings, fast_retries):
    settings.CONGVU_SMTP_PASSWORD = "sai"
    (row,) = services.enqueue("feedback_answered", key="fb-1", context={"feedback_code": "PA-1"}, email="binh@example.vn")
    (outcome,) = delivery.deliver_due()
    row.refresh_from_db()
    assert not outcome.sent and row.status == Status.PENDING and row.attempts == 1
    assert "từ chối đăng nhập" in row.last_error and "CONGVU_SMTP_USER/PASSWORD" in row.last_error
    assert smtp_server.inbox.envelopes == []


def test_unreachable_server_backs_off_then_delivers_when_it_is_back(settings, fast_retries):
    port = free_port()  # nothing listens here yet
    settings.CONGVU_SMTP_HOST, settings.CONGVU_SMTP_PORT, settings.CONGVU_SMTP_TLS = "127.0.0.1", str(port), "none"
    settings.CONGVU_SMTP_FROM = "khong-tra-loi@example.vn"
    settings.CONGVU_SMTP_USER = ""
    (row,) = services.enqueue("feedback_answered", key="fb-2", context={"feedback_code": "PA-2"}, email="binh@example.vn")
    before = timezone.now()
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.attempts == 1 and "Không gửi được thư qua 127.0.0.1" in row.last_error
    assert before + dt.timedelta(seconds=10) <= row.next_attempt_at <= timezone.now() + dt.timedelta(seconds=10)
    assert delivery.deliver_due() == []  # not due yet

    from aiosmtpd.controller import Controller

    from tests.notify.conftest import _Inbox

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        (outcome,) = delivery.deliver_due(now=row.next_attempt_at)
    finally:
        controller.stop()
    row.refresh_from_db()
    assert outcome.sent and row.status == Status.SENT and row.attempts == 2
    assert inbox.messages()[0]["Subject"].strip() == "Phản ánh, kiến nghị PA-2 đã được trả lời"


def test_missing_sender_address_is_reported(smtp_server, settings, fast_retries):
    settings.CONGVU_SMTP_FROM = ""
    services.enqueue("feedback_answered", key="fb-3", context={}, email="binh@example.vn")
    (outcome,) = delivery.deliver_due()
    assert not outcome.sent and "CONGVU_SMTP_FROM" in outcome.error


def test_refused_recipient_is_dead_at_once(smtp_server, settings, fast_retries):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 Không có hộp thư này"

    smtp_server.inbox.handle_RCPT = refuse
    (row,) = services.enqueue("feedback_answered", key="fb-4", context={}, email="khong-ton-tai@example.vn")
    (outcome,) = delivery.deliver_due()
    row.refresh_from_db()
    assert outcome.dead and row.status == Status.DEAD and row.attempts == 1 and "550" in row.last_error
