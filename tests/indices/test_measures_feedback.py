"""Decision 766 indicators 5.1–5.3 from the feedback the system recorded, judged as it stood at the end of the
period: classified, handled on time (refused on time or late, in process within its deadline, overdue), and
satisfaction with the handling (disliked or late subtracted once); the drill-down lists agree with the numbers."""

import pytest

from congvu.feedback import selectors, services
from congvu.indices.measures import Measure
from congvu.indices.measures_feedback import feedback_measures
from congvu.indices.periods import Period
from tests.dossiers.conftest import local, place, staff  # noqa: F401
from tests.feedback.conftest import feedback_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(place, staff, monkeypatch):
    monkeypatch.setattr("congvu.notify.services.enqueue", lambda *a, **k: [])
    received = local(2026, 3, 2, 9)  # Mon 2 Mar: refuse by Wed 4 Mar 17:00, answer by Mon 23 Mar 17:00

    def new(at=received):
        return services.submit_feedback(feedback_input(place.centre), at=at)

    a = services.accept_feedback(new(), staff.officer, topic="conduct", at=local(2026, 3, 3, 9))
    a = services.refuse_feedback(a, staff.leader, "Đã được giải quyết trước đây.", at=local(2026, 3, 4, 10))  # on time
    b = services.refuse_feedback(new(), staff.leader, "Không thuộc thẩm quyền.", at=local(2026, 3, 5, 9))  # late: due 4 Mar 17:00
    c = services.accept_feedback(new(), staff.officer, at=local(2026, 3, 3, 9))
    c = services.answer_feedback(c, staff.leader, "Đã bố trí thêm quầy.", at=local(2026, 3, 5, 9))
    c = services.publish_feedback(c, staff.officer, "Phản ánh về thời gian chờ.", at=local(2026, 3, 6, 9))  # due 9 Mar
    c = services.give_verdict(c, "dissatisfied", at=local(2026, 3, 7, 9))
    d = services.accept_feedback(new(local(2026, 3, 25, 9)), staff.officer, at=local(2026, 3, 26, 9))  # answer due 15 Apr
    d = services.answer_feedback(d, staff.leader, "Trả lời muộn.", at=local(2026, 4, 28, 9))
    e = new()  # never handled: overdue since 23 Mar
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_march_as_it_stood_on_31_march(history, place):
    march = Period.month(2026, 3)
    measures = feedback_measures(place.a, march)
    # Five items: classified on acceptance a, c, d (b refused without, e untouched) → 3/5.
    assert measures["5.1"] == Measure(3, 5)
    # Late on 31 Mar: b (refused late) and e (answer overdue since 23 Mar); d was within its deadline then → 3/5.
    assert measures["5.2"] == Measure(3, 5)
    # Subtracted for 5.3: b, e (late) and c (the sender was not satisfied) → (5 − 3)/5.
    assert measures["5.3"] == Measure(2, 5)
    assert feedback_measures(place.province, march) == measures  # the province sees its commune's feedback
    assert set(selectors.feedback_behind(place.a, march, "late")) == {history["b"], history["e"]}
    assert set(selectors.feedback_behind(place.a, march, "on_time")) == {history["a"], history["c"], history["d"]}
    assert set(selectors.feedback_behind(place.a, march, "unsatisfied")) == {history["b"], history["c"], history["e"]}
    assert set(selectors.feedback_behind(place.a, march, "classified")) == {history["a"], history["c"], history["d"]}
    assert selectors.feedback_behind(place.a, march, "all").count() == 5


def test_april_counts_what_was_carried_over(history, place):
    april = feedback_measures(place.a, Period.month(2026, 4))
    # a, b, c were closed in March; d (answered 28 Apr, 13 days late) and e (still unanswered) are carried over.
    assert april == {"5.1": Measure(1, 2), "5.2": Measure(0, 2), "5.3": Measure(0, 2)}
    # A range that ends before d's deadline sees it in process within its time.
    early = feedback_measures(place.a, Period.parse("2026-04-01_2026-04-10"))
    assert early["5.2"] == Measure(1, 2)


def test_waiting_for_the_sender_is_not_overdue(place, staff):
    item = services.submit_feedback(feedback_input(place.centre), at=local(2026, 3, 2, 9))
    services.request_info(item, staff.specialist, "Quầy số mấy?", at=local(2026, 3, 3, 9))
    # Still waiting on 31 Mar, past the original 23 Mar answer deadline: the clock is stopped.
    assert feedback_measures(place.a, Period.month(2026, 3))["5.2"] == Measure(1, 1)


def test_no_feedback_at_all(place):
    measures = feedback_measures(place.b, Period.month(2026, 3))
    assert measures == {"5.1": Measure(0, 0), "5.2": Measure(0, 0), "5.3": Measure(0, 0)}
    assert measures["5.2"].rate is None
    with pytest.raises(ValueError):
        selectors.feedback_behind(place.b, Period.month(2026, 3), "everything")
