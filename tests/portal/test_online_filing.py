"""Online filing through the portal: the form, every way it refuses bad input with nothing written, the
confirmation page behind its signed token, and the officer accepting or not accepting the filing on the
staff dossier page."""

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse

from congvu.documents.models import StoredFile
from congvu.dossiers.models import Applicant, Dossier, DossierDocument
from congvu.portal import tokens
from tests.dossiers.test_pages import act
from tests.portal.conftest import EXE, PNG, file_url, filing_data, pdf

pytestmark = pytest.mark.django_db


def nothing_written():
    return Dossier.objects.count() == 0 and Applicant.objects.count() == 0 and StoredFile.objects.count() == 0


def post(client, version, data):
    return client.post(file_url(version), data)


def test_form_offers_the_units_that_receive_it_and_states_each_limit(client, version, place):
    response = client.get(file_url(version))
    assert response.status_code == 200
    html = response.content.decode()
    # The centre of ward A and ward B have a one-stop officer; the department and the province receive
    # province-level procedures only, and this one is commune-level.
    assert place.centre.name in html and place.b.name in html
    assert f'value="{place.dept.code}"' not in html and f'value="{place.province.code}"' not in html
    documents = list(version.documents.filter(group="submit"))
    for document in documents:
        assert f'id="id_doc_{document.pk}"' in html and f'for="id_doc_{document.pk}"' in html
    assert "tối đa 10 MB" in html and "PDF, JPEG, PNG" in html
    assert 'lang="vi"' in html and 'name="csrfmiddlewaretoken"' in html


def test_happy_path_then_the_officer_accepts_on_the_staff_page(client, version, place, staff):
    response = post(client, version, filing_data(version, place))
    assert response.status_code == 303, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert (dossier.state, dossier.channel, dossier.receiving_unit, dossier.handling_unit) == ("submitted_online", "online", place.centre, place.a)
    assert dossier.due_at is None and dossier.received_at is None
    assert dossier.applicant.phone == "+84987654321" and dossier.applicant.personal_id == "001190012345"
    attached = list(DossierDocument.objects.filter(dossier=dossier).select_related("file", "required_document"))
    assert len(attached) == version.documents.filter(group="submit").count()
    assert all(d.file.content_type == "application/pdf" and default_storage.exists(d.file.storage_name) for d in attached)

    confirmation = client.get(response["Location"])
    html = confirmation.content.decode()
    assert confirmation.status_code == 200 and dossier.code in html
    assert "Theo dõi hồ sơ này" in html and f"/tra-cuu/{dossier.code}/?t=" in html
    assert confirmation["Cache-Control"].startswith("max-age=0") and "no-store" in confirmation["Cache-Control"]

    # The officer of the centre receives it from the staff dossier page: code kept, due time and receipt.
    officer = client.__class__()
    officer.force_login(staff.officer)
    assert act(officer, dossier, "receive").status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "received" and dossier.due_at is not None and dossier.received_by == staff.officer
    receipt = officer.get(reverse("dossiers:letter", args=[dossier.code, "giay-tiep-nhan"]))
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF-")
    # The citizen now sees it received, with the appointment in Vietnam time.
    page = client.get(confirmation.context["lookup_url"].split("testserver", 1)[1]).content.decode()
    assert "Đã tiếp nhận" in page
    from django.utils import timezone

    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M") in page


def test_officer_does_not_accept_and_the_citizen_reads_why(client, version, place, staff):
    post(client, version, filing_data(version, place))
    dossier = Dossier.objects.get()
    officer = client.__class__()
    officer.force_login(staff.officer)
    assert act(officer, dossier, "not_accept", reasons="Tờ khai chưa có chữ ký của người yêu cầu").status_code == 302
    from congvu.dossiers.letters import lookup_url

    html = client.get(lookup_url(dossier).split("testserver", 1)[-1].replace("http://127.0.0.1:8000", "")).content.decode()
    assert "Không được tiếp nhận" in html and "Tờ khai chưa có chữ ký của người yêu cầu" in html
    assert file_url(version) in html  # file again


