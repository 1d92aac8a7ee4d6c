"""PAdES signatures with pyHanko: sign a PDF as a unit, and read back what a PDF's signatures say.

No Django here. Signing is PAdES B-B (ETSI EN 319 142-1: the CMS signature with the signing certificate as a
signed attribute, subfilter ETSI.CAdES.detached), added as an incremental update so a document that already
carries a signature (a result the leader signed with a USB token) keeps it valid.

Verification never goes on the network: a certificate in an uploaded PDF names whatever CRL/OCSP addresses its
maker chose, and a public page must not fetch them (server-side request forgery); trust means "chains to a
root congvu was given", revocation is what congvu's own records say.
"""

from __future__ import annotations

import asyncio
import binascii
import datetime as dt
import enum
import io
import logging
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from congvu.signing.pki import fingerprint

FIELD_NAME = "ChuKySoDonVi"
# A file with more revisions or signatures than this is not something congvu issued; checking each one costs a
# diff of the whole file, so a crafted upload with thousands would tie up a worker.
MAX_REVISIONS = 20
MAX_SIGNATURES = 10
STAMP_WIDTH, STAMP_HEIGHT = 220, 34  # points; fits the 15 mm bottom margin of an A5 receipt
STAMP_RIGHT, STAMP_BOTTOM = 43, 6  # distance from the page's right and bottom edges, points

logger = logging.getLogger(__name__)


T = TypeVar("T")


def _outside_event_loop(work: Callable[[], T]) -> T:
    """Run `work` where pyHanko's synchronous API can run. It calls asyncio.run(), which refuses to start inside
    a running event loop: an async view, a task runner or a test driving a browser would otherwise get
    "asyncio.run() cannot be called from a running event loop" and every document would go out unsigned."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="congvu-pades") as pool:
        return pool.submit(work).result()


class UnreadablePdf(ValueError):
    """The bytes are not a PDF pyHanko can open (garbage, truncated, encrypted, too many revisions)."""


# ---------------------------------------------------------------------------------------------------
# Signing


class _PdfPageBytes(PdfContent):
    """The first page of a PDF held in memory, drawn as the signature's appearance (pyHanko's own
    ImportedPdfPage reads a file by name). The stamp is rendered by WeasyPrint with the shipped Noto font:
    pyHanko's built-in font has no Vietnamese letters, and its OpenType support needs uharfbuzz."""

    def __init__(self, pdf: bytes):
        self._pdf = pdf
        super().__init__()

    def render(self) -> bytes:
        xobject = self._ensure_writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self._pdf)), page_ix=0)
        name = "/Import" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
        self.resources.xobject[name] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _stamp_box(media_box) -> tuple[int, int, int, int]:
    x1, _y1, x2, _y2 = (float(v) for v in media_box)
    right = int(x2 - STAMP_RIGHT)
    return (max(int(x1), right - STAMP_WIDTH), STAMP_BOTTOM, right, STAMP_BOTTOM + STAMP_HEIGHT)


def sign(pdf: bytes, *, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate,
         chain: Sequence[x509.Certificate] = (), reason: str = "", location: str = "", signer_name: str = "",
         stamp_pdf: bytes | None = None) -> bytes:
    """`pdf` with a PAdES B-B signature appended. With `stamp_pdf` the signature is visible on the last page,
    bottom right, in the margin; without it the signature is invisible (an uploaded scan has content where
    a stamp would go)."""
    private_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    signer = signers.SimpleSigner(
        signing_cert=_asn1_certificate(certificate), signing_key=private_key,
        cert_registry=SimpleCertificateStore.from_certs([_asn1_certificate(c) for c in chain]),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    existing = {name for name, *_rest in fields.enumerate_sig_fields(writer)}
    # A document signed by congvu twice (a result re-signed at each download) keeps every signature.
    field_name = next(name for n in range(len(existing) + 1) if (name := f"{FIELD_NAME}{n or ''}") not in existing)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason or None, location=location or None, name=signer_name or None,
    )
    if stamp_pdf:
        page_count = int(writer.root["/Pages"]["/Count"])
        spec = fields.SigFieldSpec(field_name, on_page=page_count - 1, box=_stamp_box(_media_box(_last_page(writer))))
        style = StaticStampStyle(background=_PdfPageBytes(stamp_pdf), border_width=0)
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)
    else:
        pdf_signer = signers.PdfSigner(meta, signer, new_field_spec=fields.SigFieldSpec(field_name))
    return _outside_event_loop(lambda: pdf_signer.sign_pdf(writer).getvalue())


def _last_page(writer):
    node = writer.root["/Pages"]
    while "/Kids" in node:
        node = node["/Kids"][-1].get_object()
    return node


def _media_box(page):
    # MediaBox is inheritable: a page without one takes its parent's (ISO 32000-1, 7.7.3.4).
    while "/MediaBox" not in page and "/Parent" in page:
        page = page["/Parent"].get_object()
    return page.get("/MediaBox", (0, 0, 595, 842))


# ---------------------------------------------------------------------------------------------------
# Verification


