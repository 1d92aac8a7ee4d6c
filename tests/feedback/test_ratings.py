"""Rating after the result: through the applicant's signed link, once per dossier, only once the result is
ready; the staff ratings list and its export, scoped."""

import io
import threading

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from congvu.dossiers.services import perform_action
from congvu.feedback import services
from congvu.feedback.errors import ErrorCode, FeedbackError
from congvu.feedback.links import rating_token, rating_url
from congvu.feedback.models import Rating, RatingAnswer, RatingScheme
from congvu.feedback.scoring import Factor, Perception
from tests.feedback.conftest import local, to_result_ready

pytestmark = pytest.mark.django_db

GOOD = {"access": "5", "procedure": "4", "officer": "5", "result": "4", "feedback": "", "trips": "0", "extra_money": "0",
        "appointment": "2", "apology": "", "comment": "Cán bộ hướng dẫn tận tình."}
NOT_FOUND = "Không tìm thấy trang này"


def rate_path(dossier):
    return reverse("feedback:rate", args=[rating_token(dossier)])


def test_rating_link_is_the_one_the_portal_and_notify_use(ready):
    assert rating_url(ready).endswith(rate_path(ready))


def test_happy_path_records_one_rating_with_its_answers(client, ready, staff):
    page = client.get(rate_path(ready))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rất hài lòng" in html and ready.code in html and "Cán bộ motcua" in html
    response = client.post(rate_path(ready), GOOD)
    assert response.status_code == 302 and response["Location"].endswith("/cam-on/")
    assert "Cảm ơn" in client.get(response["Location"]).content.decode()
    rating = Rating.objects.get(dossier=ready)
    assert rating.officer == staff.officer and rating.receiving_unit == ready.receiving_unit and rating.handling_unit == ready.handling_unit
    assert rating.procedure == ready.procedure_version.procedure and rating.dossier_timeliness == "early"
    assert float(rating.mean_score) == 4.5 and not rating.dislike and rating.comment == "Cán bộ hướng dẫn tận tình."
    answers = dict(RatingAnswer.objects.filter(rating=rating).values_list("question", "value"))
    assert answers == {"access": 5, "procedure": 4, "officer": 5, "result": 4, "trips": 0, "extra_money": 0, "appointment": 2}


def test_a_returned_dossier_can_be_rated_and_a_low_score_is_a_dislike(client, ready, staff):
    returned = perform_action(ready, "return_result", actor=staff.officer, method="counter", returned_to="Nguyễn Văn An")
    assert client.post(rate_path(returned), {**GOOD, "officer": "1"}).status_code == 302
    assert Rating.objects.get(dossier=returned).dislike


def test_one_rating_per_dossier(client, ready):
    assert client.post(rate_path(ready), GOOD).status_code == 302
    again = client.get(rate_path(ready))
    assert again.status_code == 200 and "đã được đánh giá" in again.content.decode()
    second = client.post(rate_path(ready), {**GOOD, "officer": "1"})
    assert second.status_code == 409 and "đã được đánh giá" in second.content.decode()
    assert Rating.objects.count() == 1 and RatingAnswer.objects.count() == 7
    assert Rating.objects.get().dislike is False


def test_the_unique_constraint_decides_a_race(ready, monkeypatch):
    scores = {f: 4 for f in Factor}
    perceptions = {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 1}
    services.submit_rating(ready, scores, perceptions)
    # The second request passed the "already rated?" check before the first committed.
    monkeypatch.setattr(services, "check_ratable", lambda dossier: None)
    with pytest.raises(FeedbackError) as error:
        services.submit_rating(ready, scores, perceptions)
    assert error.value.code == ErrorCode.ALREADY_RATED
    assert Rating.objects.count() == 1


@pytest.mark.parametrize("state", ["received", "processing"])
def test_not_before_the_result(client, receive, staff, state):
    dossier = receive(at=local(2026, 3, 2, 9))
    if state == "processing":
        dossier = perform_action(dossier, "start_processing", actor=staff.officer)
    page = client.get(rate_path(dossier))
    assert page.status_code == 200 and "chưa thể đánh giá" in page.content.decode()
    assert client.post(rate_path(dossier), GOOD).status_code == 409
    assert not Rating.objects.exists()


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: "H99-260302-0001:" + t.split(":", 1)[1],
    lambda t: "khong-phai-ma",
])
def test_tampered_token_is_a_vietnamese_404(client, ready, mangle):
    token = mangle(rating_token(ready))
    for response in (client.get(reverse("feedback:rate", args=[token])), client.post(reverse("feedback:rate", args=[token]), GOOD)):
        assert response.status_code == 404 and NOT_FOUND in response.content.decode()
    assert not Rating.objects.exists()


def test_a_token_for_a_dossier_that_does_not_exist_is_404(client, ready):
    from django.core import signing

    from congvu.feedback.links import RATING_SALT

    token = signing.dumps("H99-991231-9999", salt=RATING_SALT, compress=False)
    assert client.get(reverse("feedback:rate", args=[token])).status_code == 404


