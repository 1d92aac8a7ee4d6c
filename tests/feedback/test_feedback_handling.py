"""The unit's side of feedback: deadlines on the responsible unit's calendar, who may do each step, the
answer and its notification in one transaction, lateness, the history, the counter's entry of feedback by
hotline or suggestion box, and the scoped list, filters and export."""

import datetime as dt
import io

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from congvu.feedback import selectors, services
from congvu.feedback.errors import ErrorCode, FeedbackError
from congvu.feedback.models import Feedback, FeedbackDeadlines, FeedbackEvent
from congvu.workcal.models import CalendarOverride
from tests.feedback.conftest import feedback_input, local

pytestmark = pytest.mark.django_db


def action(client, item, name, version=None, **fields):
    data = {"action": name, f"{name}-expected_version": item.lock_version if version is None else version}
    data.update({f"{name}-{key}": value for key, value in fields.items()})
    return client.post(reverse("feedback_staff:action", args=[item.code]), data)


# ------------------------------------------------------------------------------------------------ deadlines


def test_deadlines_skip_the_lunar_new_year_on_the_units_calendar(place, staff):
    # Friday 13 February 2026, the last working day before Tết (14–22 February off).
    item = services.submit_feedback(feedback_input(place.centre), at=local(2026, 2, 13, 9))
    assert item.refuse_due_at == local(2026, 2, 24, 17)
    assert item.info_due_at == local(2026, 2, 27, 17)
    assert item.answer_due_at == local(2026, 3, 13, 17)
    assert item.due_at == item.answer_due_at and item.deadlines.answer_days == 15


def test_deadlines_follow_the_responsible_units_own_closures(place, staff):
    CalendarOverride.objects.create(date=dt.date(2026, 3, 3), kind="unit_closure", unit=place.a, reason="Sáp nhập trụ sở", decision_number="12/QĐ-UBND")
    item = services.submit_feedback(feedback_input(place.centre), at=local(2026, 3, 2, 9))
    assert item.responsible_unit == place.a
    assert item.refuse_due_at == local(2026, 3, 5, 17)  # Tue 3 March closed: Wed 4, Thu 5
    other = services.submit_feedback(feedback_input(place.b), at=local(2026, 3, 2, 9))
    assert other.refuse_due_at == local(2026, 3, 4, 17)


def test_the_rules_in_force_on_the_day_of_receipt_apply(place, staff):
    FeedbackDeadlines.objects.create(effective_from=dt.date(2026, 3, 1), refuse_days=3, request_info_days=5, answer_days=10, publish_days=2,
                                     legal_basis="Quyết định thử nghiệm")
    before = services.submit_feedback(feedback_input(place.b), at=local(2026, 2, 27, 9))
    after = services.submit_feedback(feedback_input(place.b), at=local(2026, 3, 2, 9))
    assert before.deadlines.answer_days == 15 and after.deadlines.answer_days == 10
    assert after.answer_due_at == local(2026, 3, 16, 17)


def test_waiting_for_the_sender_moves_the_answer_deadline(item, staff):
    item = services.request_info(item, staff.specialist, "Cho biết quầy số mấy.", at=local(2026, 3, 3, 9))
    assert item.state == "awaiting_info" and item.due_at is None and not item.late
    before = item.answer_due_at
    item = services.provide_info(item, "Quầy số 2.", at=local(2026, 3, 5, 9))
    assert item.state == "accepted" and item.answer_due_at == local(2026, 3, 25, 17) and before == local(2026, 3, 23, 17)
    assert item.due_at == item.answer_due_at


# ------------------------------------------------------------------------------------------------ answering


