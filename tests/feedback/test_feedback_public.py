"""The citizen's side of feedback: the form (named or anonymous, about a procedure, a unit or an officer), the
anti-spam limits, the confirmation, the tracking page that needs the sender's token, the reply to a request
for information, the verdict on the answer, and the published answers."""

import re

import pytest
from django.urls import reverse

from congvu.feedback import services
from congvu.feedback.links import tracking_token
from congvu.feedback.models import Feedback, FeedbackEvent
from congvu.portal.models import RateLimitCounter
from tests.feedback.conftest import feedback_input, local

pytestmark = pytest.mark.django_db

SUBMIT = reverse("feedback:submit")
NOT_FOUND = "Không tìm thấy trang này"


def form_data(subject_unit, **overrides):
    data = {
        "nature": "report", "subject_kind": "unit", "unit": subject_unit.code, "procedure": "", "officer": "", "officer_name": "",
        "title": "Chờ quá lâu", "content": "Tôi phải chờ hơn hai giờ tại quầy tiếp nhận.", "sender_name": "Lê Văn Cường",
        "sender_phone": "0912 345 678", "sender_email": "cuong@example.vn", "website": "",
    }
    data.update(overrides)
    return data


def track_url(item, token=None):
    return reverse("feedback:track", args=[item.code]) + f"?t={token if token is not None else tracking_token(item.code)}"


def test_form_offers_units_by_name(client, place):
    page = client.get(SUBMIT)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Gửi phản ánh, kiến nghị" in html and place.centre.name in html and 'name="website"' in html


def test_named_submission_gets_a_code_and_a_private_link(client, place, staff):
    response = client.post(SUBMIT, form_data(place.centre))
    assert response.status_code == 302
    item = Feedback.objects.get()
    assert response["Location"] == reverse("feedback:submitted", args=[item.code]) + f"?t={tracking_token(item.code)}"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert item.code in html and "Lưu đường dẫn này" in html and tracking_token(item.code) in html
    assert item.channel == "portal" and item.sender_name == "Lê Văn Cường" and item.sender_phone == "+84912345678"
    assert item.unit == place.centre and item.responsible_unit == place.a  # the commune with the leader answers
    assert item.state == "received" and item.topic == "conduct"
    assert FeedbackEvent.objects.get(feedback=item).action == "submit"


def test_anonymous_submission_is_accepted(client, place):
    response = client.post(SUBMIT, form_data(place.b, sender_name="", sender_phone="", sender_email=""))
    assert response.status_code == 302
    item = Feedback.objects.get()
    assert (item.sender_name, item.sender_phone, item.sender_email) == ("", "", "")
    # Nobody leads the commune: it answers itself.
    assert item.responsible_unit == place.b


def test_about_a_procedure_by_code_or_by_words(client, place, catalogue):
    assert client.post(SUBMIT, form_data(place.a, subject_kind="procedure", procedure="1.004884")).status_code == 302
    assert Feedback.objects.get().procedure.code == "1.004884" and Feedback.objects.get().topic == "regulation"
    ambiguous = client.post(SUBMIT, form_data(place.a, subject_kind="procedure", procedure="khai sinh"))
    assert ambiguous.status_code == 400 and "Có nhiều thủ tục phù hợp" in ambiguous.content.decode()
    assert ambiguous.context["form"].procedure_candidates
    picked = client.post(SUBMIT, form_data(place.a, subject_kind="procedure", procedure="khai sinh", procedure_choice="1.001193"))
    assert picked.status_code == 302 and Feedback.objects.filter(procedure__code="1.001193").exists()
    unknown = client.post(SUBMIT, form_data(place.a, subject_kind="procedure", procedure="không có thủ tục nào như vậy"))
    assert unknown.status_code == 400 and "Không tìm thấy thủ tục" in unknown.content.decode()


def test_about_an_officer_picked_or_typed(client, place, staff):
    picked = client.post(SUBMIT, form_data(place.centre, subject_kind="officer", officer=str(staff.officer.pk)))
    assert picked.status_code == 302
    assert Feedback.objects.get().officer == staff.officer and Feedback.objects.get().officer_name == "Cán bộ motcua"
    typed = client.post(SUBMIT, form_data(place.b, subject_kind="officer", officer_name="anh Tuấn ở quầy số 2"))
    assert typed.status_code == 302 and Feedback.objects.filter(officer_name="anh Tuấn ở quầy số 2", officer=None).exists()
    # An officer of another unit cannot be named through the list.
    wrong = client.post(SUBMIT, form_data(place.b, subject_kind="officer", officer=str(staff.officer.pk)))
    assert wrong.status_code == 400 and Feedback.objects.count() == 2
    missing = client.post(SUBMIT, form_data(place.b, subject_kind="officer"))
    assert missing.status_code == 400 and "ghi họ tên cán bộ" in missing.content.decode()


