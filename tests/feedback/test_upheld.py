"""The unit's finding on a complaint about an officer (`Feedback.upheld`), recorded with the answer: asked (and
required) on the answer form only when the feedback is about an officer, checked by the service, shown on the
detail page and in the Excel export. The monthly evaluation counts the upheld ones."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from congvu.feedback import services
from congvu.feedback.errors import ErrorCode, FeedbackError
from congvu.feedback.forms import AnswerForm, action_form
from congvu.feedback.workflow import FeedbackAction
from tests.feedback.conftest import feedback_input, local
from tests.feedback.test_feedback_handling import action

pytestmark = pytest.mark.django_db


@pytest.fixture
def about_officer(place, staff):
    """A complaint naming the centre's officer, received Monday 2 March 2026; the commune's leader answers."""
    return services.submit_feedback(feedback_input(place.centre, subject_kind="officer", officer=staff.officer, title="Cán bộ trả lời cộc lốc"),
                                    at=local(2026, 3, 2, 9))


def test_the_service_records_the_finding_and_its_history(about_officer, staff, queued):
    answered = services.answer_feedback(about_officer, staff.leader, "Phường đã nhắc nhở cán bộ.", upheld=True, at=local(2026, 3, 4, 9))
    answered.refresh_from_db()
    assert answered.upheld is True and answered.state == "answered"
    event = answered.events.get(action="answer")
    assert event.data == {"late": False, "upheld": True}


def test_not_upheld_is_recorded_as_false(about_officer, staff, queued):
    answered = services.answer_feedback(about_officer, staff.leader, "Cán bộ đã làm đúng quy định.", upheld=False, at=local(2026, 3, 4, 9))
    answered.refresh_from_db()
    assert answered.upheld is False


def test_without_a_finding_it_stays_unknown(about_officer, staff, queued):
    # Programs answering on the unit's behalf (imports, the demo's history) may not know the finding.
    answered = services.answer_feedback(about_officer, staff.leader, "Đã tiếp thu.", at=local(2026, 3, 4, 9))
    answered.refresh_from_db()
    assert answered.upheld is None and answered.state == "answered"


def test_a_finding_on_feedback_about_a_unit_is_refused_and_nothing_is_written(item, staff, queued):
    with pytest.raises(FeedbackError) as error:
        services.answer_feedback(item, staff.leader, "Đã bố trí thêm quầy.", upheld=True, at=local(2026, 3, 4, 9))
    assert error.value.code == ErrorCode.INVALID_INPUT and "upheld" in error.value.fields
    assert "phản ánh về cán bộ" in error.value.message
    item.refresh_from_db()
    assert item.state == "received" and item.upheld is None and item.answer == "" and queued.calls == []
    assert not item.events.filter(action="answer").exists()


def test_a_finding_that_is_not_yes_or_no_is_refused(about_officer, staff, queued):
    with pytest.raises(FeedbackError) as error:
        services.answer_feedback(about_officer, staff.leader, "Đã trả lời.", upheld="maybe")
    assert error.value.code == ErrorCode.INVALID_INPUT
    about_officer.refresh_from_db()
    assert about_officer.state == "received" and about_officer.upheld is None


def test_the_form_asks_only_about_an_officer(about_officer, item):
    assert "upheld" in action_form(FeedbackAction.ANSWER, about_officer).fields
    assert "upheld" not in action_form(FeedbackAction.ANSWER, item).fields
    assert "upheld" not in AnswerForm().fields  # built without a feedback item: nothing to ask about


def test_the_page_requires_the_finding_for_a_complaint_about_an_officer(login, about_officer, staff, queued):
    client = login(staff.leader)
    page = client.get(reverse("feedback_staff:detail", args=[about_officer.code])).content.decode()
    # The question is a labelled group of radio buttons, keyboard-usable.
    assert 'type="radio" name="answer-upheld"' in page and "<legend" in page and "Kết luận về phản ánh đối với cán bộ" in page
    missing = action(client, about_officer, "answer", answer="Phường đã nhắc nhở cán bộ.")
    assert missing.status_code == 400 and "Chọn phản ánh về cán bộ có đúng hay không" in missing.content.decode()
    bad = action(client, about_officer, "answer", answer="Phường đã nhắc nhở cán bộ.", upheld="perhaps")
    assert bad.status_code == 400
    about_officer.refresh_from_db()
    assert about_officer.state == "received" and about_officer.upheld is None
    done = action(client, about_officer, "answer", answer="Phường đã nhắc nhở cán bộ.", upheld="yes")
    assert done.status_code == 302
    about_officer.refresh_from_db()
    assert about_officer.state == "answered" and about_officer.upheld is True
    shown = client.get(reverse("feedback_staff:detail", args=[about_officer.code])).content.decode()
    assert "Đúng: cán bộ có lỗi" in shown


def test_the_page_does_not_ask_about_a_unit(login, item, staff, queued):
    client = login(staff.leader)
    page = client.get(reverse("feedback_staff:detail", args=[item.code])).content.decode()
    assert "answer-upheld" not in page
    # A finding posted anyway (a crafted request) is ignored by the form: the field is not on it.
    assert action(client, item, "answer", answer="Đã bố trí thêm quầy.", upheld="yes").status_code == 302
    item.refresh_from_db()
    assert item.state == "answered" and item.upheld is None
    assert "Kết luận về phản ánh đối với cán bộ" not in client.get(reverse("feedback_staff:detail", args=[item.code])).content.decode()


def test_the_export_has_the_finding(login, about_officer, item, staff, queued):
    services.answer_feedback(about_officer, staff.leader, "Cán bộ đã làm đúng quy định.", upheld=False, at=local(2026, 3, 4, 9))
    response = login(staff.leader).get(reverse("feedback_staff:export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    column = rows[0].index("Phản ánh đúng")
    by_code = {r[0]: r[column] for r in rows[1:]}
    assert by_code[about_officer.code] == "Không đúng" and by_code[item.code] in ("", None)