def test_leader_answers_and_the_notification_is_queued_in_the_same_transaction(item, staff, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answered = services.answer_feedback(item, staff.leader, "Phường đã bố trí thêm quầy.", at=local(2026, 3, 5, 9))
    assert answered.state == "answered" and answered.answered_by == staff.leader and not answered.late
    assert answered.publish_due_at == local(2026, 3, 9, 17) and answered.due_at == answered.publish_due_at
    [call] = queued.calls
    assert call.kind == "feedback_answered" and call.key == f"feedback:{item.pk}:answered" and call.in_transaction
    assert call.email == "binh@example.vn" and call.phone == "+84987654321"
    assert call.context["feedback_code"] == item.code and call.context["recipient_name"] == "Trần Thị Bình"
    assert "?t=" in call.context["feedback_url"] and call.context["answer"] == "Phường đã bố trí thêm quầy."
    assert call.context["answered_by"] == "Phường Hoàn Kiếm"
    assert queued.committed == [call.key]


def test_the_real_outbox_gets_one_message_per_channel(item, staff):
    from congvu.notify.models import OutboxMessage

    services.answer_feedback(item, staff.leader, "Phường đã bố trí thêm quầy.", at=local(2026, 3, 5, 9))
    messages = OutboxMessage.objects.filter(kind="feedback_answered")
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "sms"]
    assert all(item.code in m.body for m in messages)


def test_rolled_back_answer_queues_nothing(item, staff, queued, django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Boom):
            with transaction.atomic():
                services.answer_feedback(item, staff.leader, "Phường đã bố trí thêm quầy.")
                raise Boom
    item.refresh_from_db()
    assert item.state == "received" and item.answer == "" and len(queued.calls) == 1 and queued.committed == []
    assert not FeedbackEvent.objects.filter(feedback=item, action="answer").exists()


