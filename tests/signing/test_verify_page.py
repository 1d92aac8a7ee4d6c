"""The public page /xac-thuc-van-ban/: anyone uploads a PDF and reads what its signatures prove, in Vietnamese;
every hostile upload gets a clear message and a 4xx, never a 500, and nothing is stored."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from congvu.documents.models import StoredFile
from congvu.signing import pades, pki, services
from congvu.signing.forms import MAX_VERIFY_BYTES

pytestmark = pytest.mark.django_db
URL = "/xac-thuc-van-ban/"


def upload(client, data: bytes, name: str = "van-ban.pdf", **extra):
    return client.post(URL, {"document": SimpleUploadedFile(name, data, "application/pdf")}, **extra)


def text(response) -> str:
    return response.content.decode()


def test_the_page_is_public_vietnamese_and_linked_from_the_portal(client, certified):
    assert reverse("signing:verify") == URL
    page = client.get(URL)
    assert page.status_code == 200
    html = text(page)
    assert "Kiểm tra văn bản ký số" in html and 'enctype="multipart/form-data"' in html
    assert '<label class="form-label fw-semibold" for="id_document">Văn bản PDF cần kiểm tra' in html
    assert 'aria-describedby="id_document-help"' in html
    assert "CA demo congvu" in html  # the trusted authority and its fingerprint are published
    assert f'href="{URL}"' in text(client.get("/"))
    assert page["Cache-Control"].startswith("max-age=0")


def test_a_document_signed_by_a_unit_is_shown_valid_with_its_signer(client, certified, plain_pdf):
    response = upload(client, services.sign_as_unit(plain_pdf, certified.centre), name="giay-tiep-nhan.pdf")
    assert response.status_code == 200
    html = text(response)
    assert "Chữ ký số hợp lệ" in html and "giay-tiep-nhan.pdf" in html
    assert certified.centre.name in html
    assert "UID=T-TT" in html or "User ID: T-TT" in html
    assert "CA demo congvu" in html
    assert "Bị sửa sau khi ký" in html and "Hợp lệ: văn bản không bị thay đổi" in html
    assert not StoredFile.objects.exists()  # checked, never kept


def test_one_byte_tampered_is_shown_altered(client, certified, plain_pdf):
    signed = bytearray(services.sign_as_unit(plain_pdf, certified.centre))
    position = bytes(signed).index(b"/MediaBox")
    signed[position + 1] = ord("N")
    html = text(upload(client, bytes(signed)))
    assert "Không nên tin cậy văn bản này" in html and "Đã bị thay đổi" in html
    assert "Chữ ký số hợp lệ" not in html


def test_an_unsigned_pdf_and_a_unit_without_a_certificate_say_not_signed(client, certified, plain_pdf):
    unsigned = services.sign_as_unit(plain_pdf, certified.bare)
    response = upload(client, unsigned)
    assert response.status_code == 200
    assert "Văn bản này không có chữ ký số" in text(response)


def test_a_signature_from_another_ca_is_not_recognised(client, certified, plain_pdf):
    now = dt.datetime.now(dt.UTC)
    forged_ca = pki.make_authority(services.DEMO_AUTHORITY_NAME, now=now)  # same name as ours, another key
    forged = pki.issue(forged_ca, unit_name=certified.centre.name, unit_code="T-TT", province="", now=now)
    pdf = pades.sign(plain_pdf, key=forged.key, certificate=forged.certificate, chain=[forged_ca.certificate])
    html = text(upload(client, pdf))
    assert "Không được công nhận" in html and "không phải đơn vị của hệ thống" in html
    assert "Chữ ký số hợp lệ" not in html


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "rong.pdf", "Tệp rỗng."),
    (b"<html><script>alert(1)</script></html>", "trang.pdf", "Nội dung tệp không thuộc loại được chấp nhận"),
    (b"MZ\x90\x00" + b"\x00" * 200, "chuong-trinh.pdf", "Nội dung tệp không thuộc loại được chấp nhận"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "anh.pdf", "Nội dung tệp không thuộc loại được chấp nhận"),
])
def test_garbage_uploads_get_a_clear_message(client, data, name, message):
    response = upload(client, data, name=name)
    assert response.status_code == 400
    html = text(response)
    assert message in html and 'id="error-summary"' in html and 'href="#id_document"' in html


def test_a_file_that_starts_like_a_pdf_but_is_not_one_is_unreadable(client, certified, plain_pdf):
    for data in (b"%PDF-1.7\n" + b"\x00garbage" * 100, services.sign_as_unit(plain_pdf, certified.centre)[:3000]):
        response = upload(client, data)
        assert response.status_code == 422
        assert "Không đọc được tệp này dưới dạng PDF" in text(response)


def test_no_file_chosen(client):
    response = client.post(URL, {})
    assert response.status_code == 400 and "Hãy chọn tệp PDF cần kiểm tra." in text(response)


def test_an_oversize_upload_is_refused_before_it_is_read(client):
    response = client.post(URL, {"document": SimpleUploadedFile("to.pdf", b"%PDF-1.7\n", "application/pdf")},
                           CONTENT_LENGTH=str(MAX_VERIFY_BYTES * 3))
    assert response.status_code == 413 and "Tệp quá lớn" in text(response)


def test_an_oversize_file_in_a_small_looking_request_is_refused_by_the_form(client, settings):
    big = b"%PDF-1.7\n" + b"0" * (MAX_VERIFY_BYTES + 1)
    response = upload(client, big)
    assert response.status_code == 400 and "Tệp lớn hơn 10 MB" in text(response)


def test_the_file_name_is_cleaned_and_escaped(client, certified, plain_pdf):
    html = text(upload(client, plain_pdf, name='../../<img src=x onerror=alert(1)>.pdf'))
    assert "<img src=x" not in html and "../" not in html
    assert "Tệp “_img src=x onerror=alert(1)_.pdf” không có chữ ký số" in html


def test_checks_are_rate_limited_per_client(client, settings, plain_pdf):
    settings.CONGVU_RATE_LIMITS = {"verify-client": (2, 600)}
    assert upload(client, plain_pdf).status_code == 200
    assert upload(client, plain_pdf).status_code == 200
    response = upload(client, plain_pdf)
    assert response.status_code == 429 and "Kiểm tra quá nhiều lần" in text(response) and int(response["Retry-After"]) > 0


def test_methods_other_than_get_and_post_are_refused(client):
    assert client.put(URL).status_code == 405


def test_the_page_works_in_english_too(client, certified, plain_pdf):
    client.cookies["django_language"] = "en"
    html = text(upload(client, services.sign_as_unit(plain_pdf, certified.centre)))
    assert "The signature is valid" in html and "A PDF file of at most 10 MB" in html
