import pytest

from congvu.dossiers.codes import parse_code
from congvu.dossiers.models import Applicant, Dossier, DossierEvent, IntakeRecord
from congvu.dossiers.services import (
    DossierError, ErrorCode, InvalidInput, ProcedureNotReceivable, accept_online, receive_dossier, record_incomplete_intake,
    refuse_intake, reject_online, submit_online,
)
from tests.dossiers.conftest import CITIZEN, local, submit_ids


def test_receive_gives_code_due_time_and_steps(receive, place):
    d = receive(at=local(2026, 3, 2, 9, 0))
    assert d.code == "H99.01.TT1-260302-0001"
    assert parse_code(d.code).identifier == "H99.01.TT1"
    assert d.state == "received" and d.lock_version == 1 and d.event_count == 1
    assert d.handling_unit == place.a  # the centre receives for its commune
    assert d.due_at == local(2026, 3, 9, 17, 0)  # 5 working days after Monday 2 March
    steps = list(d.steps.order_by("position"))
    assert [s.unit for s in steps] == [place.centre, place.a, place.a, place.centre]
    assert steps[-1].due_at == d.due_at
    assert steps[0].due_at == local(2026, 3, 3, 11, 30)  # half a day after the close of the receiving day
    assert receive(at=local(2026, 3, 2, 10, 0)).code.endswith("-0002")
    assert receive(at=local(2026, 3, 3, 10, 0)).code == "H99.01.TT1-260303-0001"


def test_due_time_skips_the_may_holidays(receive, catalogue):
    # Wednesday 29 April 2026, 1 working day: 30 April and 1 May are holidays, then a weekend.
    d = receive(version=catalogue.birth, at=local(2026, 4, 29, 10, 0))
    assert d.due_at == local(2026, 5, 4, 17, 0)


def test_received_after_hours_counts_from_next_morning(receive, catalogue):
    d = receive(version=catalogue.birth, at=local(2026, 3, 2, 19, 0))
    assert d.clock_started_at == local(2026, 3, 3, 7, 30)  # office hours open at 07:30
    assert d.due_at == local(2026, 3, 4, 17, 0)


def test_missing_documents_refused_and_named(place, staff, catalogue):
    ids = submit_ids(catalogue.five)
    with pytest.raises(InvalidInput) as exc:
        receive_dossier(staff.officer, place.centre, catalogue.five, dict(CITIZEN), checked_document_ids=ids[1:], at=local(2026, 3, 2, 9))
    assert exc.value.code == ErrorCode.DOCUMENTS_MISSING
    assert exc.value.fields["checked_document_ids"] == [catalogue.five.documents.get(pk=ids[0]).name]
    assert not Dossier.objects.exists() and not Applicant.objects.exists()


@pytest.mark.parametrize("field,value", [("personal_id", "12345"), ("personal_id", "999090012345"), ("phone", "12345"), ("email", "khong-hop-le")])
def test_invalid_applicant_writes_nothing(place, staff, catalogue, field, value):
    applicant = {**CITIZEN, field: value}
    with pytest.raises(InvalidInput) as exc:
        receive_dossier(staff.officer, place.centre, catalogue.five, applicant, checked_document_ids=submit_ids(catalogue.five))
    assert exc.value.code == ErrorCode.APPLICANT_INVALID and f"applicant.{field}" in exc.value.fields
    assert not Dossier.objects.exists() and not Applicant.objects.exists() and not DossierEvent.objects.exists()


def test_organisation_needs_tax_code(place, staff, catalogue):
    org = {"kind": "organisation", "full_name": "Trần Thị Bình", "organisation_name": "Công ty TNHH Ánh Dương", "tax_code": "01012"}
    with pytest.raises(InvalidInput) as exc:
        receive_dossier(staff.officer, place.centre, catalogue.five, org, checked_document_ids=submit_ids(catalogue.five))
    assert "applicant.tax_code" in exc.value.fields
    d = receive_dossier(staff.officer, place.centre, catalogue.five, {**org, "tax_code": "0101234567-001"}, checked_document_ids=submit_ids(catalogue.five))
    assert d.applicant.tax_code == "0101234567-001" and d.applicant.personal_id == ""


def test_incomplete_procedure_cannot_receive(place, staff, catalogue):
    from congvu.catalog import selectors

    incomplete = selectors.current_versions().filter(is_complete=False, status="published").first()
    with pytest.raises(ProcedureNotReceivable) as exc:
        receive_dossier(staff.officer, place.centre, incomplete, dict(CITIZEN), checked_document_ids=submit_ids(incomplete))
    assert exc.value.status == 422 and exc.value.fields["procedure"]
    assert not Dossier.objects.exists()


def test_incomplete_intake_lists_everything_missing(place, staff, catalogue):
    ids = submit_ids(catalogue.five)
    record = record_incomplete_intake(staff.officer, place.centre, catalogue.five, dict(CITIZEN), checked_document_ids=ids[2:],
                                      other_missing=["Bản sao giấy tờ tùy thân của người đi đăng ký"], at=local(2026, 3, 2, 9))
    assert len(record.missing) == 3 and record.outcome == "incomplete"
    assert record.letter_number == "1/PBS-TTPVHCC"
    assert not Dossier.objects.exists()
    with pytest.raises(InvalidInput):
        record_incomplete_intake(staff.officer, place.centre, catalogue.five, dict(CITIZEN), checked_document_ids=ids)


def test_refuse_intake_needs_reasons(place, staff, catalogue):
    with pytest.raises(InvalidInput):
        refuse_intake(staff.officer, place.centre, catalogue.five, dict(CITIZEN), reasons="  ")
    record = refuse_intake(staff.officer, place.centre, catalogue.five, dict(CITIZEN), reasons="Không thuộc thẩm quyền của phường.", at=local(2026, 3, 2, 9))
    assert record.outcome == "ineligible" and record.letter_number == "1/PTC-TTPVHCC"
    assert IntakeRecord.objects.count() == 1 and not Dossier.objects.exists()


def test_online_submission_accepted_then_due(place, staff, catalogue):
    d = submit_online(place.centre, catalogue.five, dict(CITIZEN), at=local(2026, 3, 1, 20, 0))
    assert d.state == "submitted_online" and d.due_at is None and d.channel == "online"
    d = accept_online(d, staff.officer, expected_version=1, at=local(2026, 3, 2, 8, 0))
    assert d.state == "received" and d.due_at == local(2026, 3, 9, 17, 0) and d.steps.count() == 4
    assert list(d.events.values_list("action", flat=True)) == ["submit_online", "receive"]


def test_online_submission_rejected(place, staff, catalogue):
    d = submit_online(place.centre, catalogue.five, dict(CITIZEN))
    with pytest.raises(InvalidInput):
        reject_online(d, staff.officer, reasons="")
    d = reject_online(d, staff.officer, reasons="Hồ sơ không đúng thủ tục.")
    assert d.state == "not_accepted"
    with pytest.raises(DossierError) as exc:
        accept_online(d, staff.officer)
    assert exc.value.code == "transition_not_allowed" and exc.value.status == 409