def test_a_failing_notification_leaves_the_feedback_unanswered(item, staff, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("congvu.notify.services.enqueue", broken)
    with pytest.raises(RuntimeError):
        services.answer_feedback(item, staff.leader, "Phường đã bố trí thêm quầy.")
    item.refresh_from_db()
    assert item.state == "received" and item.answered_at is None


def test_no_contact_no_notification(place, staff, queued):
    anonymous = services.submit_feedback(feedback_input(place.centre, sender_phone="", sender_email=""), at=local(2026, 3, 2, 9))
    services.answer_feedback(anonymous, staff.leader, "Đã tiếp thu.", at=local(2026, 3, 3, 9))
    assert queued.calls == []


@pytest.mark.parametrize("who", ["specialist", "officer"])
def test_only_the_leader_answers_or_refuses(login, item, staff, queued, who):
    user = getattr(staff, who)
    for name, fields in (("answer", {"answer": "Trả lời thay."}), ("refuse", {"reason": "Không thuộc thẩm quyền."})):
        response = action(login(user), item, name, **fields)
        assert response.status_code == 403 and "Chỉ lãnh đạo đơn vị chịu trách nhiệm" in response.content.decode()
    with pytest.raises(FeedbackError) as error:
        services.answer_feedback(item, user, "Trả lời thay.")
    assert error.value.code == ErrorCode.FORBIDDEN
    item.refresh_from_db()
    assert item.state == "received" and queued.calls == [] and item.events.count() == 1


def test_another_units_leader_is_refused(login, item, leaders, queued):
    # The province's leader sees the item (it is under the province) but does not answer for the commune.
    client = login(leaders.province)
    assert client.get(reverse("feedback_staff:detail", args=[item.code])).status_code == 200
    assert action(client, item, "answer", answer="Tỉnh trả lời.").status_code == 403
    # The other commune's leader does not even see it.
    client = login(leaders.b)
    assert client.get(reverse("feedback_staff:detail", args=[item.code])).status_code == 404
    assert action(client, item, "answer", answer="Xã khác trả lời.").status_code == 404
    with pytest.raises(FeedbackError) as error:
        services.answer_feedback(item, leaders.b, "Xã khác trả lời.")
    assert error.value.status == 403
    item.refresh_from_db()
    assert item.state == "received" and queued.calls == []


def test_leader_answers_through_the_page(login, item, staff, queued):
    client = login(staff.leader)
    page = client.get(reverse("feedback_staff:detail", args=[item.code]))
    assert page.status_code == 200 and "Trả lời" in page.content.decode()
    empty = action(client, item, "answer", answer="  ")
    assert empty.status_code == 400
    response = action(client, item, "answer", answer="Phường đã bố trí thêm quầy.")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == "answered" and len(queued.calls) == 1


def test_a_stale_page_gets_a_conflict_message(login, item, staff):
    client = login(staff.leader)
    version = item.lock_version
    assert action(client, item, "accept", version=version, topic="conduct").status_code == 302
    stale = action(client, item, "refuse", version=version, reason="Không thuộc thẩm quyền.")
    assert stale.status_code == 409 and "vừa được người khác cập nhật" in stale.content.decode()
    item.refresh_from_db()
    assert item.state == "accepted"


def test_a_step_not_allowed_in_the_state(item, staff, queued):
    answered = services.answer_feedback(item, staff.leader, "Đã trả lời.", at=local(2026, 3, 3, 9))
    with pytest.raises(FeedbackError) as error:
        services.refuse_feedback(answered, staff.leader, "Muộn rồi.")
    assert error.value.code == ErrorCode.NOT_ALLOWED


# ------------------------------------------------------------------------------------------------ lateness and history


def test_each_step_is_timed_against_its_own_limit(place, staff, queued):
    item = services.submit_feedback(feedback_input(place.centre), at=local(2026, 3, 2, 9))
    item = services.accept_feedback(item, staff.officer, topic="regulation", at=local(2026, 3, 3, 9))
    item = services.request_info(item, staff.specialist, "Cần thêm thông tin.", at=local(2026, 3, 10, 9))  # past 5 working days
    assert item.late and item.late_steps == ["request_info"]
    item = services.provide_info(item, "Thông tin thêm.", actor=staff.officer, at=local(2026, 3, 10, 10))
    item = services.answer_feedback(item, staff.leader, "Đã trả lời.", at=local(2026, 3, 12, 9))
    item = services.publish_feedback(item, staff.officer, "Phản ánh về thời gian chờ.", at=local(2026, 3, 20, 9))  # past 2 after answering
    assert item.state == "published" and item.closed_at == local(2026, 3, 20, 9)
    assert item.late_steps == ["request_info", "publish"] and item.topic == "regulation"
    events = list(item.events.order_by("seq").values_list("action", "from_state", "to_state"))
    assert events == [
        ("submit", "", "received"), ("accept", "received", "accepted"), ("request_info", "accepted", "awaiting_info"),
        ("provide_info", "awaiting_info", "accepted"), ("answer", "accepted", "answered"), ("publish", "answered", "published"),
    ]
    assert [e.data.get("late") for e in item.events.filter(action__in=["request_info", "answer", "publish"]).order_by("seq")] == [True, False, True]


def test_late_refusal(item, staff):
    item = services.refuse_feedback(item, staff.leader, "Nội dung đã được giải quyết trước đây.", at=local(2026, 3, 5, 9))
    assert item.state == "refused" and item.late and item.late_steps == ["refuse"] and item.due_at is None
    assert item.refused_by == staff.leader and item.closed_at == local(2026, 3, 5, 9)


def test_history_is_append_only(item):
    event = item.events.get()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


# ------------------------------------------------------------------------------------------------ counter entry


def test_counter_records_hotline_feedback_for_its_unit(login, staff, place):
    client = login(staff.officer)
    assert client.get(reverse("feedback_staff:record")).status_code == 200
    arrived = timezone.localtime() - dt.timedelta(days=1)
    response = client.post(reverse("feedback_staff:record"), {
        "channel": "hotline", "received_at": arrived.strftime("%Y-%m-%dT%H:%M"), "nature": "report", "subject_kind": "officer",
        "unit": place.centre.code, "officer": str(staff.officer.pk), "title": "Gọi đường dây nóng", "content": "Người dân gọi phản ánh về thái độ.",
        "sender_name": "", "sender_phone": "0987 111 222", "sender_email": "",
    })
    item = Feedback.objects.get()
    assert response.status_code == 302 and response["Location"].endswith("?moi=1")
    assert item.channel == "hotline" and item.recorded_by == staff.officer and item.officer == staff.officer
    assert item.received_at == arrived.replace(second=0, microsecond=0)
    assert item.events.get().action == "record" and item.events.get().actor == staff.officer
    page = client.get(response["Location"]).content.decode()
    assert item.code in page and "?t=" in page


def test_counter_cannot_record_for_a_unit_outside_its_scope(staff, place):
    with pytest.raises(FeedbackError) as error:
        services.record_feedback(staff.officer, feedback_input(place.b), "suggestion_box")
    assert "unit" in error.value.fields
    with pytest.raises(FeedbackError) as error:
        services.record_feedback(staff.officer, feedback_input(place.centre), "portal")
    assert "channel" in error.value.fields
    with pytest.raises(FeedbackError) as error:
        services.record_feedback(staff.officer, feedback_input(place.centre), "letter", received_at=timezone.now() + dt.timedelta(days=1))
    assert "received_at" in error.value.fields
    assert not Feedback.objects.exists()


def test_record_form_refuses_bad_input_and_inspectors(login, staff, place, inspector):
    response = login(staff.officer).post(reverse("feedback_staff:record"), {"channel": "hotline", "unit": place.b.code, "nature": "report",
                                                                            "subject_kind": "unit", "title": "X", "content": "Nội dung đủ dài để gửi."})
    assert response.status_code == 400 and not Feedback.objects.exists()
    assert login(inspector).get(reverse("feedback_staff:record")).status_code == 403


# ------------------------------------------------------------------------------------------------ list, filters, export


@pytest.fixture
def three(place, staff, item, catalogue):
    """`item` (about the centre, received 2 March, long overdue), one about commune B, and a fresh one."""
    b = services.submit_feedback(feedback_input(place.b, title="Đường vào trụ sở khó tìm", sender_name="Phạm Văn Dũng"), at=local(2026, 3, 2, 9))
    fresh = services.submit_feedback(feedback_input(place.a, subject_kind="procedure", procedure=catalogue.five.procedure, title="Thủ tục rườm rà"))
    return item, b, fresh


def codes_on(response):
    return [f.code for f, _overdue in response.context["rows"]]


def test_list_is_scoped_to_the_users_units(login, staff, three):
    item, b, fresh = three
    url = reverse("feedback_staff:list")
    assert set(codes_on(login(staff.officer).get(url))) == {item.code}  # the centre sees what is said about it
    assert set(codes_on(login(staff.leader).get(url))) == {item.code, fresh.code}
    assert set(codes_on(login(staff.other).get(url))) == {b.code}
    assert login(staff.other).get(reverse("feedback_staff:detail", args=[item.code])).status_code == 404


def test_export_is_scoped(login, staff, three):
    item, b, _fresh = three
    response = login(staff.other).get(reverse("feedback_staff:export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Mã theo dõi" and [r[0] for r in rows[1:]] == [b.code]
    assert rows[1][12] == "098****321"  # the sender's phone is masked


def test_filters(login, leaders, three):
    item, b, fresh = three
    client = login(leaders.province)
    url = reverse("feedback_staff:list")
    assert set(codes_on(client.get(url, {"overdue": "yes"}))) == {item.code, b.code}
    assert codes_on(client.get(url, {"overdue": "no"})) == [fresh.code]
    assert codes_on(client.get(url, {"q": "duong vao tru so"})) == [b.code]
    assert codes_on(client.get(url, {"q": "pham van dung"})) == [b.code]
    assert codes_on(client.get(url, {"kind": "procedure"})) == [fresh.code]
    assert set(codes_on(client.get(url, {"unit": "T01-A"}))) == {item.code, fresh.code}
    assert codes_on(client.get(url, {"state": "received", "sort": "due"}))[-1] == fresh.code
    bad = client.get(url, {"state": "khong-co", "overdue": "maybe"})
    assert bad.status_code == 200 and bad.context["form"].errors and len(codes_on(bad)) == 3


def test_figures_for_the_indicators(place, staff, queued):
    now = local(2026, 4, 30, 9)
    on_time = services.answer_feedback(services.submit_feedback(feedback_input(place.centre), at=local(2026, 4, 1, 9)), staff.leader,
                                       "Đã trả lời.", at=local(2026, 4, 2, 9))
    on_time = services.publish_feedback(on_time, staff.officer, "Phản ánh về thời gian chờ.", at=local(2026, 4, 3, 9))
    services.give_verdict(on_time, "dissatisfied")
    services.submit_feedback(feedback_input(place.centre), at=local(2026, 3, 2, 9))  # unanswered, overdue by now
    services.submit_feedback(feedback_input(place.centre), at=local(2026, 4, 28, 9))  # within its time
    figures = selectors.feedback_figures(Feedback.objects.all(), now=now)
    assert (figures.total, figures.on_time, figures.overdue, figures.disliked) == (3, 2, 1, 1)
    assert figures.satisfaction_rate == pytest.approx(100 / 3) and figures.on_time_rate == pytest.approx(200 / 3)


def test_demo_feedback_loads(place, staff, catalogue):
    import io as _io

    from congvu.feedback import demo
    from congvu.units import services as units

    ward = units.add_unit("Phường Demo", "commune", demo.WARD, parent=place.province)
    desk = units.add_unit("Trung tâm Demo", "service_centre", demo.DESK, parent=ward)
    units.create_staff_member("motcua-demo", "Nguyễn Thị Lan", desk, "one_stop_officer")
    units.create_staff_member("lanhdao-demo", "Lê Thị Hồng", ward, "unit_leader")
    type(staff.leader).objects.filter(username="lanhdao").update(username="lanhdao-cu")
    type(staff.leader).objects.filter(username="motcua").update(username="motcua-cu")
    type(staff.leader).objects.filter(username="lanhdao-demo").update(username="lanhdao")
    type(staff.leader).objects.filter(username="motcua-demo").update(username="motcua")
    demo.load(_io.StringIO())
    items = Feedback.objects.order_by("received_at")
    assert items.count() == 3
    assert selectors.is_overdue(items[0]) and items[1].state == "published" and items[2].officer.username == "motcua"


def test_staff_home_card_offers_what_the_role_may_open(staff, inspector):
    from django.template.loader import render_to_string

    from congvu.units.selectors import staff_profile_of

    def card(user):
        return render_to_string("feedback/_staff_home_card.html", {"user": user, "profile": staff_profile_of(user)})

    officer, leader, looker = card(staff.officer), card(staff.leader), card(inspector)
    assert reverse("feedback_staff:record") in officer and reverse("feedback_staff:ratings") not in officer
    assert reverse("feedback_staff:record") in leader and reverse("feedback_staff:ratings") in leader
    assert reverse("feedback_staff:record") not in looker and reverse("feedback_staff:ratings") in looker


def test_configuration_is_checked(db):
    from django.core.exceptions import ValidationError

    from congvu.feedback.models import RatingScheme

    with pytest.raises(ValidationError):
        RatingScheme(effective_from=dt.date(2027, 1, 1), name="Sai", scale_max=5, satisfied_at_least=2, dislike_at_most=3).full_clean()
    with pytest.raises(ValidationError):
        FeedbackDeadlines(effective_from=dt.date(2027, 1, 1), refuse_days=20, request_info_days=5, answer_days=15, publish_days=2,
                          legal_basis="Thử").full_clean()
    assert services.deadlines_in_force(dt.date(2020, 1, 1)).answer_days == 15  # before any rule: the earliest
