import pytest

from congvu.dossiers.models import Closure, Routing, SupplementRequest
from congvu.dossiers.services import Conflict, DossierError, InvalidInput, TransitionNotAllowed, perform_action
from congvu.dossiers.states import Action, DossierState, allowed_actions
from tests.dossiers.conftest import local


@pytest.fixture
def processing(receive, staff):
    d = receive(at=local(2026, 3, 2, 9, 0))
    d = perform_action(d, "start_processing", actor=staff.officer, expected_version=1, at=local(2026, 3, 2, 10))
    return perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 11))


def test_steps_forward_back_and_assign(processing, staff, place):
    d = processing
    assert d.state == "processing" and d.current_unit == place.a and d.current_step.position == 1
    d = perform_action(d, "assign", actor=staff.leader, assignee="chuyenvien2", at=local(2026, 3, 2, 14))
    assert d.current_step.assignee == staff.specialist2
    with pytest.raises(InvalidInput):
        perform_action(d, "assign", actor=staff.leader, assignee="motcua-b")  # not of the step's unit
    d = perform_action(d, "forward", actor=staff.specialist2, at=local(2026, 3, 3, 9))
    assert d.current_step.position == 2
    d = perform_action(d, "send_back", actor=staff.leader, reason="Dự thảo chưa đúng mẫu.", at=local(2026, 3, 3, 10))
    assert d.current_step.position == 1
    assert [e.seq for e in d.events.all()] == list(range(1, d.event_count + 1))


def test_joint_processing_adds_a_step_and_routing(processing, staff, place):
    d = perform_action(processing, "forward", actor=staff.specialist, to_unit="T01-STP", share="1", at=local(2026, 3, 3, 9))
    assert d.current_unit == place.dept and d.current_step.name.startswith("Phối hợp")
    assert d.current_step.due_at == local(2026, 3, 4, 17, 0)
    assert Routing.objects.get(dossier=d).to_unit == place.dept
    assert [s.position for s in d.steps.order_by("position")] == [0, 1, 2, 3, 4]
    with pytest.raises(InvalidInput):
        perform_action(d, "forward", actor=staff.dept, to_unit="T01-STP", share="-1")


def test_supplement_outside_window_moves_due_time_by_paused_time(processing, staff):
    # Requested on day 4 after receipt: no restart; the clock stops from Friday 14:00 to Monday 14:00.
    d = perform_action(processing, "request_supplement", actor=staff.specialist, items=["Giấy chứng sinh"], at=local(2026, 3, 6, 14, 0))
    assert d.state == "awaiting_supplement" and not SupplementRequest.objects.get(dossier=d).restarts_clock
    d = perform_action(d, "receive_supplement", actor=staff.officer, at=local(2026, 3, 9, 14, 0))
    assert d.state == "processing" and d.paused_at is None
    assert d.due_at == local(2026, 3, 10, 17, 0)  # one full working day of office time later than 9 March 17:00


def test_stopping_while_waiting_for_the_applicant_is_not_late(processing, staff):
    # Due 9 March 17:00; the papers are asked for on 6 March and never come; stopped on 20 March. The wait is
    # the applicant's, so the dossier is settled on time, not counted against the unit.
    d = perform_action(processing, "request_supplement", actor=staff.specialist, items=["Giấy chứng sinh"], at=local(2026, 3, 6, 14, 0))
    d = perform_action(d, "stop", actor=staff.leader, reason="Quá hạn bổ sung mà công dân không bổ sung.", at=local(2026, 3, 20, 9, 0))
    assert d.state == "stopped" and d.paused_at is None
    assert d.timeliness == "early" and d.late_unit is None  # due moved by the two weeks waited, to 23 March
    assert d.due_at > local(2026, 3, 20, 9, 0)
    assert d.events.last().data["paused_seconds"] > 0


def test_supplement_within_three_days_restarts_full_time(processing, staff):
    d = perform_action(processing, "request_supplement", actor=staff.specialist, items=["Tờ khai"], at=local(2026, 3, 3, 9, 0))
    assert SupplementRequest.objects.get(dossier=d).restarts_clock
    d = perform_action(d, "receive_supplement", actor=staff.officer, at=local(2026, 3, 10, 9, 0))
    assert d.due_at == local(2026, 3, 17, 17, 0) and d.clock_started_at == local(2026, 3, 10, 9, 0)


def test_payment_pauses_and_resumes(processing, staff):
    d = perform_action(processing, "request_payment", actor=staff.specialist, amount_vnd=8000, description="Lệ phí", at=local(2026, 3, 3, 9))
    assert d.state == "awaiting_payment" and d.paused_at is not None
    with pytest.raises(InvalidInput):
        perform_action(d, "request_payment", actor=staff.specialist, amount_vnd=-5, description="x")
    d = perform_action(d, "confirm_payment", actor=staff.officer, receipt_reference="BL-1", at=local(2026, 3, 3, 13, 30))
    assert d.state == "processing" and d.due_at == local(2026, 3, 10, 10, 0)  # 2.5 office hours of pause (09:00–11:30)