@pytest.mark.parametrize("change, field, message", [
    ({"officer": ""}, "officer", "Vui lòng chọn điểm"),
    ({"access": "9"}, "access", ""),
    ({"trips": ""}, "trips", "Vui lòng trả lời câu hỏi này"),
    ({"apology": "1"}, "apology", "Chỉ trả lời câu này nếu"),
    ({"comment": "x" * 2001}, "comment", ""),
])
def test_bad_answers_are_refused_with_a_message_and_nothing_is_written(client, ready, change, field, message):
    response = client.post(rate_path(ready), {**GOOD, **change})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Chưa gửi được" in response.content.decode()
    if message:
        assert message in response.content.decode()
    assert not Rating.objects.exists() and not RatingAnswer.objects.exists()


def test_apology_is_accepted_when_the_result_was_late(client, ready):
    assert client.post(rate_path(ready), {**GOOD, "appointment": "0", "apology": "1"}).status_code == 302
    assert dict(RatingAnswer.objects.values_list("question", "value"))["apology"] == 1


def test_scheme_in_force_gives_the_scale(client, ready):
    import datetime as dt

    RatingScheme.objects.create(effective_from=dt.date(2024, 1, 1), name="Thang 7 điểm", scale_max=7, satisfied_at_least=5, dislike_at_most=3)
    html = client.get(rate_path(ready)).content.decode()
    assert 'value="7"' in html
    assert client.post(rate_path(ready), {**GOOD, "access": "7"}).status_code == 302
    assert Rating.objects.get().scheme.scale_max == 7


# ------------------------------------------------------------------------------------------------ staff


def _rate(dossier, officer_score=5):
    return services.submit_rating(
        dossier, {Factor.ACCESS: 5, Factor.PROCEDURE: 4, Factor.OFFICER: officer_score, Factor.RESULT: 5, Factor.FEEDBACK: None},
        {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 1},
    )


def test_ratings_list_is_scoped_and_summarised(login, ready, receive, staff, leaders, inspector, place):
    from congvu.units import services as units

    _rate(ready, officer_score=2)
    # A dossier received by the other commune, rated too.
    b_officer = units.create_staff_member("motcua-b2", "Cán bộ B", place.b, "one_stop_officer").user
    other = to_result_ready(receive(at=local(2026, 3, 2, 10)), staff)
    type(other).objects.filter(pk=other.pk).update(receiving_unit=place.b, handling_unit=place.b, received_by=b_officer)
    other.refresh_from_db()
    _rate(other)
    url = reverse("feedback_staff:ratings")
    page = login(staff.leader).get(url)
    assert page.status_code == 200
    assert [r.dossier.code for r, _scores in page.context["rows"]] == [ready.code]
    summary = page.context["summary"]
    assert summary.count == 1 and summary.dislikes == 1 and summary.per_factor[Factor.OFFICER] == 0
    assert summary.perceptions["appointment"][1] == 1
    assert "SIPAS" in page.content.decode()
    assert login(leaders.b).get(url).context["summary"].count == 1
    assert login(inspector).get(url).context["summary"].count == 2
    filtered = login(inspector).get(url, {"officer": str(b_officer.pk)})
    assert [r.dossier.code for r, _s in filtered.context["rows"]] == [other.code]
    disliked = login(inspector).get(url, {"dislike": "yes"})
    assert [r.dossier.code for r, _s in disliked.context["rows"]] == [ready.code]


def test_ratings_export_is_scoped(login, ready, staff, leaders):
    _rate(ready)
    response = login(staff.leader).get(reverse("feedback_staff:ratings_export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][1] == "Mã hồ sơ" and len(rows) == 2 and rows[1][1] == ready.code
    empty = login(leaders.b).get(reverse("feedback_staff:ratings_export"))
    assert len(list(load_workbook(io.BytesIO(empty.content)).active.iter_rows(values_only=True))) == 1


def test_ratings_are_not_for_counter_staff(login, staff):
    for name in ("feedback_staff:ratings", "feedback_staff:ratings_export"):
        response = login(staff.officer).get(reverse(name))
        assert response.status_code == 403 and "lãnh đạo" in response.content.decode()


def test_bad_rating_filters_show_a_message_not_an_error(login, staff):
    response = login(staff.leader).get(reverse("feedback_staff:ratings"), {"date_from": "2026-03-10", "date_to": "2026-03-01", "officer": "x"})
    assert response.status_code == 200 and response.context["form"].errors


@pytest.mark.skipif("connection.vendor != 'postgresql'")
# The shipped rating scheme a previous transactional test flushed is put back by tests/conftest.py.
@pytest.mark.django_db(transaction=True)
def test_two_ratings_at_once_leave_one(ready):
    scores = {f: 4 for f in Factor}
    perceptions = {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 1}
    barrier = threading.Barrier(2)
    outcomes = []

    def rate():
        try:
            barrier.wait()
            services.submit_rating(ready, scores, perceptions)
            outcomes.append("ok")
        except FeedbackError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=rate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted(["ok", ErrorCode.ALREADY_RATED]) and Rating.objects.count() == 1


def test_without_any_rating_scheme_the_pages_say_so(client, login, ready, staff):
    RatingScheme.objects.all().delete()
    page = client.get(rate_path(ready))
    assert page.status_code == 503 and "Chưa cấu hình cách đánh giá" in page.content.decode()
    assert not Rating.objects.exists()
    staff_page = login(staff.leader).get(reverse("feedback_staff:ratings"))
    assert staff_page.status_code == 200 and "thang 5 điểm mặc định" in staff_page.content.decode()
