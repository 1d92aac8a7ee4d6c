"""The other action forms of the dossier page: assignment, supplement request and receipt, apology, stop —
each through the page, with the letter it produces."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from congvu.dossiers.models import Apology, Closure, Dossier, SupplementRequest
from congvu.dossiers.services import perform_action
from tests.dossiers.test_pages import INTAKE, PDF_MAGIC, act, intake_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_specialist(receive, staff):
    """A dossier received now, processing, at the commune's appraisal step."""
    dossier = receive(at=timezone.now())
    dossier = perform_action(dossier, "start_processing", actor=staff.officer)
    return perform_action(dossier, "forward", actor=staff.officer)


def test_leader_assigns_a_person_of_the_step_unit(client, at_specialist, staff):
    client.force_login(staff.leader)
    html = client.get(reverse("dossiers:detail", args=[at_specialist.code])).content.decode()
    # Only people of the active step's unit are offered.
    assert f'<option value="{staff.specialist2.pk}">' in html and f'<option value="{staff.other.pk}">' not in html
    assert act(client, at_specialist, "assign", assignee=str(staff.specialist2.pk)).status_code == 302
    at_specialist.refresh_from_db()
    assert at_specialist.current_step.assignee == staff.specialist2
    refused = act(client, at_specialist, "assign", assignee=str(staff.other.pk))
    assert refused.status_code == 400 and "Hãy chọn một lựa chọn hợp lệ" in refused.content.decode()


def test_supplement_request_and_receipt_with_its_letter(client, at_specialist, staff):
    client.force_login(staff.specialist)
    code = at_specialist.code
    response = act(client, at_specialist, "request_supplement", items="Bản sao Căn cước\n\nTờ khai có chữ ký", reason="Thiếu giấy tờ")
    assert response.status_code == 302
    request = SupplementRequest.objects.get(dossier=at_specialist)
    assert request.items == ["Bản sao Căn cước", "Tờ khai có chữ ký"]
    html = client.get(reverse("dossiers:detail", args=[code])).content.decode()
    assert "Chờ bổ sung hồ sơ" in html and "Tờ khai có chữ ký" in html and request.letter_number in html
    letter = client.get(reverse("dossiers:letter", args=[code, "yeu-cau-bo-sung"]), {"so": "1"})
    assert letter["Content-Type"] == "application/pdf" and letter.content.startswith(PDF_MAGIC)
    assert client.get(reverse("dossiers:letter", args=[code, "yeu-cau-bo-sung"]), {"so": "7"}).status_code == 404
    # The citizen brings the documents to the counter: the one-stop officer takes them in, not the specialist.
    assert act(client, at_specialist, "receive_supplement", note="Đã nhận đủ").status_code == 403
    client.force_login(staff.officer)
    assert act(client, at_specialist, "receive_supplement", note="Đã nhận đủ").status_code == 302
    assert Dossier.objects.get(pk=at_specialist.pk).state == "processing"


def test_apology_sets_a_new_appointment_once(client, at_specialist, staff):
    client.force_login(staff.leader)
    new_due = timezone.localtime(at_specialist.due_at) + dt.timedelta(days=7)
    response = act(client, at_specialist, "issue_apology", reason="Cần xác minh thêm", new_due_at=new_due.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 302, response.content.decode()[:3000]
    apology = Apology.objects.get(dossier=at_specialist)
    assert timezone.localtime(apology.new_due_at).replace(second=0, microsecond=0) == new_due.replace(second=0, microsecond=0)
    letter = client.get(reverse("dossiers:letter", args=[at_specialist.code, "xin-loi"]))
    assert letter["Content-Type"] == "application/pdf"
    again = act(client, at_specialist, "issue_apology", reason="Lần nữa", new_due_at=(new_due + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    assert again.status_code == 422 and "hẹn lại một lần" in again.content.decode()
    assert Apology.objects.filter(dossier=at_specialist).count() == 1


def test_stop_writes_a_closure_and_its_notice(client, at_specialist, staff):
    client.force_login(staff.leader)
    assert act(client, at_specialist, "stop", reason="Người nộp đề nghị dừng").status_code == 302
    closure = Closure.objects.get(dossier=at_specialist)
    assert closure.kind == Closure.Kind.STOPPED
    html = client.get(reverse("dossiers:detail", args=[at_specialist.code])).content.decode()
    assert "Thông báo dừng xử lý hồ sơ (Mẫu 05)" in html and "Không có thao tác nào" in html
    notice = client.get(reverse("dossiers:letter", args=[at_specialist.code, "dung-xu-ly"]))
    assert notice.content.startswith(PDF_MAGIC)
    # A letter the dossier does not have is not found.
    assert client.get(reverse("dossiers:letter", args=[at_specialist.code, "xin-loi"])).status_code == 404


def test_a_procedure_that_cannot_receive_is_announced_before_anyone_types(client, staff, catalogue):
    version = catalogue.version("2.000635")  # the portal gives no time limit
    client.force_login(staff.officer)
    html = client.get(INTAKE, {"procedure": version.procedure.code}).content.decode()
    assert f"Thủ tục {version.procedure.code} chưa thể tiếp nhận hồ sơ" in html
    response = client.post(INTAKE, intake_data(version))
    assert response.status_code == 400 and not Dossier.objects.exists()


def test_online_filings_are_accepted_or_not_from_the_page(client, staff, place, catalogue):
    from congvu.dossiers.services import submit_online
    from tests.dossiers.conftest import CITIZEN

    accepted = submit_online(place.centre, catalogue.five, dict(CITIZEN))
    rejected = submit_online(place.centre, catalogue.five, dict(CITIZEN))
    client.force_login(staff.officer)
    html = client.get(reverse("dossiers:detail", args=[accepted.code])).content.decode()
    assert "Đã nộp trực tuyến, chưa tiếp nhận" in html and 'value="not_accept"' in html
    assert act(client, accepted, "receive").status_code == 302
    assert Dossier.objects.get(pk=accepted.pk).state == "received"
    assert act(client, rejected, "not_accept", reasons="Hồ sơ không thuộc thẩm quyền").status_code == 302
    assert Dossier.objects.get(pk=rejected.pk).state == "not_accepted"


def test_a_result_scan_that_is_not_a_document_is_refused_and_nothing_recorded(client, at_specialist, staff):
    import io

    from congvu.documents.models import StoredFile

    client.force_login(staff.specialist)
    fake = io.BytesIO(b"MZ\x90\x00 not a pdf at all")
    fake.name = "ket-qua.pdf"
    at_specialist.refresh_from_db()
    response = client.post(reverse("dossiers:action", args=[at_specialist.code]), {
        "action": "record_result", "record_result-expected_version": str(at_specialist.lock_version),
        "record_result-names": "Giấy khai sinh", "record_result-file": fake,
    })
    assert response.status_code == 400 and 'id="id_record_result-file-error"' in response.content.decode()
    assert not StoredFile.objects.exists() and Dossier.objects.get(pk=at_specialist.pk).state == "processing"