class Integrity(enum.StrEnum):
    UNCHANGED = "unchanged"  # the file is exactly what was signed, or only validation data was added
    FILLED = "filled"  # form fields filled or further signatures added after this one (allowed by PDF rules)
    ANNOTATED = "annotated"  # comments/annotations added after signing
    ALTERED = "altered"  # the signed bytes changed, or content was changed by a later update


@dataclass(frozen=True)
class SignatureCheck:
    field_name: str
    signer_common_name: str
    signer_organisation: str
    signer_unit_code: str
    signer_subject: str
    issuer: str
    serial: str
    fingerprint: str
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    signed_at: dt.datetime | None
    integrity: Integrity
    cryptographically_valid: bool
    trusted: bool
    trust_problem: str
    reason: str
    location: str

    @property
    def good(self) -> bool:
        return self.cryptographically_valid and self.trusted and self.integrity in (Integrity.UNCHANGED, Integrity.FILLED)


@dataclass(frozen=True)
class Verification:
    signatures: tuple[SignatureCheck, ...]
    revisions: int

    @property
    def signed(self) -> bool:
        return bool(self.signatures)


def _name_part(name: asn1_x509.Name, key: str) -> str:
    try:
        value = name.native.get(key, "")
    except Exception:  # a malformed name in a crafted certificate reads as nothing, not as a crash
        return ""
    return value[-1] if isinstance(value, list) else str(value or "")


def _human(name: asn1_x509.Name) -> str:
    try:
        return name.human_friendly
    except Exception:
        return ""


def _integrity(status) -> Integrity:
    if not status.intact or not status.valid:
        return Integrity.ALTERED
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Integrity.UNCHANGED
    if status.docmdp_ok is False:
        return Integrity.ALTERED
    level = status.modification_level  # None: pyHanko could not explain the later revisions at all
    if level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        return Integrity.UNCHANGED
    if level == ModificationLevel.FORM_FILLING:
        return Integrity.FILLED
    if level == ModificationLevel.ANNOTATIONS:
        return Integrity.ANNOTATED
    return Integrity.ALTERED


def _certificate_dates(certificate: asn1_x509.Certificate) -> tuple[dt.datetime | None, dt.datetime | None]:
    try:
        validity = certificate["tbs_certificate"]["validity"]
        return validity["not_before"].native, validity["not_after"].native
    except Exception:
        return None, None


def _check(embedded, roots: list[asn1_x509.Certificate]) -> SignatureCheck:
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    status = _outside_event_loop(lambda: validate_pdf_signature(embedded, signer_validation_context=context))
    certificate = status.signing_cert
    subject = certificate.subject
    not_before, not_after = _certificate_dates(certificate)
    sig_object = embedded.sig_object
    problem = status.trust_problem_indic
    return SignatureCheck(
        field_name=str(embedded.field_name or ""),
        signer_common_name=_name_part(subject, "common_name"),
        signer_organisation=_name_part(subject, "organization_name"),
        signer_unit_code=_name_part(subject, "user_id"),
        signer_subject=_human(subject),
        issuer=_human(certificate.issuer),
        serial=format(certificate.serial_number, "X"),
        fingerprint=fingerprint(x509.load_der_x509_certificate(certificate.dump())),
        not_before=not_before, not_after=not_after,
        signed_at=status.signer_reported_dt,
        integrity=_integrity(status),
        cryptographically_valid=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        trust_problem=problem.name if problem is not None else "",
        reason=str(sig_object.get("/Reason", "") or ""),
        location=str(sig_object.get("/Location", "") or ""),
    )


def _broken(embedded) -> SignatureCheck:
    """A signature field whose contents cannot be read: shown as a signature that proves nothing."""
    return SignatureCheck(
        field_name=str(getattr(embedded, "field_name", "") or ""), signer_common_name="", signer_organisation="",
        signer_unit_code="", signer_subject="", issuer="", serial="", fingerprint="", not_before=None, not_after=None,
        signed_at=None, integrity=Integrity.ALTERED, cryptographically_valid=False, trusted=False,
        trust_problem="UNREADABLE", reason="", location="",
    )


def verify(data: bytes, trust_roots: Sequence[x509.Certificate]) -> Verification:
    """What the signatures in `data` say, checked against `trust_roots`. Raises UnreadablePdf when the bytes
    are not a PDF pyHanko can read."""
    roots = [_asn1_certificate(c) for c in trust_roots]
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise UnreadablePdf("encrypted PDF")
        revisions = reader.xrefs.total_revisions
        if revisions > MAX_REVISIONS:
            raise UnreadablePdf(f"{revisions} revisions")
        embedded_signatures = list(reader.embedded_signatures)
    except UnreadablePdf:
        raise
    except Exception as error:  # pyHanko raises many kinds on garbage (PdfReadError, KeyError, ValueError…)
        raise UnreadablePdf(str(error)[:200]) from error
    if len(embedded_signatures) > MAX_SIGNATURES:
        raise UnreadablePdf(f"{len(embedded_signatures)} signatures")
    checks = []
    for embedded in embedded_signatures:
        try:
            checks.append(_check(embedded, roots))
        except Exception as error:  # a crafted signature dictionary or CMS blob: say it proves nothing
            logger.info("unreadable signature in an uploaded PDF: %s", str(error)[:200])
            checks.append(_broken(embedded))
    return Verification(signatures=tuple(checks), revisions=revisions)
