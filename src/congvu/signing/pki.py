"""Certificates for signing documents: a demo certification authority and one certificate per unit.

Pure `cryptography`, no Django. Keys are ECDSA P-256: a province issues a certificate to every unit (hundreds
of communes after the 2025 reform), and a P-256 key is made in microseconds where RSA-2048 takes ~100 ms;
pyHanko, Adobe Reader and Foxit all verify ECDSA signatures.

A real province uses certificates from a licensed provider (the Government CA of Ban Cơ yếu Chính phủ under
Decree 68/2024); the demo CA only stands in for it, and says so in its name.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_YEARS = 10
UNIT_CERTIFICATE_DAYS = 2 * 365
# Issued a little in the past: a verifier whose clock runs a few minutes behind must not see "not yet valid".
BACKDATE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Issued:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _name(common_name: str, organisation: str, *, province: str = "", unit_code: str = "") -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if province:
        attributes.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province[:128]))
    attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    if unit_code:
        # The unit's stable code lets the verification page name the unit even after it is renamed.
        attributes.append(x509.NameAttribute(NameOID.USER_ID, unit_code))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attributes)


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing, content_commitment=signing, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=not signing, crl_sign=not signing, encipher_only=False, decipher_only=False,
    )


def make_authority(common_name: str, *, now: dt.datetime) -> Issued:
    """A self-signed root that may only issue end-entity certificates (path length 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE).not_valid_after(now + dt.timedelta(days=CA_YEARS * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(key, certificate)


def issue(authority: Issued, *, unit_name: str, unit_code: str, province: str, now: dt.datetime,
          days: int = UNIT_CERTIFICATE_DAYS) -> Issued:
    """An end-entity certificate for one unit: digital signature and non-repudiation (content commitment),
    which is what pyHanko and PDF readers require of a document signer."""
    if days <= 0:
        raise ValueError("a certificate must be valid for at least one day")
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = min(now + dt.timedelta(days=days), authority.certificate.not_valid_after_utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(unit_name, unit_name, province=province, unit_code=unit_code))
        .issuer_name(authority.certificate.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False)
        .sign(authority.key, hashes.SHA256())
    )
    return Issued(key, certificate)


def encrypted_key_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase))


def load_key(pem: bytes, passphrase: bytes) -> ec.EllipticCurvePrivateKey:
    """Raises ValueError (wrong passphrase, damaged file) or TypeError (not an EC key)."""
    key = serialization.load_pem_private_key(pem, password=passphrase)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("a signing key congvu made is an EC key")
    return key


def load_certificate(pem: str | bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii") if isinstance(pem, str) else pem)


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER encoding, lower-case hex: how a certificate found in a PDF is matched to ours."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def serial_hex(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "X")
