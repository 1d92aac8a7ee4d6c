"""purge_personal_data anonymises or deletes what is past its retention period and keeps the statistics:
the dossier facts, the rollups, the rating rollups and every count are the same before and after."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from congvu.dossiers.models import Applicant, Dossier
from congvu.dossiers.services import perform_action
from congvu.feedback.models import Feedback, Rating
from congvu.feedback.scoring import Factor, Perception
from congvu.feedback.services import FeedbackInput, refuse_feedback, submit_feedback, submit_rating
from congvu.notify.models import OutboxMessage
from congvu.privacy.models import AccessLogEntry, DataRequest, DataType, PurgeRun, Reason, RecordKind, RetentionPolicy
from congvu.privacy.purge import ANONYMOUS_NAME, months_before, purge
from congvu.privacy.retention import ensure_default_policies
from congvu.privacy.services import close_request, record_access, register_request
from tests.privacy.conftest import CITIZEN, local

pytestmark = pytest.mark.django_db

LATER = local(2037, 1, 1, 9)  # past every default period for what happened in March 2026


def _returned(receive, staff):
    dossier = receive(at=local(2026, 3, 2, 9))
    at = local(2026, 3, 3, 9)
    d = perform_action(dossier, "start_processing", actor=staff.officer, at=at)
    for actor in (staff.officer, staff.specialist, staff.leader):
        d = perform_action(d, "forward", actor=actor, at=at)
    d = perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh"}], at=local(2026, 3, 4, 9))
    return perform_action(d, "return_result", actor=staff.officer, method="counter", returned_to="Nguyễn Văn An", at=local(2026, 3, 5, 9))


@pytest.fixture
def world(receive, staff, place):
    returned = _returned(receive, staff)
    submit_rating(returned, {f: 4 for f in Factor}, {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 1},
                  comment="Chị Hoa ở quầy 3 rất nhiệt tình", at=local(2026, 3, 6, 9))
    still_open = receive(at=local(2026, 3, 2, 10))
    feedback = submit_feedback(FeedbackInput(subject_kind="unit", unit=place.centre, nature="report", title="Chờ lâu", content="Chờ hơn hai giờ tại quầy.",
                                             sender_name="Trần Thị Bình", sender_phone="0987 654 321", sender_email="binh@example.vn"),
                               at=local(2026, 3, 2, 9))
    feedback = refuse_feedback(feedback, staff.leader, "Không thuộc thẩm quyền.", at=local(2026, 3, 3, 9))
    record_access(staff.officer, RecordKind.DOSSIER, returned.code, place.centre, Reason.PROCESSING, at=local(2026, 3, 2, 9))
    request = register_request(personal_id=CITIZEN["personal_id"], full_name="Nguyễn Văn An", kind="access", channel="counter", at=local(2026, 3, 2, 9))
    close_request(request.pk, by=staff.officer, state="done", outcome="Đã giao.", at=local(2026, 3, 3, 9))
    return returned, still_open, feedback


def _statistics():
    from congvu.feedback.models import RatingMonth, RatingRollup
    from congvu.indices.models import DossierFact, Rollup

    def rows(model):
        return sorted(tuple(sorted((k, str(v)) for k, v in r.items() if k != "id")) for r in model.objects.values())

    return {
        "facts": rows(DossierFact), "rollups": rows(Rollup), "rating_rollups": rows(RatingRollup), "rating_months": rows(RatingMonth),
        "dossiers": list(Dossier.objects.order_by("id").values_list("code", "state", "timeliness", "received_at", "due_at", "finished_at",
                                                                    "returned_at", "receiving_unit_id", "updated_at")),
        "ratings": list(Rating.objects.values_list("mean_score", "dislike", "dossier_timeliness", "receiving_unit_id")),
        "feedback": list(Feedback.objects.values_list("state", "nature", "topic", "unit_id", "received_at", "closed_at", "late", "updated_at")),
    }


def _rebuild_statistics():
    from congvu.feedback import services as feedback_services
    from congvu.indices import services as indices

    indices.rebuild()
    feedback_services.rebuild_rating_rollups()


def test_purge_clears_personal_data_and_keeps_every_statistic(world):
    returned, still_open, feedback = world
    _rebuild_statistics()
    before = _statistics()
    assert before["facts"] and before["rollups"] and before["rating_rollups"]

    run = purge(now=LATER, run_by="test")

    applicant = Applicant.objects.get(dossiers=returned)
    assert (applicant.full_name, applicant.personal_id, applicant.phone, applicant.email, applicant.address) == (ANONYMOUS_NAME, "", "", "", "")
    returned.refresh_from_db()
    assert CITIZEN["personal_id"] not in returned.search_text and returned.returned_to == "" and returned.summary == ""
    # Open dossiers keep their applicant, however old.
    assert Applicant.objects.get(dossiers=still_open).personal_id == CITIZEN["personal_id"]
    feedback.refresh_from_db()
    assert (feedback.sender_name, feedback.sender_phone, feedback.sender_email) == ("", "", "") and "binh" not in feedback.search_text
    assert Rating.objects.get().comment == ""
    for message in OutboxMessage.objects.exclude(status__in=["pending", "sending"]):
        assert message.body == "" and "@" not in message.recipient.replace("***@", "")
    assert not AccessLogEntry.objects.exists() and not DataRequest.objects.exists()

    assert _statistics() == before
    from congvu.indices import services as indices

    assert indices.check() == []
    _rebuild_statistics()
    assert _statistics() == before
    assert run.results[DataType.DOSSIER_APPLICANT]["count"] == 1 and run.results[DataType.FEEDBACK_SENDER]["count"] == 1
    assert PurgeRun.objects.get() == run and run.finished_at is not None


def test_nothing_is_purged_before_its_period_and_a_second_run_finds_nothing(world):
    returned, _open, _feedback = world
    run = purge(now=local(2026, 6, 1, 9))
    assert Applicant.objects.get(dossiers=returned).personal_id == CITIZEN["personal_id"]
    assert all(item["count"] == 0 for item in run.results.values())
    purge(now=LATER)
    again = purge(now=LATER)
    assert all(item["count"] == 0 for item in again.results.values())


def test_dry_run_changes_nothing_but_is_recorded(world):
    returned, _open, _feedback = world
    run = purge(now=LATER, dry_run=True)
    assert run.dry_run and run.results[DataType.DOSSIER_APPLICANT]["count"] == 1
    assert Applicant.objects.get(dossiers=returned).personal_id == CITIZEN["personal_id"]
    assert AccessLogEntry.objects.count() == 1


def test_a_disabled_or_longer_policy_keeps_the_data(world):
    returned, _open, _feedback = world
    ensure_default_policies()  # the migration's rows (a flush in an earlier transactional test may have taken them)
    RetentionPolicy.objects.filter(data_type=DataType.DOSSIER_APPLICANT).update(enabled=False)
    RetentionPolicy.objects.filter(data_type=DataType.ACCESS_LOG).update(months=12 * 50)
    run = purge(now=LATER)
    assert Applicant.objects.get(dossiers=returned).personal_id == CITIZEN["personal_id"]
    assert AccessLogEntry.objects.count() == 1 and run.results[DataType.DOSSIER_APPLICANT] == {"months": 120, "enabled": False, "count": 0}


def test_the_command_prints_progress_and_records_the_run(world, monkeypatch):
    out = io.StringIO()
    call_command("purge_personal_data", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "chạy thử" in text or "không có gì hết hạn" in text
    assert "Lần chạy #" in text and PurgeRun.objects.get().dry_run
    from congvu.privacy import purge as purge_module

    real = purge_module.purge
    monkeypatch.setattr("congvu.privacy.management.commands.purge_personal_data.purge", lambda **kw: real(now=LATER, **kw))
    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)
    assert "Người nộp" not in out.getvalue()  # labels are the retention kinds, in Vietnamese
    assert "Thông tin người nộp trên hồ sơ đã kết thúc: 1 bản ghi hết hạn." in out.getvalue()
    assert Applicant.objects.filter(full_name=ANONYMOUS_NAME).count() == 1


@pytest.mark.parametrize(("now", "months", "expected"), [
    (dt.datetime(2026, 3, 31, 10, tzinfo=dt.timezone.utc), 1, (2026, 2, 28)),
    (dt.datetime(2026, 1, 15, 10, tzinfo=dt.timezone.utc), 12, (2025, 1, 15)),
    (dt.datetime(2024, 2, 29, 10, tzinfo=dt.timezone.utc), 12, (2023, 2, 28)),
])
def test_months_before(now, months, expected):
    assert months_before(now, months).date() == dt.date(*expected)
