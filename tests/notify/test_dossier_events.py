"""Every dossier event that concerns the applicant writes its messages in the event's own transaction:
one per channel the applicant can be reached on, rendered in Vietnamese, with Vietnam times."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch
from django.utils import timezone

from congvu.dossiers.models import DossierEvent
from congvu.dossiers.services import InvalidInput, accept_online, perform_action, reject_online, submit_online
from congvu.notify.models import Channel, Kind, OutboxMessage, Status
from tests.dossiers.conftest import CITIZEN, local

pytestmark = pytest.mark.django_db


def messages_of(dossier, kind=None):
    qs = OutboxMessage.objects.filter(dossier=dossier).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def by_channel(messages):
    return {m.channel: m for m in messages}


@pytest.fixture
def processing(receive, staff):
    d = receive(at=local(2026, 3, 2, 9, 0))
    d = perform_action(d, "start_processing", actor=staff.officer, at=local(2026, 3, 2, 10))
    return perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 11))  # to the appraising specialist


def test_receipt_sends_email_and_sms_with_code_procedure_due_time_and_lookup_link(receive):
    d = receive(at=local(2026, 3, 2, 9, 0))
    sent = by_channel(messages_of(d))
    assert set(sent) == {Channel.EMAIL, Channel.SMS}
    email, sms = sent[Channel.EMAIL], sent[Channel.SMS]
    assert email.kind == sms.kind == Kind.RECEIVED and email.status == Status.PENDING
    assert email.recipient == "an@example.vn" and sms.recipient == "+84912345678"
    assert email.subject == f"Hồ sơ {d.code} đã được tiếp nhận"
    assert "Kính gửi Ông/Bà Nguyễn Văn An" in email.body
    assert d.procedure_version.name in email.body
    # Due 9 March 17:00 in Vietnam, whatever the server's clock zone.
    assert "Ngày hẹn trả kết quả: 17:00 ngày 09/03/2026" in email.body and "Hẹn trả kết quả: 17:00 ngày 09/03/2026" in sms.body
    assert f"/tra-cuu/{d.code}/?t=" in email.body and f"/tra-cuu/{d.code}/?t=" in sms.body
    assert "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm" in sms.body
    event = d.events.get(action="receive")
    assert email.idempotency_key == f"dossier-event-{event.pk}.email" and sms.idempotency_key == f"dossier-event-{event.pk}.sms"
    assert email.attempts == 0 and email.next_attempt_at <= timezone.now()  # due at once


def test_one_message_per_reachable_channel_and_none_without_contact(receive):
    email_only = receive(applicant={**CITIZEN, "phone": ""})
    assert [m.channel for m in messages_of(email_only)] == [Channel.EMAIL]
    phone_only = receive(applicant={**CITIZEN, "email": ""})
    assert [m.channel for m in messages_of(phone_only)] == [Channel.SMS]
    unreachable = receive(applicant={**CITIZEN, "email": "", "phone": ""})
    assert messages_of(unreachable) == []


def test_outbox_rows_belong_to_the_event_transaction(receive):
    with pytest.raises(RuntimeError), transaction.atomic():
        d = receive()
        assert len(messages_of(d)) == 2  # written, but only as part of the intake's transaction
        raise RuntimeError("the intake is rolled back")
    assert not OutboxMessage.objects.exists()


def test_a_refused_action_writes_no_message(processing, staff):
    before = OutboxMessage.objects.count()
    with pytest.raises(InvalidInput):
        perform_action(processing, "request_supplement", actor=staff.specialist, items=[])
    with pytest.raises(InvalidInput):  # too late for an apology: the due day itself
        perform_action(processing, "issue_apology", actor=staff.leader, reason="Chậm.", new_due_at="2026-03-12T17:00:00+07:00", at=local(2026, 3, 9, 8))
    assert OutboxMessage.objects.count() == before


def test_steps_without_a_citizen_notification_write_nothing(processing, staff):
    # start_processing and forward were taken by the fixture: only the receipt has messages.
    assert {m.kind for m in messages_of(processing)} == {Kind.RECEIVED}


def test_supplement_request_lists_what_is_missing(processing, staff):
    d = perform_action(processing, "request_supplement", actor=staff.specialist, items=["Giấy chứng sinh", "Tờ khai có chữ ký"],
                       reason="Tờ khai thiếu chữ ký người đi khai.", at=local(2026, 3, 3, 9))
    sent = by_channel(messages_of(d, Kind.SUPPLEMENT_REQUESTED))
    email, sms = sent[Channel.EMAIL], sent[Channel.SMS]
    assert email.subject == f"Hồ sơ {d.code} cần bổ sung, hoàn thiện"
    assert "- Giấy chứng sinh\n- Tờ khai có chữ ký\n" in email.body
    assert "Lý do: Tờ khai thiếu chữ ký người đi khai." in email.body
    assert "cần bổ sung: Giấy chứng sinh; Tờ khai có chữ ký." in sms.body


def test_payment_request_states_amount_and_fee(processing, staff):
    d = perform_action(processing, "request_payment", actor=staff.specialist, amount_vnd=1250000, description="Lệ phí cấp bản sao trích lục",
                       at=local(2026, 3, 3, 9))
    email = by_channel(messages_of(d, Kind.PAYMENT_DUE))[Channel.EMAIL]
    assert "- Số tiền: 1.250.000 đồng" in email.body and "- Khoản: Lệ phí cấp bản sao trích lục" in email.body
    sms = by_channel(messages_of(d, Kind.PAYMENT_DUE))[Channel.SMS]
    assert "1.250.000 đồng (Lệ phí cấp bản sao trích lục)" in sms.body


def test_apology_gives_the_new_date_in_vietnam_time(processing, staff):
    d = perform_action(processing, "issue_apology", actor=staff.leader, reason="Cần xác minh nơi cư trú.",
                       new_due_at="2026-03-12T10:00:00+00:00", at=local(2026, 3, 6, 9))
    email = by_channel(messages_of(d, Kind.APOLOGY))[Channel.EMAIL]
    assert email.subject == f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {d.code}"
    assert "Ngày hẹn trả kết quả mới: 17:00 ngày 12/03/2026." in email.body  # 10:00 UTC is 17:00 in Hà Nội
    assert "Lý do: Cần xác minh nơi cư trú." in email.body


def _to_last_step(d, staff):
    for actor in (staff.specialist, staff.leader):
        d = perform_action(d, "forward", actor=actor, at=local(2026, 3, 3, 9))
    return d


def test_result_ready_has_the_rating_link_when_rating_exists(processing, staff, monkeypatch):
    monkeypatch.setattr("congvu.feedback.links.rating_url", lambda dossier, request=None: f"http://127.0.0.1:8000/danh-gia/{dossier.code}/")
    d = perform_action(_to_last_step(processing, staff), "record_result", actor=staff.leader,
                       results=[{"name": "Giấy khai sinh (bản chính)"}, {"name": "Trích lục khai sinh"}], at=local(2026, 3, 4, 9))
    sent = by_channel(messages_of(d, Kind.RESULT_READY))
    assert "đã có kết quả: Giấy khai sinh (bản chính); Trích lục khai sinh." in sent[Channel.EMAIL].body
    assert f"http://127.0.0.1:8000/danh-gia/{d.code}/" in sent[Channel.EMAIL].body
    assert f"Đánh giá: http://127.0.0.1:8000/danh-gia/{d.code}/" in sent[Channel.SMS].body


def test_result_ready_without_rating_page_omits_the_link(processing, staff, monkeypatch):
    def missing(dossier, request=None):
        raise NoReverseMatch("feedback:rate is not there yet")

    monkeypatch.setattr("congvu.feedback.links.rating_url", missing)
    d = perform_action(_to_last_step(processing, staff), "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh"}],
                       at=local(2026, 3, 4, 9))
    sent = by_channel(messages_of(d, Kind.RESULT_READY))
    assert "đánh giá" not in sent[Channel.EMAIL].body.lower() and "Đánh giá" not in sent[Channel.SMS].body
    assert sent[Channel.SMS].body == f"Hồ sơ {d.code} đã có kết quả. Mời Ông/Bà nhận tại Trung tâm Phục vụ hành chính công phường Hoàn Kiếm."


def test_refusal_after_processing_gives_the_reasons(processing, staff):
    d = perform_action(processing, "refuse", actor=staff.leader, reason="Người yêu cầu không thuộc đối tượng được đăng ký lại.",
                       at=local(2026, 3, 3, 9))
    sent = by_channel(messages_of(d, Kind.REFUSED))
    assert sent[Channel.EMAIL].subject == f"Hồ sơ {d.code} bị từ chối giải quyết"
    assert "Lý do: Người yêu cầu không thuộc đối tượng được đăng ký lại." in sent[Channel.EMAIL].body
    assert "bị từ chối giải quyết. Lý do: Người yêu cầu" in sent[Channel.SMS].body


def test_online_filing_not_accepted_and_accepted(place, staff, catalogue):
    d = submit_online(place.centre, catalogue.five, dict(CITIZEN), at=local(2026, 3, 1, 20, 0))
    assert messages_of(d) == []  # filing alone: the portal shows the code, no notification
    d = reject_online(d, staff.officer, reasons="Tệp đính kèm không đọc được.", at=local(2026, 3, 2, 8))
    sent = by_channel(messages_of(d, Kind.REFUSED))
    assert sent[Channel.EMAIL].subject == f"Hồ sơ {d.code} không được tiếp nhận"
    assert "nộp trực tuyến không được tiếp nhận" in sent[Channel.EMAIL].body and "Tệp đính kèm không đọc được." in sent[Channel.SMS].body

    other = submit_online(place.centre, catalogue.five, dict(CITIZEN), at=local(2026, 3, 1, 20, 5))
    other = accept_online(other, staff.officer, at=local(2026, 3, 2, 8, 0))
    assert {m.kind for m in messages_of(other)} == {Kind.RECEIVED}


def test_intake_adds_one_insert_for_its_messages(receive):
    receive(at=local(2026, 3, 2, 8, 0))  # warm the template cache, as a running server has it
    with CaptureQueriesContext(connection) as queries:
        d = receive(at=local(2026, 3, 2, 9, 0))
    outbox = [q["sql"] for q in queries.captured_queries if "notify_" in q["sql"]]
    assert len(outbox) == 1 and outbox[0].lstrip().upper().startswith("INSERT"), outbox
    assert len(messages_of(d)) == 2


def test_every_message_points_back_at_its_event(processing, staff):
    d = perform_action(processing, "request_supplement", actor=staff.specialist, items=["Tờ khai"], at=local(2026, 3, 3, 9))
    event_ids = set(DossierEvent.objects.filter(dossier=d).values_list("pk", flat=True))
    for message in messages_of(d):
        event_id = int(message.idempotency_key.split(".")[0].removeprefix("dossier-event-"))
        assert event_id in event_ids
