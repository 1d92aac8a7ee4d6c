"""Uploads are judged by their bytes, stored under their hash, and refused before anything is written."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings as hyp_settings
from hypothesis import strategies as st

from congvu.documents import services
from congvu.documents.models import StoredFile
from congvu.documents.validation import DocumentError, clean_name

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_stored_under_its_sha256_and_type_not_the_users_name(settings):
    stored = services.store_upload(PDF, "Giấy khai sinh.pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    assert stored.sha256 == digest
    assert stored.size == len(PDF)
    assert stored.content_type == "application/pdf"
    assert stored.storage_name == f"files/{digest[:2]}/{digest[2:4]}/{digest}.pdf"
    assert stored.original_name == "Giấy khai sinh.pdf"
    with services.open_stored(stored) as fh:
        assert fh.read() == PDF
    assert [p.name for p in media_files(settings)] == [f"{digest}.pdf"]


@pytest.mark.django_db
@pytest.mark.parametrize("content,kind,ext", [(PDF, "application/pdf", "pdf"), (JPEG, "image/jpeg", "jpg"), (PNG, "image/png", "png")])
def test_type_comes_from_content_whatever_the_extension(content, kind, ext):
    stored = services.store_upload(content, "scan.bin")
    assert stored.content_type == kind
    assert stored.storage_name.endswith("." + ext)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 50,  # a Windows program
        b"PK\x03\x04" + b"\x00" * 50,  # a ZIP (also .docx)
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"   %PDF-1.4 leading spaces are not a PDF header",
        b"GIF89a" + b"\x00" * 20,
    ],
    ids=["exe", "zip", "html", "pdf-not-at-start", "gif"],
)
def test_disguised_file_refused_and_nothing_stored(settings, content):
    with pytest.raises(DocumentError) as caught:
        services.store_upload(content, "giay-to.pdf")
    assert caught.value.code == "unsupported_type"
    assert "PDF, JPEG, PNG" in caught.value.message
    assert StoredFile.objects.count() == 0
    assert media_files(settings) == []


@pytest.mark.django_db
def test_allowed_types_narrow_what_is_accepted():
    with pytest.raises(DocumentError) as caught:
        services.store_upload(PNG, "anh.png", allowed=("pdf",))
    assert caught.value.code == "unsupported_type"
    assert caught.value.message.endswith("PDF.")


@pytest.mark.django_db
def test_empty_refused(settings):
    with pytest.raises(DocumentError) as caught:
        services.store_upload(b"", "rong.pdf")
    assert caught.value.code == "empty"
    assert caught.value.message == "Tệp rỗng."
    assert StoredFile.objects.count() == 0 and media_files(settings) == []


@pytest.mark.django_db
def test_oversize_refused_with_the_limit_named(settings):
    with pytest.raises(DocumentError) as caught:
        services.store_upload(PDF + b"x" * 100, "lon.pdf", max_bytes=64)
    assert caught.value.code == "too_large"
    assert "64 B" in caught.value.message
    assert StoredFile.objects.count() == 0 and media_files(settings) == []


@pytest.mark.django_db
def test_default_limit_is_ten_megabytes_and_settings_driven(settings):
    big = PDF + b"0" * (10 * 1024 * 1024)
    with pytest.raises(DocumentError) as caught:
        services.store_upload(io.BytesIO(big), "scan.pdf")
    assert caught.value.code == "too_large"
    assert "10 MB" in caught.value.message
    settings.CONGVU_UPLOAD_MAX_BYTES = 11 * 1024 * 1024
    assert services.store_upload(io.BytesIO(big), "scan.pdf").size == len(big)


@pytest.mark.django_db
def test_django_upload_declaring_a_huge_size_is_not_read(settings):
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    upload.size = 50 * 1024 * 1024
    with pytest.raises(DocumentError) as caught:
        services.store_upload(upload, upload.name)
    assert caught.value.code == "too_large"
    assert media_files(settings) == []


@pytest.mark.django_db
def test_django_uploaded_file_is_accepted():
    upload = SimpleUploadedFile("don.pdf", PDF, content_type="text/html")  # the browser's type is ignored
    stored = services.store_upload(upload, upload.name)
    assert stored.content_type == "application/pdf"


@pytest.mark.django_db
def test_same_content_twice_shares_one_blob_but_keeps_each_uploads_name(settings, django_user_model):
    first_user = django_user_model.objects.create_user("a")
    second_user = django_user_model.objects.create_user("b")
    first = services.store_upload(PDF, "cua-anh-A.pdf", uploaded_by=first_user)
    second = services.store_upload(io.BytesIO(PDF), "cua-chi-B.pdf", uploaded_by=second_user)
    assert first.pk != second.pk
    assert first.storage_name == second.storage_name
    assert (first.original_name, first.uploaded_by) == ("cua-anh-A.pdf", first_user)
    assert (second.original_name, second.uploaded_by) == ("cua-chi-B.pdf", second_user)
    assert len(media_files(settings)) == 1


@pytest.mark.django_db
def test_a_truncated_blob_is_replaced(settings):
    stored = services.store_upload(PDF, "a.pdf")
    with default_storage.open(stored.storage_name, "wb") as fh:
        fh.write(PDF[:5])
    again = services.store_upload(PDF, "a.pdf")
    with services.open_stored(again) as fh:
        assert fh.read() == PDF


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,shown",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x\\a.pdf", "a.pdf"),
        ("/var/www/../../root/.ssh/id_rsa.pdf", "id_rsa.pdf"),
        ("bad\x00name.pdf", "bad name.pdf"),
        ("line\r\nContent-Disposition: evil.pdf", "line Content-Disposition_ evil.pdf"),
        ("..", "tài liệu.pdf"),
        ("", "tài liệu.pdf"),
        ('a<b>"c|d?.pdf', "a_b__c_d_.pdf"),
        (".hidden.pdf", "hidden.pdf"),
    ],
)
def test_names_are_cleaned_and_never_reach_the_path(settings, name, shown):
    stored = services.store_upload(PDF, name)
    assert stored.original_name == shown
    assert stored.storage_name == services.storage_path(stored.sha256, services.FILE_TYPES["pdf"])
    for path in media_files(settings):
        assert path.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
        assert path.name == f"{stored.sha256}.pdf"


def test_long_names_keep_their_extension():
    name = clean_name("Đơn đề nghị " * 40 + ".pdf")
    assert len(name) <= 150
    assert name.endswith(".pdf")


@given(st.text(max_size=400))
@hyp_settings(max_examples=300, deadline=None)
def test_any_name_cleans_to_a_single_safe_component(name):
    cleaned = clean_name(name, fallback_extension="pdf")
    assert cleaned
    assert len(cleaned) <= 150
    assert "/" not in cleaned and "\\" not in cleaned
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in cleaned)
    assert not cleaned.startswith(".")


@pytest.mark.django_db
def test_generated_pdf_is_stored_and_non_pdf_refused(settings, django_user_model):
    user = django_user_model.objects.create_user("officer")
    stored = services.store_generated(PDF, "Giấy khai sinh - H15.50.05.13-251008-0001.pdf", created_by=user)
    assert stored.content_type == "application/pdf" and stored.uploaded_by == user
    with pytest.raises(DocumentError) as caught:
        services.store_generated(b"<html>template error</html>", "ket-qua.pdf")
    assert caught.value.code == "unsupported_type"
    assert StoredFile.objects.count() == 1


@pytest.mark.django_db
def test_open_stored_refuses_a_path_congvu_did_not_derive():
    stored = services.store_upload(PDF, "a.pdf")
    StoredFile.objects.filter(pk=stored.pk).update(storage_name="../../secret_key")
    stored.refresh_from_db()
    with pytest.raises(ValueError):
        services.open_stored(stored)


def test_unknown_allowed_type_is_a_programming_error():
    with pytest.raises(ValueError):
        services.store_upload(PDF, "a.pdf", allowed=("docx",))
