"""Fixtures for the portal tests. The province, staff and catalogue are the dossier tests' own (imported, not
copied): two communes, one with a service centre whose one-stop officer accepts online filings, and the
starter catalogue with a workflow for re-registration of a birth (1.004884, 5 working days, online)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.dossiers.conftest import CITIZEN, catalogue, local, place, receive, staff, submit_ids  # noqa: F401

# Smallest files the content check accepts: the magic bytes of each format and a little body.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00 this is a program, whatever its name says"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
NONCE = re.compile(r'nonce="[^"]*"')  # the Content-Security-Policy nonce is new on every response (congvu.core.csp)


def without_csrf(body: bytes) -> str:
    """The page without what differs on every response by design (the CSRF token, the CSP nonce)."""
    return NONCE.sub("", CSRF.sub("", body.decode()))


def pdf(name="giay-to.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def version(catalogue, staff):
    """The online procedure the tests file (re-registration of a birth), with the officers who receive it."""
    return catalogue.five


def file_url(version) -> str:
    return reverse("portal:file_online", args=[version.procedure.code])


def filing_data(version, place, *, files=True, **overrides) -> dict:
    """A complete, valid filing at the service centre of ward A, a PDF for every document to submit."""
    data = {
        "unit": place.centre.code, "kind": "citizen", "full_name": "Lê Thị Hoa", "personal_id": "001190012345",
        "phone": "0987 654 321", "email": "hoa@example.vn", "address": "12 Hàng Bạc, Hoàn Kiếm",
        "summary": "Đăng ký lại khai sinh cho con", "declaration": "on",
    }
    if files:
        for pk in submit_ids(version):
            data[f"doc_{pk}"] = pdf(f"giay-to-{pk}.pdf")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
