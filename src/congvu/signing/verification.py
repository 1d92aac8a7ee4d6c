"""What the public verification page shows about an uploaded PDF: pyHanko's findings (congvu.signing.pades)
joined with congvu's own records of the certificate (which unit, revoked or not)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from congvu.signing import pades, selectors
from congvu.signing.models import UnitCertificate


class Verdict(enum.StrEnum):
    VALID = "valid"  # intact, chains to our CA, certificate known and not revoked
    ALTERED = "altered"  # the signed content changed after signing (or the signature does not match)
    UNTRUSTED = "untrusted"  # intact but the certificate does not chain to a CA congvu trusts
    REVOKED = "revoked"  # ours, intact, but the certificate was revoked
    ANNOTATED = "annotated"  # intact, ours, but comments were added after signing


@dataclass(frozen=True)
class SignatureView:
    check: pades.SignatureCheck
    certificate: UnitCertificate | None
    verdict: Verdict

    @property
    def unit_name(self) -> str:
        if self.certificate is not None:
            return self.certificate.unit.name
        return self.check.signer_organisation or self.check.signer_common_name


@dataclass(frozen=True)
class Outcome:
    signatures: tuple[SignatureView, ...]

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def all_valid(self) -> bool:
        return self.signed and all(s.verdict == Verdict.VALID for s in self.signatures)


def _verdict(check: pades.SignatureCheck, certificate: UnitCertificate | None) -> Verdict:
    if not check.cryptographically_valid or check.integrity == pades.Integrity.ALTERED:
        return Verdict.ALTERED
    if not check.trusted:
        return Verdict.UNTRUSTED
    if certificate is not None and certificate.revoked_at is not None:
        return Verdict.REVOKED
    if check.integrity == pades.Integrity.ANNOTATED:
        return Verdict.ANNOTATED
    return Verdict.VALID


def check_pdf(data: bytes) -> Outcome:
    """Raises pades.UnreadablePdf when the bytes are not a PDF that can be read."""
    result = pades.verify(data, selectors.trust_roots())
    known = selectors.certificates_by_fingerprint(c.fingerprint for c in result.signatures)
    views = []
    for check in result.signatures:
        certificate = known.get(check.fingerprint)  # the exact certificate congvu issued, matched by its hash
        views.append(SignatureView(check=check, certificate=certificate, verdict=_verdict(check, certificate)))
    return Outcome(signatures=tuple(views))
