"""A feedback sender's contact details are shown and logged by the same rule as a dossier's applicant."""

import pytest
from django.urls import reverse

from congvu.feedback.services import FeedbackInput, submit_feedback
from congvu.privacy.models import AccessLogEntry, Reason, RecordKind
from tests.privacy.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def feedback(place):
    return submit_feedback(FeedbackInput(
        subject_kind="unit", unit=place.centre, nature="report", title="Chờ quá lâu", content="Chờ hai giờ.",
        sender_name="Trần Thị Bình", sender_phone="0987 654 321", sender_email="binh@example.vn",
    ), at=local(2026, 3, 2, 9))


def test_sender_contact_is_masked_until_a_reason_then_logged(client, feedback, staff):
    client.force_login(staff.leader)
    url = reverse("feedback_staff:detail", args=[feedback.code])
    page = client.get(url).content.decode()
    assert "Trần Thị Bình" in page and "binh@example.vn" not in page and "b***@example.vn" in page
    assert "098****321" in page and "654 321" not in page
    response = client.post(reverse("privacy:reveal"), {"kind": RecordKind.FEEDBACK, "key": feedback.code, "reason": Reason.COMPLAINT})
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "binh@example.vn" in page
    entry = AccessLogEntry.objects.get()
    assert (entry.record_kind, entry.record_key, entry.reason, entry.user_id) == (RecordKind.FEEDBACK, feedback.code, Reason.COMPLAINT, staff.leader.pk)


def test_out_of_scope_feedback_cannot_be_revealed(client, feedback, staff):
    client.force_login(staff.other)
    assert client.post(reverse("privacy:reveal"), {"kind": "feedback", "key": feedback.code, "reason": "complaint"}).status_code == 404
    assert not AccessLogEntry.objects.exists()
