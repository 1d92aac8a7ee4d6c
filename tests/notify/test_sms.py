"""SMS through an HTTP gateway (a small server started by the test): headers, JSON body, bearer token; failures
back off and end dead after N attempts, and an administrator's retry sends the message again."""

import datetime as dt

import pytest
from django.utils import timezone

from congvu.notify import delivery, services
from congvu.notify.models import Status, Transport
from tests.dossiers.conftest import local

pytestmark = pytest.mark.django_db


def test_sms_reaches_the_gateway_with_key_token_and_vietnamese_text(sms_gateway, receive, settings):
    settings.CONGVU_SMTP_HOST = ""
    d = receive(at=local(2026, 3, 2, 9, 0))
    row = d.notifications.get(channel="sms")
    delivery.deliver_due()

    (request,) = sms_gateway.requests
    headers, payload = request["headers"], request["json"]
    assert headers["authorization"] == "Bearer thu-nghiem-token-123"
    assert headers["idempotency-key"] == row.idempotency_key
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert payload == {"to": "+84912345678", "text": row.body, "idempotency_key": row.idempotency_key, "message_id": row.pk}
    assert "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm đã tiếp nhận hồ sơ" in payload["text"]
    assert "Hoàn Kiếm".encode() in request["raw"]  # UTF-8 on the wire, not \u escapes
    row.refresh_from_db()
    assert row.status == Status.SENT and row.transport == Transport.SMS_GATEWAY and row.attempts == 1
    assert sms_gateway.delivered == [row.idempotency_key]


def test_failures_back_off_doubling_then_dead_then_an_admin_retry_sends_it(sms_gateway, fast_retries, django_user_model):
    (row,) = services.enqueue("feedback_answered", key="fb-20", context={"feedback_code": "PA-20"}, phone="0912345678")
    sms_gateway.answers = [(503, "bận"), (502, "lỗi cổng"), (500, "hỏng")]
    waits = []
    for attempt in (1, 2):
        started = timezone.now()
        (outcome,) = delivery.deliver_due(now=row.next_attempt_at)
        row.refresh_from_db()
        assert row.status == Status.PENDING and row.attempts == attempt and not outcome.sent
        waits.append(round((row.next_attempt_at - started).total_seconds()))
        assert delivery.deliver_due() == []  # not due before its time
    assert waits[0] in (10, 11) and waits[1] in (20, 21)  # 10 s, then doubled
    assert "HTTP 502" in row.last_error and "lỗi cổng" in row.last_error

    (outcome,) = delivery.deliver_due(now=row.next_attempt_at)  # third and last attempt
    row.refresh_from_db()
    assert outcome.dead and row.status == Status.DEAD and row.attempts == 3 and "HTTP 500" in row.last_error
    assert delivery.deliver_due(now=timezone.now() + dt.timedelta(days=30)) == []  # dead stays dead
    assert sms_gateway.delivered == []

    admin = django_user_model.objects.create_superuser("quantri", "q@example.vn", "x")
    services.retry_message(row, by=admin)
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.attempts == 0 and row.retried_by == admin and row.retried_at
    (outcome,) = delivery.deliver_due()
    row.refresh_from_db()
    assert outcome.sent and row.status == Status.SENT and row.attempts == 1
    assert sms_gateway.delivered == [row.idempotency_key] and sms_gateway.count(row.idempotency_key) == 4


def test_retry_is_refused_unless_the_message_is_dead(sms_gateway):
    (row,) = services.enqueue("feedback_answered", key="fb-21", context={}, phone="0912345678")
    with pytest.raises(services.NotifyError, match="Chỉ gửi lại được tin đã hỏng"):
        services.retry_message(row)
    delivery.deliver_due()
    with pytest.raises(services.NotifyError):
        services.retry_message(row.pk)
    row.refresh_from_db()
    assert row.status == Status.SENT and row.retried_at is None
    with pytest.raises(services.NotifyError, match="Không có tin này"):
        services.retry_message(row.pk + 1000)


def test_a_refused_message_is_dead_at_once(sms_gateway, fast_retries):
    sms_gateway.answers = [(400, "số điện thoại không hợp lệ")]
    (row,) = services.enqueue("feedback_answered", key="fb-22", context={}, phone="0912345678")
    (outcome,) = delivery.deliver_due()
    row.refresh_from_db()
    assert outcome.dead and row.status == Status.DEAD and row.attempts == 1 and "số điện thoại không hợp lệ" in row.last_error


def test_a_wrong_token_is_retried_and_says_so(sms_gateway, settings, fast_retries):
    settings.CONGVU_SMS_TOKEN = "sai"
    (row,) = services.enqueue("feedback_answered", key="fb-23", context={}, phone="0912345678")
    delivery.deliver_due()
    row.refresh_from_db()
    assert row.status == Status.PENDING and "HTTP 401" in row.last_error


def test_a_silent_gateway_times_out_and_is_retried(sms_gateway, settings, fast_retries):
    settings.CONGVU_SMS_TIMEOUT = "1"
    sms_gateway.stall = True
    (row,) = services.enqueue("feedback_answered", key="fb-24", context={}, phone="0912345678")
    (outcome,) = delivery.deliver_due()
    sms_gateway.release.set()
    row.refresh_from_db()
    assert not outcome.sent and row.status == Status.PENDING and "không trả lời sau 1 giây" in row.last_error
    # The gateway had accepted it: the retry carries the same key and is dropped there as a duplicate.
    (outcome,) = delivery.deliver_due(now=row.next_attempt_at)
    assert outcome.sent and sms_gateway.count(row.idempotency_key) == 2 and sms_gateway.delivered == [row.idempotency_key]
