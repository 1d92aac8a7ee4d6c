"""Issuing certificates, keeping their keys, and signing as a unit (or not, when it has no usable certificate)."""

import io
import logging
import os
import stat

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from congvu.signing import keystore, selectors, services, verification
from congvu.signing.models import SigningAuthority, UnitCertificate
from congvu.signing.verification import Verdict

pytestmark = pytest.mark.django_db


def test_demo_certificates_are_issued_once_per_unit(units):
    first = services.issue_demo_certificates([units.centre, units.commune])
    again = services.issue_demo_certificates([units.centre, units.commune, units.bare])
    assert (first.issued, first.kept) == (2, 0)
    assert (again.issued, again.kept) == (1, 2)
    assert again.authority == first.authority and SigningAuthority.objects.count() == 1
    assert UnitCertificate.objects.count() == 3
    certificate = selectors.current_certificate(units.centre)
    assert "UID=T-TT" in certificate.subject and certificate.authority == first.authority
    assert certificate.not_after > certificate.not_before


def test_keys_are_private_files_encrypted_under_the_data_dir(certified, settings):
    certificate = selectors.current_certificate(certified.centre)
    folder = keystore.signing_dir() / "keys"
    path = folder / certificate.key_file
    assert str(path).startswith(str(settings.CONGVU_SIGNING_DIR))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    pem = path.read_bytes()
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in pem and b"BEGIN PRIVATE KEY" not in pem
    # Nothing about the key is in the database: a dump signs nothing.
    assert "PRIVATE" not in certificate.certificate_pem and "PRIVATE" not in certificate.authority.certificate_pem


def test_sign_as_unit_signs_with_the_units_certificate(certified, plain_pdf):
    pdf = services.sign_as_unit(plain_pdf, certified.centre)
    outcome = verification.check_pdf(pdf)
    assert outcome.all_valid
    (signature,) = outcome.signatures
    assert signature.certificate == selectors.current_certificate(certified.centre)
    assert signature.unit_name == certified.centre.name
    stamp_text = PdfReader(io.BytesIO(pdf)).pages[-1]["/Annots"][0].get_object()["/AP"]["/N"].get_object()
    assert stamp_text is not None


def test_a_unit_without_a_certificate_gets_its_pdf_back_unchanged(certified, plain_pdf):
    assert services.sign_as_unit(plain_pdf, certified.bare) == plain_pdf
    assert services.sign_as_unit(plain_pdf, None) == plain_pdf
    assert not verification.check_pdf(plain_pdf).signed


def test_a_revoked_or_expired_certificate_is_not_used(certified, plain_pdf):
    certificate = selectors.current_certificate(certified.centre)
    signed_before = services.sign_as_unit(plain_pdf, certified.centre)
    services.revoke_certificate(certificate)
    assert services.sign_as_unit(plain_pdf, certified.centre) == plain_pdf
    # A document signed before the revocation is still recognised, and the page says the certificate was revoked.
    (signature,) = verification.check_pdf(signed_before).signatures
    assert signature.verdict == Verdict.REVOKED


def test_a_missing_or_foreign_key_file_serves_the_document_unsigned_and_logs(certified, plain_pdf, caplog):
    certificate = selectors.current_certificate(certified.centre)
    (keystore.signing_dir() / "keys" / certificate.key_file).unlink()
    with caplog.at_level(logging.ERROR, logger="congvu.signing.services"):
        assert services.sign_as_unit(plain_pdf, certified.centre) == plain_pdf
    assert "serving it unsigned" in caplog.text
    # A row altered in the database cannot point the signer at another file on the server.
    UnitCertificate.objects.filter(pk=certificate.pk).update(key_file="../../../../etc/passwd")
    with pytest.raises(ValueError, match="not inside"):
        keystore.read_key("../../../../etc/passwd")
    assert services.sign_as_unit(plain_pdf, certified.centre) == plain_pdf


def test_a_changed_secret_key_cannot_read_the_keys(certified, plain_pdf, settings):
    settings.SECRET_KEY = "another secret key entirely, at least fifty characters long for Django"
    assert services.sign_as_unit(plain_pdf, certified.centre) == plain_pdf


def test_a_new_certificate_replaces_the_old_for_signing_but_the_old_still_verifies(certified, plain_pdf):
    old = selectors.current_certificate(certified.centre)
    signed_old = services.sign_as_unit(plain_pdf, certified.centre)
    new = services.issue_unit_certificate(certified.centre, old.authority)
    assert selectors.current_certificate(certified.centre) == new
    assert verification.check_pdf(signed_old).signatures[0].certificate == old
    assert verification.check_pdf(services.sign_as_unit(plain_pdf, certified.centre)).signatures[0].certificate == new


def test_the_command_issues_for_named_units_and_refuses_unknown_codes(units):
    out = io.StringIO()
    call_command("issue_demo_certificates", "--unit", "T-TT", "--unit", "T-HK", stdout=out)
    assert "Đã cấp 2 chứng thư số" in out.getvalue()
    assert set(UnitCertificate.objects.values_list("unit__code", flat=True)) == {"T-TT", "T-HK"}
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="KHONG-CO"):
        call_command("issue_demo_certificates", "--unit", "KHONG-CO", stdout=io.StringIO())


def test_the_command_without_units_covers_every_unit_that_exists_today(units):
    import datetime as dt

    units.bare.valid_to = dt.date(2025, 6, 30)  # merged away in the 2025 reform
    units.bare.save(update_fields=["valid_to"])
    call_command("issue_demo_certificates", stdout=io.StringIO())
    assert set(UnitCertificate.objects.values_list("unit__code", flat=True)) == {"T", "T-HK", "T-TT"}


def test_a_pdf_the_signer_cannot_read_is_served_as_it_is(certified, caplog):
    # A result uploaded years ago by another system may be a PDF pyHanko cannot parse: it is still handed out.
    with caplog.at_level(logging.ERROR, logger="congvu.signing.services"):
        assert services.sign_as_unit(b"%PDF-1.4\nnot much of a PDF", certified.centre) == b"%PDF-1.4\nnot much of a PDF"
    assert "serving it unsigned" in caplog.text
