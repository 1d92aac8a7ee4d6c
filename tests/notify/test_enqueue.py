"""`enqueue`, the public entry other apps call (feedback answers): idempotent per key and channel, checked
input, rendered at once with autoescaping off, and the per-process template cache."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from congvu.notify import services
from congvu.notify.models import Channel, Kind, NotificationTemplate, OutboxMessage
from congvu.notify.rendering import templates

pytestmark = pytest.mark.django_db

ANSWER = {
    "recipient_name": "Trần Thị Bình", "feedback_code": "PA-2026-0007", "feedback_title": "Thời gian chờ tại quầy",
    "answer": "Trung tâm đã bố trí thêm quầy & kéo dài giờ làm việc <sáng thứ Bảy>.", "answered_by": "Trung tâm Phục vụ hành chính công",
    "feedback_url": "http://127.0.0.1:8000/phan-anh/PA-2026-0007/",
}


def test_enqueue_writes_one_message_per_channel_and_returns_them():
    rows = services.enqueue("feedback_answered", key="feedback-7-answer", context=ANSWER, email="binh@example.vn", phone="0987 654 321")
    assert [(r.channel, r.recipient) for r in rows] == [(Channel.EMAIL, "binh@example.vn"), (Channel.SMS, "+84987654321")]
    assert all(r.pk and r.kind == Kind.FEEDBACK_ANSWERED for r in rows)
    email = rows[0]
    assert email.subject == "Phản ánh, kiến nghị PA-2026-0007 đã được trả lời"
    # Plain text: no HTML escaping of what the officer wrote.
    assert "quầy & kéo dài giờ làm việc <sáng thứ Bảy>." in email.body
    assert "“Thời gian chờ tại quầy”" in email.body and "Xem chi tiết: http://127.0.0.1:8000/phan-anh/PA-2026-0007/" in email.body


def test_enqueue_is_idempotent_per_key_and_channel():
    first = services.enqueue("feedback_answered", key="feedback-7-answer", context=ANSWER, email="binh@example.vn")
    again = services.enqueue("feedback_answered", key="feedback-7-answer", context={**ANSWER, "answer": "Khác"}, email="binh@example.vn")
    assert [r.pk for r in again] == [r.pk for r in first]
    assert OutboxMessage.objects.count() == 1 and "Khác" not in OutboxMessage.objects.get().body
    # The same key later with a phone adds the SMS only.
    both = services.enqueue("feedback_answered", key="feedback-7-answer", context=ANSWER, email="binh@example.vn", phone="0987654321")
    assert [r.channel for r in both] == [Channel.EMAIL, Channel.SMS] and both[0].pk == first[0].pk
    assert OutboxMessage.objects.count() == 2


def test_enqueue_is_one_insert_and_one_select():
    services.enqueue("feedback_answered", key="warm", context=ANSWER, email="a@example.vn")
    with CaptureQueriesContext(connection) as queries:
        services.enqueue("feedback_answered", key="feedback-8", context=ANSWER, email="binh@example.vn", phone="0987654321")
    statements = [q["sql"].lstrip().split()[0].upper() for q in queries.captured_queries]
    assert statements == ["INSERT", "SELECT"], queries.captured_queries


def test_nothing_to_send_without_an_address():
    assert services.enqueue("feedback_answered", key="feedback-9", context=ANSWER) == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("kwargs,message", [
    ({"kind": "birthday"}, "unknown notification kind"),
    ({"key": ""}, "idempotency key"),
    ({"key": "x" * 181}, "idempotency key"),
    ({"email": "not-an-address"}, "not an e-mail address"),
    ({"phone": "12345"}, "not a Vietnamese telephone number"),
])
def test_enqueue_refuses_bad_input_and_writes_nothing(kwargs, message):
    call = {"kind": "feedback_answered", "key": "feedback-10", "context": ANSWER, "email": "binh@example.vn", **kwargs}
    kind = call.pop("kind")
    with pytest.raises(ValueError, match=message):
        services.enqueue(kind, **call)
    assert not OutboxMessage.objects.exists()


def test_a_disabled_template_sends_nothing_on_its_channel():
    NotificationTemplate.objects.filter(kind=Kind.FEEDBACK_ANSWERED, channel=Channel.SMS).update(enabled=False)
    templates.invalidate()
    rows = services.enqueue("feedback_answered", key="feedback-11", context=ANSWER, email="binh@example.vn", phone="0987654321")
    assert [r.channel for r in rows] == [Channel.EMAIL]


def test_saving_a_template_takes_effect_at_once_in_this_process():
    services.enqueue("feedback_answered", key="before", context=ANSWER, phone="0987654321")  # cache loaded
    template = NotificationTemplate.objects.get(kind=Kind.FEEDBACK_ANSWERED, channel=Channel.SMS)
    template.body = "Đã trả lời phản ánh {{ feedback_code }}."
    template.save()
    (row,) = services.enqueue("feedback_answered", key="after", context=ANSWER, phone="0987654321")
    assert row.body == "Đã trả lời phản ánh PA-2026-0007."


def test_template_cache_reads_the_database_once_until_it_expires(settings):
    settings.CONGVU_NOTIFY_TEMPLATE_TTL = "3600"
    services.enqueue("feedback_answered", key="one", context=ANSWER, email="a@example.vn")
    # A change made by another process (plain UPDATE, no signal here) is not seen until the cache expires…
    NotificationTemplate.objects.filter(kind=Kind.FEEDBACK_ANSWERED, channel=Channel.EMAIL).update(subject="Mới: {{ feedback_code }}")
    with CaptureQueriesContext(connection) as queries:
        (row,) = services.enqueue("feedback_answered", key="two", context=ANSWER, email="a@example.vn")
    assert row.subject == "Phản ánh, kiến nghị PA-2026-0007 đã được trả lời"
    assert not any("notify_notificationtemplate" in q["sql"] for q in queries.captured_queries)
    # … and is read once it has.
    settings.CONGVU_NOTIFY_TEMPLATE_TTL = "0"
    (row,) = services.enqueue("feedback_answered", key="three", context=ANSWER, email="a@example.vn")
    assert row.subject == "Mới: PA-2026-0007"


def test_a_deleted_template_falls_back_to_the_default_text():
    NotificationTemplate.objects.filter(kind=Kind.FEEDBACK_ANSWERED).delete()
    (row,) = services.enqueue("feedback_answered", key="feedback-12", context=ANSWER, email="binh@example.vn")
    assert row.subject == "Phản ánh, kiến nghị PA-2026-0007 đã được trả lời"


def test_a_template_broken_outside_the_admin_falls_back_to_the_default():
    NotificationTemplate.objects.filter(kind=Kind.FEEDBACK_ANSWERED, channel=Channel.EMAIL).update(body="{% for x in %}")
    templates.invalidate()
    (row,) = services.enqueue("feedback_answered", key="feedback-13", context=ANSWER, email="binh@example.vn")
    assert "đã được Trung tâm Phục vụ hành chính công trả lời" in row.body


def test_search_text_is_folded_for_accent_insensitive_search():
    email, sms = services.enqueue("feedback_answered", key="feedback-14", context=ANSWER, email="binh@example.vn", phone="0987654321")
    assert "tran thi binh" in email.search_text and "feedback-14.email" in email.search_text
    assert "phan anh, kien nghi pa-2026-0007 da duoc tra loi" in email.search_text  # the subject
    assert "da duoc trung tam phuc vu hanh chinh cong tra loi" in sms.search_text  # an SMS's own words
    assert "bo tri them quay" not in email.search_text  # an e-mail's long body is not folded on every intake
