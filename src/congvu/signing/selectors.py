"""Reads: the certificate a unit signs with now, the roots the verification page trusts, and what congvu
knows about a certificate found in an uploaded PDF."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from django.db.models import QuerySet
from django.utils import timezone

from congvu.signing import pki
from congvu.signing.models import SigningAuthority, UnitCertificate


def valid_certificates(now: dt.datetime | None = None) -> QuerySet[UnitCertificate]:
    now = now or timezone.now()
    return UnitCertificate.objects.filter(revoked_at__isnull=True, not_before__lte=now, not_after__gt=now)


def current_certificate(unit, now: dt.datetime | None = None) -> UnitCertificate | None:
    """The newest valid, unrevoked certificate of `unit`, with its issuer (one query)."""
    return valid_certificates(now).filter(unit=unit).select_related("authority").order_by("-not_before", "-pk").first()


def trust_roots() -> list[x509.Certificate]:
    """Every authority congvu was given, including expired ones: a document signed while the CA was valid
    is still recognised as ours (pyHanko then reports the expiry itself)."""
    return [pki.load_certificate(pem) for pem in SigningAuthority.objects.values_list("certificate_pem", flat=True)]


def certificates_by_fingerprint(fingerprints) -> dict[str, UnitCertificate]:
    wanted = [f for f in fingerprints if f]
    if not wanted:
        return {}
    return {c.fingerprint: c for c in UnitCertificate.objects.filter(fingerprint__in=wanted).select_related("unit")}