def test_a_document_neither_attached_nor_declared_not_applicable_is_refused(client, version, place):
    documents = list(version.documents.filter(group="submit"))
    data = filing_data(version, place)
    del data[f"doc_{documents[0].pk}"]
    response = post(client, version, data)
    assert response.status_code == 400 and nothing_written()
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'href="#id_doc_{documents[0].pk}"' in html
    assert "Hãy đính kèm giấy tờ số 1, hoặc đánh dấu" in html and 'aria-invalid="true"' in html
    assert "chọn lại các tệp" in html  # the browser forgot the files: say so
    # Declared not applicable, the same filing goes through.
    data = filing_data(version, place)
    del data[f"doc_{documents[0].pk}"]
    data[f"na_{documents[0].pk}"] = "on"
    assert post(client, version, data).status_code == 303
    assert DossierDocument.objects.count() == len(documents) - 1


def test_declaring_every_document_not_applicable_is_refused(client, version, place):
    data = filing_data(version, place, files=False)
    for document in version.documents.filter(group="submit"):
        data[f"na_{document.pk}"] = "on"
    response = post(client, version, data)
    assert response.status_code == 400 and nothing_written()
    assert "Hãy đính kèm ít nhất một giấy tờ" in response.content.decode()


def test_oversize_file_is_refused_with_the_limit(client, version, place, settings):
    settings.CONGVU_UPLOAD_MAX_BYTES = 1024
    document = version.documents.filter(group="submit").first()
    data = filing_data(version, place, **{f"doc_{document.pk}": pdf(content=b"%PDF-1.4\n" + b"0" * 2000)})
    response = post(client, version, data)
    assert response.status_code == 400 and nothing_written()
    assert "1 KB" in response.content.decode()


def test_a_program_named_pdf_is_refused(client, version, place):
    document = version.documents.filter(group="submit").first()
    response = post(client, version, filing_data(version, place, **{f"doc_{document.pk}": pdf("to-khai.pdf", EXE)}))
    assert response.status_code == 400 and nothing_written()
    assert "Giấy tờ số 1: Nội dung tệp không thuộc loại được chấp nhận" in response.content.decode()


def test_a_png_photo_is_accepted(client, version, place):
    document = version.documents.filter(group="submit").first()
    photo = pdf("anh-chup.png", PNG)
    assert post(client, version, filing_data(version, place, **{f"doc_{document.pk}": photo})).status_code == 303
    assert StoredFile.objects.filter(content_type="image/png").count() == 1


@pytest.mark.parametrize("field, value, message", [
    ("phone", "12345", "không phải số điện thoại Việt Nam hợp lệ"),
    ("phone", "", "Hãy nhập số điện thoại"),
    ("personal_id", "12345", "Số định danh cá nhân phải gồm đúng 12 chữ số"),
    ("personal_id", "999190012345", "mã tỉnh nơi đăng ký khai sinh “999” không tồn tại"),
    ("email", "khong-phai-email", "Địa chỉ thư điện tử không hợp lệ"),
    ("full_name", "", "Hãy nhập họ và tên"),
    ("declaration", None, "Hãy đánh dấu lời cam đoan"),
    ("unit", "T01-STP", "Hãy chọn một trong các nơi được liệt kê"),
    ("unit", "", "Hãy chọn nơi nộp hồ sơ"),
])
def test_bad_applicant_input_is_named_at_its_field_and_nothing_is_written(client, version, place, field, value, message):
    data = filing_data(version, place, **{field: value})
    if value is None:
        data.pop(field, None)
    response = post(client, version, data)
    assert response.status_code == 400 and nothing_written()
    html = response.content.decode()
    assert message in html, html[html.find('id="error-summary"'):][:1500]
    anchor = f"id_{field}"
    assert f'href="#{anchor}"' in html and f'id="{anchor}-error"' in html


