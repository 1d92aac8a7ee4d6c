"""Hostile uploads: files disguised by their name, oversize bodies, zip bombs and damaged workbooks handed to the
imports, and path tricks in file names. Each is refused with a clear message, nothing is written, never a 500."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from openpyxl import Workbook

from congvu.documents import uploads
from congvu.documents.models import StoredFile
from congvu.documents.services import store_upload
from congvu.documents.validation import DocumentError, DocumentErrorCode, check_archive, clean_name
from tests.portal.conftest import PDF, catalogue, file_url, filing_data, pdf, place, staff, version  # noqa: F401

DISGUISED = {
    "program.pdf": b"MZ\x90\x00\x03\x00\x00\x00 a Windows program",
    "page.pdf": b"<!doctype html><script>alert(1)</script>",
    "image.png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "letter.pdf": None,  # a .docx (a ZIP) renamed
    "script.jpg": b"#!/bin/sh\nrm -rf /\n",
    "elf.png": b"\x7fELF\x02\x01\x01\x00",
    "bom-pdf.pdf": b"\xef\xbb\xbf%PDF-1.4 a BOM before the magic",
}


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def xlsx_bytes(rows=(("ma_thu_tuc",), ("1.001193",))) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_bomb(inflated: int = 60 * 1024 * 1024) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(inflated // len(block)):
                member.write(block)
    return out.getvalue()


def many_members(count: int = 2500) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for i in range(count):
            z.writestr(f"x/{i}", b"")
    return out.getvalue()


def with_sheet(xml: str) -> bytes:
    """A real workbook whose first sheet's XML is replaced (malformed, or an entity expansion bomb)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info, xml.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info))
    return out.getvalue()


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lolololololol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10))
          + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
          '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
BROKEN_XML = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"'
# Well formed where openpyxl looks when it opens the workbook, broken further on: fails while the rows are read.
BROKEN_LATER = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:A2"/><sheetData>'
                '<row r="1"><c r="A1" t="inlineStr"><is><t>ma_thu_tuc</t></is></c></row>' + "<row>" * 3 + '<row r="2"><c r="A2"')
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
                   '<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>')
HOSTILE_WORKBOOKS = {"zip bomb": zip_bomb(), "2500 members": many_members(), "billion laughs": with_sheet(LAUGHS),
                     "malformed sheet": with_sheet(BROKEN_XML), "malformed later": with_sheet(BROKEN_LATER), "external entity": with_sheet(EXTERNAL_ENTITY),
                     "truncated zip": xlsx_bytes()[:700], "not a zip": b"PK\x03\x04" + b"\xff" * 64}


# ------------------------------------------------------------------------------------------------ content


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(DISGUISED))
def test_a_file_disguised_by_its_name_is_refused_and_not_stored(name):
    content = DISGUISED[name] if DISGUISED[name] is not None else docx_bytes()
    with pytest.raises(DocumentError) as caught:
        store_upload(SimpleUploadedFile(name, content, content_type="application/pdf"), name)
    assert caught.value.code == DocumentErrorCode.UNSUPPORTED_TYPE
    assert "Nội dung tệp không thuộc loại được chấp nhận" in caught.value.message
    assert StoredFile.objects.count() == 0


@pytest.mark.django_db
def test_a_file_above_the_limit_is_refused_before_it_is_read(settings):
    settings.CONGVU_UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * 4096, content_type="application/pdf")
    with pytest.raises(DocumentError) as caught:
        store_upload(big, "scan.pdf")
    assert caught.value.code == DocumentErrorCode.TOO_LARGE and "1 KB" in caught.value.message
    assert StoredFile.objects.count() == 0


def test_the_upload_handler_keeps_no_more_than_one_byte_above_the_largest_accepted_file(settings, monkeypatch):
    settings.CONGVU_UPLOAD_MAX_BYTES = 1000
    monkeypatch.setattr(uploads, "IMPORT_MAX_BYTES", 2000)
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("huge.pdf", PDF + b"0" * 300_000), "note": "x"})
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    handlers = [uploads.BoundedUploadHandler(), MemoryFileUploadHandler(), TemporaryFileUploadHandler()]
    _post, files = MultiPartParser(meta, io.BytesIO(body), handlers).parse()
    kept = files["file"]
    assert kept.size == 2001 and kept.read().startswith(b"%PDF-")
    assert _post["note"] == "x"