@pytest.mark.parametrize("action,kind", [("refuse", "refused"), ("stop", "stopped"), ("withdraw", "withdrawn")])
def test_closures_have_letters(processing, staff, action, kind):
    d = perform_action(processing, action, actor=staff.leader, reason="Lý do cụ thể.", at=local(2026, 3, 3, 9))
    closure = Closure.objects.get(dossier=d)
    assert d.state == kind and closure.kind == kind and "/" in closure.letter_number
    with pytest.raises(TransitionNotAllowed):
        perform_action(d, "start_processing", actor=staff.leader)


def test_apology_once_and_at_least_one_working_day_before(processing, staff):
    # Due Monday 9 March 17:00: the latest apology is Friday 6 March 17:00.
    with pytest.raises(InvalidInput):
        perform_action(processing, "issue_apology", actor=staff.leader, reason="Cần xác minh.", new_due_at="2026-03-12T17:00:00+07:00", at=local(2026, 3, 9, 8))
    with pytest.raises(InvalidInput):
        perform_action(processing, "issue_apology", actor=staff.leader, reason="Cần xác minh.", new_due_at="2026-03-09T10:00:00+07:00", at=local(2026, 3, 6, 9))
    d = perform_action(processing, "issue_apology", actor=staff.leader, reason="Cần xác minh.", new_due_at="2026-03-12T17:00:00+07:00", at=local(2026, 3, 6, 9))
    assert d.extended and d.due_at == local(2026, 3, 12, 17)
    with pytest.raises(InvalidInput) as exc:
        perform_action(d, "issue_apology", actor=staff.leader, reason="Lần nữa.", new_due_at="2026-03-20T17:00:00+07:00", at=local(2026, 3, 6, 10))
    assert exc.value.code == "apology_not_allowed"


def test_optimistic_conflict(processing, staff):
    stale = processing.lock_version - 1
    with pytest.raises(Conflict) as exc:
        perform_action(processing, "forward", actor=staff.specialist, expected_version=stale)
    assert exc.value.status == 409 and exc.value.message.startswith("Hồ sơ vừa được người khác cập nhật")
    d = perform_action(processing, "forward", actor=staff.specialist, expected_version=processing.lock_version)
    assert d.lock_version == stale + 2


def test_dispatcher_rejects_unknown_actions_and_params(processing, staff):
    with pytest.raises(InvalidInput) as exc:
        perform_action(processing, "fly", actor=staff.officer)
    assert exc.value.code == "unknown_action"
    with pytest.raises(InvalidInput) as exc:
        perform_action(processing, "refuse", actor=staff.officer, reason="x", colour="red")
    assert "colour" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        perform_action(processing, "refuse", actor=staff.officer)
    assert "reason" in exc.value.fields


PARAMS = {
    "receive": {}, "not_accept": {"reasons": "Sai thủ tục."}, "start_processing": {}, "accept_step": {}, "forward": {},
    "send_back": {"reason": "Sai."}, "assign": {"assignee": "chuyenvien"}, "request_supplement": {"items": ["Tờ khai"]},
    "receive_supplement": {}, "request_payment": {"amount_vnd": 1000, "description": "Phí"}, "confirm_payment": {},
    "withdraw": {"reason": "Công dân xin rút."}, "stop": {"reason": "Dừng."}, "refuse": {"reason": "Không đủ điều kiện."},
    "issue_apology": {"reason": "Chậm.", "new_due_at": "2027-01-01T17:00:00+07:00"},
    "record_result": {"results": [{"name": "Giấy khai sinh"}]}, "return_result": {"method": "counter", "returned_to": "Nguyễn Văn An"},
}


@pytest.mark.parametrize("action", [a for a in PARAMS])
def test_every_action_forbidden_where_the_table_says(receive, staff, action):
    """From `received` only the table's actions pass the state check; the others are 409 and write nothing."""
    d = receive(at=local(2026, 3, 2, 9, 0))
    if Action(action) in allowed_actions(DossierState.RECEIVED):
        return
    with pytest.raises(TransitionNotAllowed):
        perform_action(d, action, actor=staff.leader, **PARAMS[action])
    d.refresh_from_db()
    assert d.event_count == 1 and d.lock_version == 1


def test_dossier_error_payload(processing, staff):
    try:
        perform_action(processing, "return_result", actor=staff.officer, method="counter", returned_to="A")
    except DossierError as exc:
        assert exc.payload()["code"] == "transition_not_allowed" and exc.payload()["message"]
    else:
        pytest.fail("return_result from processing must be refused")
