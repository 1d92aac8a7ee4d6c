import io

import pytest
from django.core.management import call_command
from django.db import connection

from congvu.dossiers import selectors
from congvu.dossiers.models import Dossier, DossierEvent
from congvu.dossiers.services import InvalidInput, perform_action
from tests.dossiers.conftest import local


def _to_last_step(d, staff, at):
    d = perform_action(d, "start_processing", actor=staff.officer, at=at)
    # Each step is passed on by the role its workflow step names: counter, appraisal, approval.
    for actor in (staff.officer, staff.specialist, staff.leader):
        d = perform_action(d, "forward", actor=actor, at=at)
    return d


def test_result_early_and_returned_by_post(receive, staff):
    d = _to_last_step(receive(at=local(2026, 3, 2, 9)), staff, local(2026, 3, 3, 9))
    d = perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh (bản chính)"}], at=local(2026, 3, 4, 9))
    assert d.state == "result_ready" and d.timeliness == "early" and d.late_unit is None
    with pytest.raises(InvalidInput):
        perform_action(d, "return_result", actor=staff.officer, method="post", returned_to="Nguyễn Văn An")
    d = perform_action(d, "return_result", actor=staff.officer, method="post", returned_to="Nguyễn Văn An", postal_tracking="EMS123", at=local(2026, 3, 5, 9))
    assert d.state == "returned" and d.results.get().returned_at is not None


def test_late_result_attributed_to_the_step_that_overran(receive, staff, place):
    d = perform_action(receive(at=local(2026, 3, 2, 9)), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 9, 30))
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 10))
    d = perform_action(d, "forward", actor=staff.specialist, at=local(2026, 3, 11, 9))  # appraisal due 6 March
    d = perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh"}], at=local(2026, 3, 11, 10))
    assert d.timeliness == "late" and d.late_unit == place.a
    assert d.steps.get(position=1).overran and not d.steps.get(position=0).overran


def test_two_supplements_count_as_late_even_when_early(receive, staff):
    d = perform_action(receive(at=local(2026, 3, 2, 9)), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 9, 30))
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 9, 40))  # to the appraising specialist
    for day in (3, 4):
        d = perform_action(d, "request_supplement", actor=staff.specialist, items=["Tờ khai"], at=local(2026, 3, day, 9))
        d = perform_action(d, "receive_supplement", actor=staff.officer, at=local(2026, 3, day, 10))
    assert d.supplement_count == 2
    d = perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh"}], at=local(2026, 3, 4, 11))
    assert d.timeliness == "late"


def test_apology_counts_late(receive, staff):
    d = perform_action(receive(at=local(2026, 3, 2, 9)), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 9, 30))
    d = perform_action(d, "issue_apology", actor=staff.leader, reason="Chờ xác minh.", new_due_at=local(2026, 3, 13, 17), at=local(2026, 3, 3, 9))
    d = perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh"}], at=local(2026, 3, 4, 9))
    assert d.timeliness == "late"


def test_linked_procedures_give_several_results(receive, staff, catalogue):
    from congvu.catalog.models import Procedure

    linked = Procedure.objects.get(code="1.010041")
    catalogue.five.linked_procedures.add(linked)
    d = perform_action(receive(at=local(2026, 3, 2, 9)), "start_processing", actor=staff.officer)
    with pytest.raises(InvalidInput):
        perform_action(d, "record_result", actor=staff.leader, results=[{"name": "X", "procedure": "1.001193"}])
    d = perform_action(d, "record_result", actor=staff.leader, results=[
        {"name": "Giấy khai sinh", "procedure": "1.004884"}, {"name": "Xác nhận thông tin cư trú", "procedure": "1.010041", "electronic": True},
    ])
    assert sorted(d.results.values_list("procedure__code", flat=True)) == ["1.004884", "1.010041"]


def test_verify_reports_no_drift_then_drift(receive, staff):
    d = _to_last_step(receive(at=local(2026, 3, 2, 9)), staff, local(2026, 3, 3, 9))
    perform_action(d, "request_supplement", actor=staff.leader, items=["Tờ khai"], at=local(2026, 3, 3, 10))
    out = io.StringIO()
    call_command("verify_dossiers", "--quiet", stdout=out)
    assert "0 hồ sơ lệch" in out.getvalue()
    Dossier.objects.filter(pk=d.pk).update(state="processing", supplement_count=0)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("verify_dossiers", "--code", d.code, "--quiet", stdout=out)
    assert exc.value.code == 1
    assert f"{d.code}: state" in out.getvalue() and f"{d.code}: supplement_count" in out.getvalue()


def test_events_are_append_only(receive):
    event = DossierEvent.objects.get(dossier=receive())
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the UPDATE/DELETE trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_sql_updates(receive):
    from django.db import DatabaseError, transaction

    receive()
    with pytest.raises(DatabaseError), transaction.atomic():
        DossierEvent.objects.update(reason="sửa")
    with pytest.raises(DatabaseError), transaction.atomic():
        DossierEvent.objects.all()._raw_delete(DossierEvent.objects.db)


def test_scoping_other_commune_sees_nothing(receive, staff, place):
    d = receive()
    assert selectors.dossier_for(staff.officer, d.code) == d
    assert selectors.dossier_for(staff.specialist, d.code) == d  # the commune that decides
    assert selectors.dossier_for(staff.other, d.code) is None
    assert selectors.dossier_for(staff.dept, d.code) is None
    d = perform_action(d, "start_processing", actor=staff.officer)
    d = perform_action(d, "forward", actor=staff.officer, to_unit=place.dept, share="1")
    assert selectors.dossier_for(staff.dept, d.code) == d  # joint processing: the department now takes part
    assert list(selectors.dossier_list(staff.other)) == []


def test_list_filters_and_accent_insensitive_search(receive, staff):
    a = receive(at=local(2026, 3, 2, 9))
    b = receive(at=local(2026, 3, 3, 9), applicant={"full_name": "Trần Thị Bích", "personal_id": "079195001234"})
    assert list(selectors.dossier_list(staff.officer)) == [b, a]
    assert list(selectors.dossier_list(staff.officer, q="tran thi bich")) == [b]
    assert list(selectors.dossier_list(staff.officer, q="NGUYỄN")) == [a]
    assert list(selectors.dossier_list(staff.officer, overdue=True, now=local(2026, 3, 9, 18))) == [a]
    import datetime as dt

    assert list(selectors.dossier_list(staff.officer, received_from=dt.date(2026, 3, 3))) == [b]
    worklist = selectors.worklist(staff.specialist, now=local(2026, 3, 9, 9))
    assert worklist == []
    perform_action(a, "start_processing", actor=staff.officer)
    perform_action(a, "forward", actor=staff.officer)
    items = selectors.worklist(staff.specialist, now=local(2026, 3, 9, 9))
    assert [s.dossier for s in items] == [a] and items[0].overdue
    assert selectors.warnings(staff.officer, now=local(2026, 3, 9, 9)) == [a]