@pytest.mark.django_db
def test_online_filing_with_a_huge_scan_says_too_large_and_writes_nothing(client, version, place, settings):
    settings.CONGVU_UPLOAD_MAX_BYTES = 4096
    document = version.documents.filter(group="submit").first()
    data = filing_data(version, place, **{f"doc_{document.pk}": pdf("to-khai.pdf", PDF + b"0" * 50_000)})
    response = client.post(file_url(version), data)
    assert response.status_code == 400
    assert "lớn hơn 4 KB" in response.content.decode()
    assert StoredFile.objects.count() == 0


@pytest.mark.django_db
def test_online_filing_with_a_disguised_program_writes_nothing(client, version, place):
    document = version.documents.filter(group="submit").first()
    data = filing_data(version, place, **{f"doc_{document.pk}": pdf("to-khai.pdf", DISGUISED["program.pdf"])})
    response = client.post(file_url(version), data)
    assert response.status_code == 400 and "không thuộc loại được chấp nhận" in response.content.decode()
    assert StoredFile.objects.count() == 0


# ------------------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\a.pdf", "a.pdf"),
    ("/etc/shadow.pdf", "shadow.pdf"),
    ("C:\\Users\\a\\giay-to.pdf", "giay-to.pdf"),
    ("to\x00khai.pdf", "to khai.pdf"),
    ("hoa-don\u202efdp.exe", "hoa-donfdp.exe"),  # right-to-left override: shown as "hoa-donexe.pdf"
    ("x\uff0f..\uff0fsecret.pdf", "secret.pdf"),  # full-width solidus
    ("a\u2215b.pdf", "b.pdf"),  # division slash
    ("\u200bzero\u200dwidth.pdf", "zerowidth.pdf"),
    ("...", "tài liệu.pdf"),
    ("", "tài liệu.pdf"),
    ("<script>alert(1)</script>.pdf", "script_.pdf"),
    ("Giấy khai sinh (bản sao).pdf", "Giấy khai sinh (bản sao).pdf"),
])
def test_names_keep_no_path_no_control_and_no_invisible_characters(name, expected):
    cleaned = clean_name(name, fallback_extension="pdf")
    assert cleaned == expected
    assert "/" not in cleaned and "\\" not in cleaned and "\x00" not in cleaned and not cleaned.startswith(".")


def test_a_very_long_name_keeps_its_extension():
    cleaned = clean_name("a" * 5000 + ".pdf")
    assert len(cleaned) <= 150 and cleaned.endswith(".pdf")


# ------------------------------------------------------------------------------------------------ workbooks (imports)


def test_a_real_workbook_passes_the_archive_check():
    check_archive(xlsx_bytes())


@pytest.mark.parametrize("kind", ["zip bomb", "2500 members"])
def test_zip_bombs_are_refused_before_they_are_inflated(kind):
    with pytest.raises(DocumentError) as caught:
        check_archive(HOSTILE_WORKBOOKS[kind])
    assert caught.value.code == DocumentErrorCode.UNSAFE_ARCHIVE


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(HOSTILE_WORKBOOKS))
def test_every_import_refuses_a_hostile_workbook_with_a_message(kind):
    from congvu.catalog.boundary import read_table
    from congvu.feedback.official_import import ImportFileError
    from congvu.feedback.official_import import read_table as read_results
    from congvu.reform.framework import FrameworkError
    from congvu.reform.imports import read_framework_file

    raw = HOSTILE_WORKBOOKS[kind]
    with pytest.raises(ValueError) as listing:
        read_table("danh-sach.xlsx", raw)
    with pytest.raises(ImportFileError) as results:
        read_results("ket-qua.xlsx", raw)
    framework = None
    if len(raw) <= 2 * 1024 * 1024:
        with pytest.raises(FrameworkError) as framework:
            read_framework_file(raw, "bo-chi-so.xlsx")
    messages = [str(listing.value), str(results.value)] + (framework.value.messages if framework else [])
    assert all(messages) and not any("Traceback" in m or "/etc/passwd" in m or "root:" in m for m in messages)