def test_officer_list_shows_display_names_only(client, place, staff):
    html = client.get(reverse("feedback:officer_options"), {"unit": place.a.code}).content.decode()
    assert "Cán bộ lanhdao" in html and "Cán bộ chuyenvien" in html
    assert "motcua" not in html  # the centre's officer is not staff of the commune itself
    assert 'value="lanhdao"' not in html and "+84" not in html and "@" not in html
    assert "Cán bộ" not in client.get(reverse("feedback:officer_options"), {"unit": "khong-co"}).content.decode()


def test_procedure_suggestions(client, catalogue):
    html = client.get(reverse("feedback:procedure_options"), {"procedure": "khai sinh"}).content.decode()
    assert "1.001193 — " in html
    assert client.get(reverse("feedback:procedure_options"), {"procedure": "k"}).content.decode().strip() == ""


@pytest.mark.parametrize("change, field, message", [
    ({"unit": ""}, "unit", ""),
    ({"title": " "}, "title", ""),
    ({"content": "ngắn"}, "content", "ít nhất 10 ký tự"),
    ({"sender_phone": "12345"}, "sender_phone", "không phải là số điện thoại"),
    ({"sender_email": "khong-phai-email"}, "sender_email", ""),
    ({"nature": "khac"}, "nature", ""),
    ({"content": "x" * 5001}, "content", ""),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(client, place, change, field, message):
    response = client.post(SUBMIT, form_data(place.centre, **change))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert "Chưa gửi được" in html
    if message:
        assert message in html
    assert not Feedback.objects.exists() and not FeedbackEvent.objects.exists()


def test_a_unit_that_no_longer_exists_is_refused_by_the_service(place):
    import datetime as dt

    type(place.b).objects.filter(pk=place.b.pk).update(valid_to=dt.date(2025, 6, 30))
    place.b.refresh_from_db()
    with pytest.raises(services.FeedbackError) as error:
        services.submit_feedback(feedback_input(place.b))
    assert "unit" in error.value.fields and not Feedback.objects.exists()


def test_honeypot_refuses_and_writes_nothing(client, place):
    response = client.post(SUBMIT, form_data(place.centre, website="http://spam.example"))
    assert response.status_code == 400 and not Feedback.objects.exists()


def test_rate_limit_per_address_in_the_database(client, place, settings):
    settings.CONGVU_FEEDBACK_LIMIT = 2
    for _ in range(2):
        assert client.post(SUBMIT, form_data(place.centre), REMOTE_ADDR="203.0.113.7").status_code == 302
    limited = client.post(SUBMIT, form_data(place.centre), REMOTE_ADDR="203.0.113.7")
    assert limited.status_code == 429 and "Có quá nhiều phản ánh" in limited.content.decode()
    assert Feedback.objects.count() == 2
    # Another address is not limited; the counter keeps no address, only a keyed hash of it.
    assert client.post(SUBMIT, form_data(place.centre), REMOTE_ADDR="198.51.100.1").status_code == 302
    assert not RateLimitCounter.objects.filter(key__contains="203.0.113.7").exists()
    assert sorted(RateLimitCounter.objects.values_list("count", flat=True)) == [1, 2]


def test_an_invalid_submission_does_not_use_up_the_limit(client, place, settings):
    settings.CONGVU_FEEDBACK_LIMIT = 1
    assert client.post(SUBMIT, form_data(place.centre, content="ngắn")).status_code == 400
    assert client.post(SUBMIT, form_data(place.centre)).status_code == 302


# ------------------------------------------------------------------------------------------------ tracking


def test_tracking_with_the_right_token(client, item):
    page = client.get(track_url(item))
    assert page.status_code == 200
    html = page.content.decode()
    assert item.code in html and "Đã tiếp nhận, chờ xử lý" in html and "Hạn trả lời" in html


@pytest.mark.parametrize("variant", ["wrong", "missing", "other-code", "unknown-code", "malformed-code"])
def test_without_the_right_token_it_is_the_same_404(client, item, place, variant):
    other = services.submit_feedback(feedback_input(place.b), at=local(2026, 3, 2, 10))
    url = {
        "wrong": track_url(item, "x" * 22),
        "missing": reverse("feedback:track", args=[item.code]),
        "other-code": track_url(item, tracking_token(other.code)),
        "unknown-code": reverse("feedback:track", args=["PA-260302-22222X"]) + "?t=abc",
        "malformed-code": reverse("feedback:track", args=["khong-phai-ma"]) + f"?t={tracking_token('khong-phai-ma')}",
    }[variant]
    response = client.get(url)
    assert response.status_code == 404 and NOT_FOUND in response.content.decode() and item.title not in response.content.decode()
    assert client.post(url, {"what": "verdict", "verdict": "satisfied", "t": "x"}).status_code == 404
    assert client.get(reverse("feedback:submitted", args=[item.code]) + "?t=nope").status_code == 404


def test_the_code_may_be_typed_in_lower_case_without_hyphens(client, item):
    typed = item.code.replace("-", "").lower()
    assert client.get(reverse("feedback:track", args=[typed]) + f"?t={tracking_token(item.code)}").status_code == 200


def test_sender_replies_to_a_request_for_information(client, item, staff):
    services.request_info(item, staff.specialist, "Ông/bà cho biết ngày giờ cụ thể.", at=local(2026, 3, 3, 9))
    page = client.get(track_url(item))
    assert "Đơn vị đề nghị ông/bà bổ sung thông tin" in page.content.decode()
    empty = client.post(reverse("feedback:track", args=[item.code]), {"t": tracking_token(item.code), "what": "reply", "reply": " "})
    assert empty.status_code == 400
    done = client.post(reverse("feedback:track", args=[item.code]), {"t": tracking_token(item.code), "what": "reply", "reply": "Sáng 2/3, từ 8 giờ."})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.state == "accepted" and item.info_reply == "Sáng 2/3, từ 8 giờ."
    assert item.events.order_by("-seq").first().actor_name == "Người gửi"


def test_sender_sees_the_answer_and_marks_it_once(client, item, staff, queued):
    services.answer_feedback(item, staff.leader, "Phường đã bố trí thêm một quầy tiếp nhận vào buổi sáng.", at=local(2026, 3, 5, 9))
    page = client.get(track_url(item)).content.decode()
    assert "Phường đã bố trí thêm một quầy" in page and "Ông/bà có hài lòng" in page
    url = reverse("feedback:track", args=[item.code])
    invalid = client.post(url, {"t": tracking_token(item.code), "what": "verdict", "verdict": "maybe"})
    assert invalid.status_code == 400
    assert client.post(url, {"t": tracking_token(item.code), "what": "verdict", "verdict": "dissatisfied", "note": "Chưa giải quyết gốc."}).status_code == 302
    item.refresh_from_db()
    assert item.verdict == "dissatisfied" and item.verdict_at is not None
    again = client.post(url, {"t": tracking_token(item.code), "what": "verdict", "verdict": "satisfied"})
    assert again.status_code == 409
    item.refresh_from_db()
    assert item.verdict == "dissatisfied"
    assert "Ông/bà đã chọn: Không hài lòng" in client.get(track_url(item)).content.decode()
    with pytest.raises(services.FeedbackError):
        services.give_verdict(item, "satisfied")


def test_no_verdict_before_an_answer(client, item):
    url = reverse("feedback:track", args=[item.code])
    assert client.post(url, {"t": tracking_token(item.code), "what": "verdict", "verdict": "satisfied"}).status_code == 409
    item.refresh_from_db()
    assert item.verdict == ""


def test_published_answers_show_only_what_was_approved(client, item, staff, queued):
    item = services.answer_feedback(item, staff.leader, "Đã bố trí thêm quầy.", at=local(2026, 3, 5, 9))
    services.publish_feedback(item, staff.officer, "Phản ánh về thời gian chờ tại quầy.", at=local(2026, 3, 5, 10))
    html = client.get(reverse("feedback:published")).content.decode()
    assert "Phản ánh về thời gian chờ tại quầy." in html and "Đã bố trí thêm quầy." in html
    assert "Trần Thị Bình" not in html and "0987" not in html and "hơn hai giờ" not in html
    assert re.search(item.code, html)


def test_the_dossier_concerned_is_linked_without_telling_whether_it_exists(client, place, receive):
    dossier = receive(at=local(2026, 3, 2, 9))
    known = client.post(SUBMIT, form_data(place.centre, dossier_code=dossier.code.lower()))
    unknown = client.post(SUBMIT, form_data(place.centre, dossier_code="H99.01.TT1-260302-9999"))
    assert known.status_code == unknown.status_code == 302
    linked, unlinked = Feedback.objects.order_by("pk")
    assert linked.dossier == dossier and linked.dossier_code == dossier.code
    assert unlinked.dossier is None and unlinked.dossier_code == "H99.01.TT1-260302-9999"
    malformed = client.post(SUBMIT, form_data(place.centre, dossier_code="ho so cua toi"))
    assert malformed.status_code == 400 and "Mã hồ sơ có dạng" in malformed.content.decode() and Feedback.objects.count() == 2


def test_the_rating_thanks_page_prefills_feedback_about_the_dossier(client, ready):
    from congvu.feedback.links import rating_token
    from congvu.feedback.scoring import Factor, Perception

    services.submit_rating(ready, {f: 5 for f in Factor}, {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 1})
    html = client.get(reverse("feedback:rate_thanks", args=[rating_token(ready)])).content.decode()
    link = re.search(r'href="(/phan-anh/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    form = client.get(link).context["form"]
    assert form.initial["dossier_code"] == ready.code and form.initial["subject_kind"] == "procedure"


def test_without_deadline_rules_nothing_is_received(client, place):
    from congvu.feedback.models import FeedbackDeadlines

    FeedbackDeadlines.objects.all().delete()
    response = client.post(SUBMIT, form_data(place.centre))
    assert response.status_code == 503 and "Chưa cấu hình thời hạn" in response.content.decode()
    assert not Feedback.objects.exists() and not RateLimitCounter.objects.exists()
