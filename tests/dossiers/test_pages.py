"""The staff dossier pages through the Django test client: intake at the counter, the detail page and its
actions, the worklist, the list and its export, letters and files, scoping and the conflict message."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from congvu.dossiers.models import Applicant, Dossier, DossierStep, IntakeOutcome, IntakeRecord, StepStatus
from congvu.dossiers.services import perform_action
from congvu.workcal.services import calendar_for
from tests.dossiers.conftest import CITIZEN, local, submit_ids

pytestmark = pytest.mark.django_db

INTAKE = reverse("dossiers:intake")
CONFLICT = "Hồ sơ vừa được người khác cập nhật"
PDF_MAGIC = b"%PDF-"


def intake_data(version, *, outcome="receive", unchecked=(), **overrides):
    data = {
        "procedure": version.procedure.code, "outcome": outcome, "kind": "citizen", "full_name": "Trần Thị Bình",
        "personal_id": "001190012345", "phone": "0987 654 321", "email": "", "address": "12 Hàng Bạc, Hoàn Kiếm",
        "channel": "counter", "summary": "Đăng ký lại khai sinh cho con", "copies": "1", "note": "", "reasons": "",
    }
    for pk in submit_ids(version):
        if pk not in unchecked:
            data[f"doc_{pk}"] = "on"
    data.update(overrides)
    return data


def counts():
    return Dossier.objects.count(), Applicant.objects.count(), IntakeRecord.objects.count()


@pytest.fixture
def officer_client(client, staff):
    client.force_login(staff.officer)
    return client


def act(client, dossier, action, **fields):
    """POST one action form of the detail page, with the version the page showed."""
    dossier.refresh_from_db()
    data = {"action": action, f"{action}-expected_version": str(dossier.lock_version)}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("dossiers:action", args=[dossier.code]), data)


# ------------------------------------------------------------------------------------------------- intake


def test_anonymous_people_are_sent_to_the_login_page(client, receive):
    dossier = receive()
    for url in (INTAKE, reverse("dossiers:list"), reverse("dossiers:worklist"), reverse("dossiers:detail", args=[dossier.code]),
                reverse("dossiers:letter", args=[dossier.code, "giay-tiep-nhan"]), reverse("dossiers:export")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login")), url


def test_procedure_search_is_accent_insensitive_with_and_without_htmx(officer_client, catalogue):
    page = officer_client.get(INTAKE, {"q": "dang ky lai khai sinh"})
    html = page.content.decode()
    assert page.status_code == 200 and "Thủ tục đăng ký lại khai sinh" in html
    assert f'?procedure={catalogue.five.procedure.code}' in html and "autofocus" in html
    partial = officer_client.get(reverse("dossiers:procedure_search"), {"q": "DANG KY LAI KHAI SINH"}, HTTP_HX_REQUEST="true")
    assert "Thủ tục đăng ký lại khai sinh" in partial.content.decode() and "<html" not in partial.content.decode()


def test_intake_form_is_keyboard_ready_and_labelled(officer_client, catalogue):
    html = officer_client.get(INTAKE, {"procedure": catalogue.five.procedure.code}).content.decode()
    for pk in submit_ids(catalogue.five):
        assert f'<label class="form-check-label" for="id_doc_{pk}">' in html
    # Receive is the first submit button, so Enter in any field receives; each outcome has an access key.
    buttons = re.findall(r'<button[^>]*name="outcome" value="(\w+)"[^>]*accesskey="(\w)"', html)
    assert buttons == [("receive", "n"), ("incomplete", "b"), ("refuse", "t")]
    assert "Phím tắt" in html and 'for="id_personal_id"' in html and "<legend" in html


def test_officer_receives_a_dossier_and_prints_the_receipt(officer_client, catalogue, place):
    response = officer_client.post(INTAKE, intake_data(catalogue.five))
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.code]) + "?tiep-nhan=1"
    assert dossier.receiving_unit == place.centre and dossier.applicant.full_name == "Trần Thị Bình"
    assert dossier.applicant.phone == "+84987654321" and dossier.state == "received"
    page = officer_client.get(response["Location"])
    html = page.content.decode()
    receipt = reverse("dossiers:letter", args=[dossier.code, "giay-tiep-nhan"])
    assert dossier.code in html and "Đã tiếp nhận" in html and f'id="print-receipt" href="{receipt}"' in html
    pdf = officer_client.get(receipt)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(PDF_MAGIC)
    assert pdf["Content-Disposition"] == f'inline; filename="{dossier.code}-giay-tiep-nhan.pdf"'


def test_incomplete_intake_writes_a_record_and_no_dossier(officer_client, catalogue):
    missing = submit_ids(catalogue.five)[0]
    data = intake_data(catalogue.five, outcome="incomplete", unchecked=[missing], note="Tờ khai chưa có chữ ký\nThiếu bản sao giấy tờ tùy thân")
    response = officer_client.post(INTAKE, data)
    record = IntakeRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dossiers:intake_record", args=[record.pk])
    assert not Dossier.objects.exists() and record.outcome == IntakeOutcome.INCOMPLETE
    name = catalogue.five.documents.get(pk=missing).name
    assert record.missing == [name, "Tờ khai chưa có chữ ký", "Thiếu bản sao giấy tờ tùy thân"]
    page = officer_client.get(response["Location"]).content.decode()
    assert record.letter_number in page and "Tờ khai chưa có chữ ký" in page
    letter = officer_client.get(reverse("dossiers:intake_record_letter", args=[record.pk]))
    assert letter["Content-Type"] == "application/pdf" and letter.content.startswith(PDF_MAGIC)


def test_refusal_at_the_counter_needs_reasons_and_writes_a_record(officer_client, catalogue):
    no_reason = officer_client.post(INTAKE, intake_data(catalogue.five, outcome="refuse"))
    assert no_reason.status_code == 400 and "Lý do từ chối" in no_reason.content.decode()
    assert counts() == (0, 0, 0)
    response = officer_client.post(INTAKE, intake_data(catalogue.five, outcome="refuse", reasons="Không thuộc thẩm quyền của phường."))
    record = IntakeRecord.objects.get()
    assert response.status_code == 302 and record.outcome == IntakeOutcome.INELIGIBLE and not Dossier.objects.exists()
    assert record.reasons == "Không thuộc thẩm quyền của phường."
    assert officer_client.get(reverse("dossiers:intake_record_letter", args=[record.pk])).content.startswith(PDF_MAGIC)


def test_invalid_applicant_shows_errors_next_to_the_fields_and_writes_nothing(officer_client, catalogue):
    response = officer_client.post(INTAKE, intake_data(catalogue.five, personal_id="12345", full_name="  ", phone="12"))
    html = response.content.decode()
    assert response.status_code == 400 and counts() == (0, 0, 0)
    assert 'id="error-summary"' in html and 'href="#id_personal_id"' in html
    assert 'id="id_personal_id-error"' in html and "12 chữ số" in html
    assert 'aria-invalid="true"' in html and 'id="id_full_name-error"' in html and 'id="id_phone-error"' in html


def test_service_refusal_of_an_incomplete_receipt_is_shown_and_nothing_written(officer_client, catalogue):
    # The service checks the identifier more closely than the form (the province code of the personal ID).
    response = officer_client.post(INTAKE, intake_data(catalogue.five, unchecked=submit_ids(catalogue.five)[:1]))
    assert response.status_code == 400 and counts() == (0, 0, 0)
    assert "Hồ sơ chưa đủ thành phần" in response.content.decode()


def test_unknown_procedure_code_is_refused(officer_client, catalogue):
    response = officer_client.post(INTAKE, {"procedure": "9.999999", "full_name": "A"})
    assert response.status_code == 400 and "9.999999" in response.content.decode() and counts() == (0, 0, 0)


# ------------------------------------------------------------------------------------------------- detail and actions


def test_a_dossier_goes_from_intake_through_two_units_to_the_returned_result(client, staff, catalogue, place):
    client.force_login(staff.officer)
    client.post(INTAKE, intake_data(catalogue.five))
    dossier = Dossier.objects.get()
    detail = reverse("dossiers:detail", args=[dossier.code])
    html = client.get(detail).content.decode()
    assert 'name="action" value="start_processing"' in html and f'value="{dossier.lock_version}"' in html

    assert act(client, dossier, "start_processing").status_code == 302
    assert act(client, dossier, "forward").status_code == 302  # the officer's step done: to the specialist
    client.force_login(staff.specialist)
    assert act(client, dossier, "accept_step").status_code == 302
    response = act(client, dossier, "forward", to_unit=place.dept.code, share="1", note="Xin ý kiến Sở Tư pháp")
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier.refresh_from_db()
    assert dossier.current_unit == place.dept

    client.force_login(staff.dept)  # the department sees it because one of its steps is there
    page = client.get(detail).content.decode()
    assert "Xin ý kiến Sở Tư pháp" in page and "Sở Tư pháp" in page
    assert act(client, dossier, "forward").status_code == 302  # back to the workflow: the leader's approval
    client.force_login(staff.leader)
    assert act(client, dossier, "forward").status_code == 302
    client.force_login(staff.officer)
    scan = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    scan.name = "giay-khai-sinh.pdf"
    dossier.refresh_from_db()
    response = client.post(reverse("dossiers:action", args=[dossier.code]), {
        "action": "record_result", "record_result-expected_version": str(dossier.lock_version),
        "record_result-names": "Giấy khai sinh (bản chính)\nBản sao Giấy khai sinh", "record_result-file": scan,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert act(client, dossier, "return_result", method="counter", returned_to="Trần Thị Bình").status_code == 302

    dossier.refresh_from_db()
    assert dossier.state == "returned" and dossier.returned_to == "Trần Thị Bình"
    assert list(dossier.results.values_list("name", flat=True)) == ["Giấy khai sinh (bản chính)", "Bản sao Giấy khai sinh"]
    html = client.get(detail).content.decode()
    assert "Đã trả kết quả" in html and "Phiếu kiểm soát" in html
    first = dossier.results.order_by("id").first()
    download = client.get(reverse("dossiers:file", args=[dossier.code, first.file_id]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{dossier.code}-tep-{first.file_id}.pdf"'
    sheet = client.get(reverse("dossiers:letter", args=[dossier.code, "phieu-kiem-soat"]))
    assert sheet["Content-Type"] == "application/pdf" and sheet.content.startswith(PDF_MAGIC)


def test_a_stale_version_shows_the_conflict_message_and_changes_nothing(officer_client, receive, staff):
    dossier = receive()
    seen = dossier.lock_version
    perform_action(dossier, "start_processing", actor=staff.officer, expected_version=seen)  # someone else, first
    dossier.refresh_from_db()
    response = officer_client.post(reverse("dossiers:action", args=[dossier.code]), {
        "action": "withdraw", "withdraw-expected_version": str(seen), "withdraw-reason": "Người nộp đề nghị rút hồ sơ",
    })
    html = response.content.decode()
    assert response.status_code == 409 and CONFLICT in html
    assert f'href="{reverse("dossiers:detail", args=[dossier.code])}"' in html
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.state == "processing" and after.lock_version == dossier.lock_version


def test_action_errors_are_shown_in_vietnamese_and_nothing_is_written(officer_client, receive):
    dossier = receive()
    version = dossier.lock_version
    empty = act(officer_client, dossier, "withdraw", reason="")
    assert empty.status_code == 400 and "Trường này là bắt buộc." in empty.content.decode()
    not_now = act(officer_client, dossier, "return_result", method="counter", returned_to="A")
    assert not_now.status_code == 409
    dossier.refresh_from_db()
    assert dossier.lock_version == version and dossier.state == "received"


# ------------------------------------------------------------------------------------------------- worklist and list


def test_worklist_lists_steps_by_due_time_with_overdue_and_due_soon_marks(client, receive, staff, catalogue):
    old = receive(at=local(2026, 3, 2, 9, 0))
    new = receive(at=local(2026, 3, 3, 9, 0))
    for dossier in (new, old):
        perform_action(dossier, "start_processing", actor=staff.officer)
    # The newer dossier's first step is due within the next working day; the older one is long past due.
    step = DossierStep.objects.get(dossier=new, status=StepStatus.ACTIVE)
    step.due_at = calendar_for(step.unit).add_working_hours(timezone.now(), 3)
    step.save(update_fields=["due_at"])
    client.force_login(staff.officer)
    html = client.get(reverse("dossiers:worklist")).content.decode()
    assert html.index(old.code) < html.index(new.code)
    rows = re.findall(r"<tr class=\"([^\"]*)\">(.*?)</tr>", html, re.S)
    marks = {code: row for code in (old.code, new.code) for _cls, row in rows if code in row}
    assert "Quá hạn" in marks[old.code] and "badge-overdue" in marks[old.code]
    assert "Sắp đến hạn" in marks[new.code] and "Quá hạn" not in marks[new.code]
    only_overdue = client.get(reverse("dossiers:worklist"), {"due": "overdue"}).content.decode()
    assert old.code in only_overdue and new.code not in only_overdue
    export = client.get(reverse("dossiers:worklist_export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = [c.value for row in load_workbook(io.BytesIO(export.content)).active.iter_rows() for c in row]
    assert old.code in cells and new.code in cells


def test_list_masks_personal_data_searches_without_accents_and_exports(officer_client, receive):
    dossier = receive()
    html = officer_client.get(reverse("dossiers:list"), {"q": "nguyen van an"}).content.decode()
    assert dossier.code in html and "0010****2345" in html and "091****678" in html
    assert CITIZEN["personal_id"] not in html
    assert dossier.code not in officer_client.get(reverse("dossiers:list"), {"q": "khong co ai"}).content.decode()
    assert dossier.code in officer_client.get(reverse("dossiers:list"), {"overdue": "1", "sort": "due_at"}).content.decode()
    export = officer_client.get(reverse("dossiers:export"), {"q": "nguyen"})
    assert re.match(r'attachment; filename="ho-so-\d{8}\.xlsx"', export["Content-Disposition"])
    values = [c.value for row in load_workbook(io.BytesIO(export.content)).active.iter_rows() for c in row]
    assert dossier.code in values and "0010****2345" in values and CITIZEN["personal_id"] not in values


def test_register_downloads_for_a_unit_in_scope_only(officer_client, receive, place):
    receive()
    url = reverse("dossiers:register")
    pdf = officer_client.get(url, {"unit": place.centre.code, "year": "2026", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(PDF_MAGIC)
    assert pdf["Content-Disposition"] == f'inline; filename="so-theo-doi-{place.centre.code}-2026.pdf"'
    xlsx = officer_client.get(url, {"unit": place.centre.code, "year": "2026", "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    outside = officer_client.get(url, {"unit": place.b.code, "year": "2026", "format": "pdf"})
    assert outside.status_code == 200 and outside["Content-Type"].startswith("text/html")


# ------------------------------------------------------------------------------------------------- scope


def test_an_officer_of_another_commune_sees_nothing_of_the_dossier(client, receive, staff):
    dossier = receive()
    client.force_login(staff.other)
    for url in (
        reverse("dossiers:detail", args=[dossier.code]),
        reverse("dossiers:letter", args=[dossier.code, "giay-tiep-nhan"]),
        reverse("dossiers:letter", args=[dossier.code, "phieu-kiem-soat"]),
        reverse("dossiers:detail", args=["H99.01-260302-9999"]),
    ):
        assert client.get(url).status_code == 404, url
    posted = client.post(reverse("dossiers:action", args=[dossier.code]), {"action": "stop", "stop-expected_version": "1", "stop-reason": "x"})
    assert posted.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).state == "received"
    assert dossier.code not in client.get(reverse("dossiers:list")).content.decode()
    export = client.get(reverse("dossiers:export"))
    values = [c.value for row in load_workbook(io.BytesIO(export.content)).active.iter_rows() for c in row]
    assert dossier.code not in values
    assert dossier.code not in client.get(reverse("dossiers:worklist")).content.decode()


def test_documents_from_the_citizens_store_are_offered_and_reused(officer_client, client, catalogue, staff):
    from congvu.documents.services import store_for_citizen, store_generated

    stored = store_generated(b"%PDF-1.4\n%%EOF\n", "giay-khai-sinh.pdf")
    kept = store_for_citizen("001190012345", "Giấy khai sinh", stored, "H99.01-250801-0001", local(2025, 8, 1, 9))
    partial = officer_client.get(reverse("dossiers:citizen_documents"), {"personal_id": "001190012345"}, HTTP_HX_REQUEST="true")
    assert f'name="reused" value="{kept.pk}"' in partial.content.decode() and "Giấy khai sinh" in partial.content.decode()
    assert "Giấy khai sinh" not in officer_client.get(reverse("dossiers:citizen_documents"), {"personal_id": "0011900"}).content.decode()
    response = officer_client.post(INTAKE, {**intake_data(catalogue.five), "reused": [str(kept.pk)]})
    assert response.status_code == 302
    assert Dossier.objects.get().documents.filter(reused_from=kept).exists()
    # Someone else's document cannot be slipped in: it is not among the applicant's choices.
    other = store_for_citizen("001190099999", "Giấy khai sinh khác", stored, "H99.01-250801-0002", local(2025, 8, 1, 9))
    refused = officer_client.post(INTAKE, {**intake_data(catalogue.five), "reused": [str(other.pk)]})
    assert refused.status_code == 400 and Dossier.objects.count() == 1


def test_online_filings_wait_on_the_counters_worklist(client, staff, place, catalogue):
    from congvu.dossiers.services import submit_online

    filed = submit_online(place.centre, catalogue.five, dict(CITIZEN))
    client.force_login(staff.officer)
    html = client.get(reverse("dossiers:worklist")).content.decode()
    assert 'id="online-waiting"' in html and filed.code in html and "hồ sơ nộp trực tuyến đang chờ tiếp nhận" in html
    # Specialists appraise steps; accepting a filing is the counter's work, so their worklist does not list it.
    client.force_login(staff.specialist)
    assert filed.code not in client.get(reverse("dossiers:worklist")).content.decode()
    # Another ward's counter does not see it either.
    client.force_login(staff.other)
    assert filed.code not in client.get(reverse("dossiers:worklist")).content.decode()
