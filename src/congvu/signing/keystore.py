"""Where signing keys live: files under CONGVU_DATA_DIR/signing/keys/ (or CONGVU_SIGNING_DIR), one per key,
mode 0600 in a 0700 folder, PKCS#8 encrypted with a passphrase derived from the site's secret key.

The database only names a key file; the name is checked to stay inside the folder, so a row altered in the
database cannot make congvu read (and try to use) any other file on the server. Backups must carry this folder
together with the secret key (H7's backup includes the data dir's secret and cert files).
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.crypto import salted_hmac

from congvu.signing import pki

KEY_SALT = "congvu.signing.keys"


def signing_dir() -> Path:
    configured = getattr(settings, "CONGVU_SIGNING_DIR", None) or os.environ.get("CONGVU_SIGNING_DIR")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "signing"


def _keys_dir() -> Path:
    folder = signing_dir() / "keys"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def passphrase() -> bytes:
    return salted_hmac(KEY_SALT, "private key passphrase", algorithm="sha256").hexdigest().encode("ascii")


def write_key(key: ec.EllipticCurvePrivateKey, name: str) -> str:
    """Write a new key file (never over an existing one); returns the name to keep in the database."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a key file name: {name!r}")
    path = _keys_dir() / name
    data = pki.encrypted_key_pem(key, passphrase())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return name


def read_key(name: str) -> ec.EllipticCurvePrivateKey:
    """Raises FileNotFoundError, ValueError (outside the folder, wrong passphrase after the secret key
    changed, damaged file) or TypeError."""
    folder = _keys_dir().resolve()
    path = (folder / name).resolve()
    if not name or path.parent != folder:
        raise ValueError(f"key file {name!r} is not inside the signing keys folder")
    return pki.load_key(path.read_bytes(), passphrase())


def delete_key(name: str) -> None:
    folder = _keys_dir().resolve()
    path = (folder / name).resolve()
    if path.parent == folder:
        path.unlink(missing_ok=True)
