"""The documents congvu hands out are signed by the unit that issues them: the receipt and the letters (through
render_pdf), a result PDF at download; a unit without a certificate still gets its documents, unsigned."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.urls import reverse
from pypdf import PdfReader

from congvu.catalog import selectors as catalog_selectors
from congvu.catalog import services as catalog_services
from congvu.documents.services import open_stored, store_upload
from congvu.dossiers import letters
from congvu.dossiers.models import Applicant, Channel, Dossier, DossierResult
from congvu.core import demo as core_demo
from congvu.signing import verification
from congvu.units.models import Role
from congvu.units.services import create_staff_member

pytestmark = pytest.mark.django_db
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def dossier(units):
    catalog_services.import_starter_catalog(effective_from=dt.date(2025, 7, 1))
    version = catalog_selectors.version_in_force(catalog_selectors.procedure_by_code("1.001193"))
    applicant = Applicant.objects.create(full_name="Lê Thị Hồng Nhung", personal_id="042190001234", phone="0912345678")
    received = dt.datetime(2026, 2, 13, 8, 30, tzinfo=VN)
    return Dossier.objects.create(
        code="H99.01-260213-0007", procedure_version=version, receiving_unit=units.centre, handling_unit=units.commune,
        current_unit=units.commune, applicant=applicant, channel=Channel.COUNTER, copies=1, state="processing",
        received_at=received, clock_started_at=received, original_due_at=received + dt.timedelta(days=5),
        due_at=received + dt.timedelta(days=5),
    )


def only_signature(pdf: bytes):
    outcome = verification.check_pdf(pdf)
    assert outcome.all_valid, outcome
    (signature,) = outcome.signatures
    return signature


def test_the_receipt_is_signed_visibly_by_the_receiving_unit(certified, dossier):
    pdf = letters.receipt_pdf(dossier)
    signature = only_signature(pdf)
    assert signature.certificate.unit == certified.centre
    reader = PdfReader(io.BytesIO(pdf))
    (widget,) = [a.get_object() for a in reader.pages[-1]["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    assert "/AP" in widget and float(widget["/Rect"][3]) < 15 / 25.4 * 72  # in the A5 slip's 15 mm bottom margin


def test_every_letter_of_the_dossier_is_signed(certified, dossier):
    assert only_signature(letters.control_sheet_pdf(dossier)).certificate.unit == certified.centre
    assert only_signature(letters.register_pdf(certified.centre, 2026, Dossier.objects.all())).certificate.unit == certified.centre


def test_a_unit_without_a_certificate_prints_its_receipt_unsigned(units, dossier):
    pdf = letters.receipt_pdf(dossier)
    assert pdf.startswith(b"%PDF-") and not verification.check_pdf(pdf).signed


def test_a_result_pdf_is_downloaded_signed_by_the_handling_unit_and_stored_unchanged(certified, dossier, client, plain_pdf):
    stored = store_upload(plain_pdf, "ket-qua.pdf")
    DossierResult.objects.create(dossier=dossier, name="Giấy khai sinh", file=stored, electronic=True, recorded_at=dossier.received_at)
    officer = create_staff_member("motcua", "Nguyễn Thị Lan", certified.centre, Role.ONE_STOP_OFFICER, password="Mat-khau-2026!").user
    client.force_login(officer)
    response = client.get(reverse("dossiers:file", args=[dossier.code, stored.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    signature = only_signature(response.content)
    assert signature.certificate.unit == certified.commune
    assert not PdfReader(io.BytesIO(response.content)).pages[-1].get("/Annots")  # invisible: a scan has content there
    with open_stored(stored) as handle:
        assert handle.read() == plain_pdf


def test_the_demo_extension_issues_certificates_and_prints_what_it_did(units):
    from congvu.signing import demo

    out = io.StringIO()
    demo.load(out)
    assert "Đã cấp 4 chứng thư số" in out.getvalue()
    demo.load(out)
    assert "Đã cấp 0 chứng thư số (đã có sẵn: 4)" in out.getvalue()
    assert "congvu.signing.demo" in core_demo.DEMO_EXTENSIONS
