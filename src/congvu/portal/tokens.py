"""The link to the confirmation page shown right after an online filing.

It is signed (nobody reaches another filing's confirmation by typing a code) and short-lived: it is meant
for the browser that filed, straight after filing, and may be left in the history of a shared computer
(an internet café, a commune's public terminal). Later the citizen follows the lookup link or types the
code and the last digits of their phone.
"""

from django.core import signing

CONFIRMATION_SALT = "congvu.portal.filed"
CONFIRMATION_MAX_AGE = 2 * 60 * 60  # seconds


def confirmation_token(dossier) -> str:
    return signing.dumps({"code": dossier.code}, salt=CONFIRMATION_SALT)


def code_from_confirmation_token(token: str) -> str | None:
    """The dossier code of a genuine, unexpired confirmation token; None otherwise."""
    try:
        data = signing.loads(token or "", salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, str) and code else None
