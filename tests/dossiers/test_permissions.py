"""Seeing a dossier is not enough to act on it: each action needs the role and the place permissions.py names,
in the services (whatever calls them), on the pages (only permitted buttons) and in the API (403 JSON)."""

import json

import pytest
from django.urls import reverse

from congvu.dossiers import permissions
from congvu.dossiers.models import Dossier, DossierEvent, IntakeRecord
from congvu.dossiers.services import perform_action, receive_dossier, refuse_intake
from congvu.dossiers.states import Action
from congvu.units import services as units
from congvu.units.models import ApiToken, Role
from tests.dossiers.conftest import CITIZEN, PASSWORD, local, submit_ids


@pytest.fixture
def more(place):
    """People who can see the dossiers of ward A but hold roles that do not act on them."""

    def make(username, unit, role):
        return units.create_staff_member(username, f"Cán bộ {username}", unit, role, password=PASSWORD).user

    return type("More", (), {
        "inspector": make("thanhtra", place.a, Role.INSPECTOR),
        "centre_leader": make("lanhdao-tt", place.centre, Role.UNIT_LEADER),
    })


@pytest.fixture
def at_appraisal(receive, staff):
    d = perform_action(receive(), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 9, 30))
    return perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 10))


def _unchanged(dossier):
    fresh = Dossier.objects.get(pk=dossier.pk)
    return fresh.lock_version == dossier.lock_version and fresh.event_count == DossierEvent.objects.filter(dossier=dossier).count()


def test_every_action_has_a_place():
    acting = {a for a in Action if a not in (Action.SUBMIT_ONLINE,)}
    assert acting == set(permissions.ACTION_PLACE)


def test_counter_actions_need_a_one_stop_officer_of_the_receiving_unit(receive, staff, more):
    d = receive()
    for actor in (staff.specialist, more.inspector, staff.other, staff.dept):
        with pytest.raises(permissions.Forbidden) as refused:
            perform_action(d, "start_processing", actor=actor)
        assert "không có quyền" in refused.value.message and refused.value.status == 403
        assert _unchanged(d)
    assert perform_action(d, "start_processing", actor=staff.officer).state == "processing"


def test_step_actions_need_the_role_the_workflow_step_names_in_its_unit(at_appraisal, staff, more):
    # The appraisal step belongs to a specialist of ward A; the counter officer and the inspector may only look.
    for actor in (staff.officer, more.inspector, staff.dept):
        with pytest.raises(permissions.Forbidden) as refused:
            perform_action(at_appraisal, "forward", actor=actor)
        assert "chuyên viên xử lý" in refused.value.message and "Phường Hoàn Kiếm" in refused.value.message
    assert _unchanged(at_appraisal)
    d = perform_action(at_appraisal, "forward", actor=staff.specialist)
    assert d.current_step.name == "Phê duyệt kết quả"
    # Approval: the leader's step; the specialist cannot approve their own draft.
    with pytest.raises(permissions.Forbidden):
        perform_action(d, "record_result", actor=staff.specialist, results=[{"name": "Giấy khai sinh"}])
    assert perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh"}]).state == "result_ready"


def test_leader_decisions_need_the_leader_of_the_unit_holding_the_dossier(at_appraisal, staff, more):
    with pytest.raises(permissions.Forbidden):
        perform_action(at_appraisal, "stop", actor=staff.specialist, reason="Có yêu cầu của cơ quan có thẩm quyền")
    with pytest.raises(permissions.Forbidden):
        perform_action(at_appraisal, "assign", actor=staff.specialist, assignee=staff.specialist2)
    # The centre's leader leads the counter, not the ward office that appraises.
    with pytest.raises(permissions.Forbidden):
        perform_action(at_appraisal, "refuse", actor=more.centre_leader, reason="Không đủ điều kiện")
    assert _unchanged(at_appraisal)
    d = perform_action(at_appraisal, "assign", actor=staff.leader, assignee=staff.specialist2)
    assert d.current_step.assignee == staff.specialist2


def test_apology_by_the_late_units_leader_or_the_counter(at_appraisal, staff):
    with pytest.raises(permissions.Forbidden):
        perform_action(at_appraisal, "issue_apology", actor=staff.specialist, reason="Chờ xác minh", new_due_at=local(2026, 3, 20, 17))
    d = perform_action(at_appraisal, "issue_apology", actor=staff.officer, reason="Chờ xác minh", new_due_at=local(2026, 3, 20, 17),
                       at=local(2026, 3, 3, 9))
    assert d.extended


def test_counter_intake_needs_a_counter_role_in_scope(place, staff, catalogue):
    version = catalogue.five
    for actor, unit in ((staff.specialist, place.centre), (staff.other, place.centre)):
        with pytest.raises(permissions.Forbidden) as refused:
            receive_dossier(actor, unit, version, dict(CITIZEN), checked_document_ids=submit_ids(version))
        assert "tiếp nhận hồ sơ" in refused.value.message
        with pytest.raises(permissions.Forbidden):
            refuse_intake(actor, unit, version, dict(CITIZEN), reasons="Không thuộc thẩm quyền")
    assert not Dossier.objects.exists() and not IntakeRecord.objects.exists()


def test_the_page_offers_only_permitted_actions_and_refuses_the_rest_with_403(client, at_appraisal, staff):
    client.force_login(staff.officer)
    url = reverse("dossiers:detail", args=[at_appraisal.code])
    html = client.get(url).content.decode()
    # The counter may take a withdrawal in or apologise, but the appraisal's buttons are not its own.
    assert 'value="withdraw"' in html and 'value="forward"' not in html and 'value="request_supplement"' not in html
    response = client.post(reverse("dossiers:action", args=[at_appraisal.code]),
                           {"action": "forward", "expected_version": at_appraisal.lock_version})
    assert response.status_code == 403 and "không có quyền" in response.content.decode()
    assert _unchanged(at_appraisal)
    client.force_login(staff.specialist)
    html = client.get(url).content.decode()
    assert 'value="forward"' in html and 'value="withdraw"' not in html and 'value="stop"' not in html


def test_the_api_answers_403_with_a_machine_code(client, at_appraisal, staff, place):
    _row, raw = ApiToken.issue("Cổng dịch vụ công", place.centre, staff.officer)
    response = client.post(f"/api/v1/dossiers/{at_appraisal.code}/actions/forward",
                           json.dumps({"expected_version": at_appraisal.lock_version, "params": {}}),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden" and "không có quyền" in body["message"]
    assert _unchanged(at_appraisal)