def test_an_organisation_needs_its_name_and_tax_code(client, version, place):
    response = post(client, version, filing_data(version, place, kind="organisation", personal_id=""))
    html = response.content.decode()
    assert response.status_code == 400 and nothing_written()
    assert "Nhập tên tổ chức, doanh nghiệp" in html and "Mã số thuế phải gồm 10 chữ số" in html
    ok = filing_data(version, place, kind="organisation", personal_id="", organisation_name="Công ty TNHH Hoa Sen", tax_code="0101234567")
    assert post(client, version, ok).status_code == 303
    assert Dossier.objects.get().applicant.organisation_name == "Công ty TNHH Hoa Sen"


def test_a_refusal_after_the_files_were_stored_leaves_no_rows_and_no_blobs(client, version, place, monkeypatch):
    from congvu.dossiers.services.errors import InvalidInput
    from congvu.portal import services

    def refuse(*args, **kwargs):
        raise InvalidInput("Thủ tục tạm dừng tiếp nhận trực tuyến.")

    monkeypatch.setattr(services, "submit_online", refuse)
    document = version.documents.filter(group="submit").first()
    unique = b"%PDF-1.4\n% only in this filing\n"
    response = post(client, version, filing_data(version, place, **{f"doc_{document.pk}": pdf(content=unique)}))
    assert response.status_code == 400 and "Thủ tục tạm dừng tiếp nhận trực tuyến." in response.content.decode()
    assert nothing_written()
    import hashlib

    from congvu.documents.services import storage_path
    from congvu.documents.validation import FILE_TYPES

    assert not default_storage.exists(storage_path(hashlib.sha256(unique).hexdigest(), FILE_TYPES["pdf"]))


def test_a_request_larger_than_all_documents_together_is_refused_before_reading(client, version, place):
    count = version.documents.filter(group="submit").count()
    response = client.post(file_url(version), b"x", content_type="multipart/form-data; boundary=zz",
                           CONTENT_LENGTH=str(count * 10 * 1024 * 1024 + 2 * 1024 * 1024))
    assert response.status_code == 413 and nothing_written()
    assert "lớn hơn" in response.content.decode()


def test_a_procedure_not_offered_online_says_so(client, catalogue):
    for code in ("2.000986", "2.000635"):  # not online; online but without a time limit (cannot receive)
        response = client.get(reverse("portal:file_online", args=[code]))
        assert response.status_code == 404
        assert "không thể nộp trực tuyến tại đây" in response.content.decode()
        assert client.post(reverse("portal:file_online", args=[code]), {}).status_code == 404
    assert client.get(reverse("portal:file_online", args=["9.999999"])).status_code == 404
    assert nothing_written()


def test_a_procedure_no_unit_receives_online_says_so(client, version, staff):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk__in=[staff.officer.pk, staff.other.pk]).update(is_active=False)
    response = client.get(file_url(version))
    assert response.status_code == 404 and "Chưa có cơ quan nào" in response.content.decode()


def test_the_confirmation_needs_its_signed_token(client, version, place, monkeypatch):
    response = post(client, version, filing_data(version, place))
    dossier = Dossier.objects.get()
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert tokens.code_from_confirmation_token(token) == dossier.code
    for bad in (dossier.code, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), signing.dumps({"code": dossier.code}, salt="other")):
        page = client.get(reverse("portal:filed", args=[bad]))
        assert page.status_code == 404 and "dossier-code" not in page.content.decode() and "Bạn đã nộp hồ sơ thành công" not in page.content.decode()
    monkeypatch.setattr(tokens, "CONFIRMATION_MAX_AGE", -1)
    expired = client.get(reverse("portal:filed", args=[token]))
    assert expired.status_code == 404 and "đã hết hạn" in expired.content.decode()


def test_the_filing_list_offers_only_what_can_be_filed_online(client, catalogue):
    html = client.get(reverse("portal:online_list")).content.decode()
    assert reverse("portal:file_online", args=["1.004884"]) in html
    assert reverse("portal:file_online", args=["2.000986"]) not in html  # not offered online
    assert reverse("portal:file_online", args=["2.000635"]) not in html  # cannot receive yet
    found = client.get(reverse("portal:online_list"), {"q": "DANG KY LAI khai sinh"}).content.decode()
    assert reverse("portal:file_online", args=["1.004884"]) in found
    assert reverse("portal:file_online", args=["1.000894"]) not in found
