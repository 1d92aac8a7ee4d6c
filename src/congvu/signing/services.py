"""Issuing certificates and signing documents as a unit.

`sign_as_unit` is the one place congvu signs: `congvu.core.pdf.render_pdf(..., signed_by=unit)` calls it for
every form and letter it renders, and the result download calls it for a result PDF. A unit without a usable
certificate gets its documents unsigned (the verification page then says "not signed"); printing a receipt at
the counter must never fail because of a certificate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from congvu.signing import keystore, pades, pki, selectors
from congvu.signing.models import SigningAuthority, UnitCertificate

logger = logging.getLogger(__name__)

DEMO_AUTHORITY_NAME = "CA demo congvu (không dùng cho văn bản thật)"
SIGN_REASON = "Văn bản điện tử do đơn vị phát hành"


# ---------------------------------------------------------------------------------------------------
# Issuing


def _authority_material(authority: SigningAuthority) -> pki.Issued:
    if not authority.key_file:
        raise ValueError(f"congvu does not hold the key of {authority.name}; it cannot issue certificates")
    return pki.Issued(keystore.read_key(authority.key_file), pki.load_certificate(authority.certificate_pem))


@transaction.atomic
def ensure_demo_authority(*, now: dt.datetime | None = None) -> SigningAuthority:
    """The demo CA, created with its key on first use; later calls return the same one while it is valid."""
    now = now or timezone.now()
    existing = SigningAuthority.objects.select_for_update().filter(is_demo=True, not_after__gt=now).exclude(key_file="").first()
    if existing is not None:
        return existing
    issued = pki.make_authority(DEMO_AUTHORITY_NAME, now=now)
    fingerprint = pki.fingerprint(issued.certificate)
    key_file = keystore.write_key(issued.key, f"ca-{fingerprint}.pem")
    return SigningAuthority.objects.create(
        name=DEMO_AUTHORITY_NAME, certificate_pem=issued.certificate_pem, fingerprint=fingerprint, key_file=key_file,
        not_before=issued.certificate.not_valid_before_utc, not_after=issued.certificate.not_valid_after_utc, is_demo=True,
    )


def _province_name(unit) -> str:
    from congvu.units.models import Unit

    root = Unit.objects.filter(path=unit.path[: Unit.steplen]).only("name").first() if unit.depth > 1 else unit
    return root.name if root is not None else ""


def issue_unit_certificate(unit, authority: SigningAuthority, *, now: dt.datetime | None = None,
                           days: int = pki.UNIT_CERTIFICATE_DAYS) -> UnitCertificate:
    """A new certificate for `unit` from `authority` (whose key congvu holds); the unit's older
    certificates stay valid until they expire, so documents already signed keep verifying."""
    now = now or timezone.now()
    issued = pki.issue(_authority_material(authority), unit_name=unit.name, unit_code=unit.code,
                       province=_province_name(unit), now=now, days=days)
    fingerprint = pki.fingerprint(issued.certificate)
    key_file = keystore.write_key(issued.key, f"{fingerprint}.pem")
    try:
        return UnitCertificate.objects.create(
            unit=unit, authority=authority, subject=issued.certificate.subject.rfc4514_string()[:500],
            serial=pki.serial_hex(issued.certificate), fingerprint=fingerprint, certificate_pem=issued.certificate_pem,
            key_file=key_file, not_before=issued.certificate.not_valid_before_utc, not_after=issued.certificate.not_valid_after_utc,
        )
    except Exception:
        keystore.delete_key(key_file)  # no row names it: a key nobody can use must not linger
        raise


@dataclass(frozen=True)
class IssueReport:
    authority: SigningAuthority
    issued: int
    kept: int


def issue_demo_certificates(units: Iterable | None = None, *, now: dt.datetime | None = None,
                            progress: Callable[[int, int], None] | None = None) -> IssueReport:
    """A demo certificate for every unit that exists today (or for `units`) and has no valid one yet.
    Running it again issues nothing new."""
    from congvu.units.models import Unit

    now = now or timezone.now()
    authority = ensure_demo_authority(now=now)
    if units is None:
        today = timezone.localdate(now)
        units = Unit.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).order_by("path")
    units = list(units)
    covered = set(selectors.valid_certificates(now).filter(unit__in=units).values_list("unit_id", flat=True))
    issued = 0
    for index, unit in enumerate(units, start=1):
        if unit.pk not in covered:
            issue_unit_certificate(unit, authority, now=now)
            issued += 1
        if progress is not None:
            progress(index, len(units))
    return IssueReport(authority=authority, issued=issued, kept=len(units) - issued)


def revoke_certificate(certificate: UnitCertificate, *, now: dt.datetime | None = None) -> UnitCertificate:
    """Stop signing with a certificate (key lost, unit merged). Documents it signed before stay checkable;
    the verification page says the certificate was revoked and when."""
    if certificate.revoked_at is None:
        certificate.revoked_at = now or timezone.now()
        certificate.save(update_fields=["revoked_at"])
    return certificate


# ---------------------------------------------------------------------------------------------------
# Signing


@lru_cache(maxsize=512)
def _stamp(unit_name: str, verify_url: str) -> bytes:
    """The visible signature's picture, by WeasyPrint with the shipped font (~80 ms, hence cached per unit)."""
    from weasyprint import HTML

    from congvu.core.pdf import FONT_DIR, font_faces_css

    with translation.override("vi"):
        html = render_to_string("signing/stamp.html", {
            "font_faces": font_faces_css(), "unit_name": unit_name, "verify_url": verify_url,
            "width": pades.STAMP_WIDTH, "height": pades.STAMP_HEIGHT,
        })
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()


def verify_url() -> str:
    from congvu.dossiers.letters import public_base_url

    return f"{public_base_url()}/xac-thuc-van-ban/"


def sign_as_unit(pdf: bytes, unit, *, visible: bool = True) -> bytes:
    """`pdf` signed with `unit`'s current certificate, or `pdf` unchanged when the unit has none (or its key
    cannot be read: logged as an error for the operator, never an error page for the citizen)."""
    if unit is None:
        return pdf
    certificate = selectors.current_certificate(unit)
    if certificate is None:
        return pdf
    try:
        key = keystore.read_key(certificate.key_file)
        chain = [pki.load_certificate(certificate.authority.certificate_pem)] if certificate.authority_id else []
        return pades.sign(
            pdf, key=key, certificate=pki.load_certificate(certificate.certificate_pem), chain=chain,
            reason=SIGN_REASON, signer_name=unit.name,
            stamp_pdf=_stamp(unit.name, verify_url()) if visible else None,
        )
    except Exception:
        logger.exception("could not sign a document as unit %s with certificate %s; serving it unsigned", unit.code, certificate.serial)
        return pdf
