"""Who the signed-in citizen is, kept in the session.

Other apps (privacy exports, the portal's "my dossiers" page) ask only this module; they never read the
session keys or the OpenID Connect machinery directly, so the way a citizen signs in can change without them.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass

from django.conf import settings

SESSION_KEY = "congvu_citizen"

_PERSONAL_ID = re.compile(r"\d{12}")


@dataclass(frozen=True)
class CitizenIdentity:
    personal_id: str  # 12-digit CCCD number as stored in dossiers.Applicant.personal_id
    full_name: str
    issuer: str  # OIDC issuer URL the identity came from
    subject: str  # OIDC 'sub'

    def __post_init__(self):
        # A malformed number would match nobody's dossiers at best and someone else's at worst (a prefix
        # query somewhere); refuse it where the identity is made rather than in every caller.
        if not isinstance(self.personal_id, str) or not _PERSONAL_ID.fullmatch(self.personal_id):
            raise ValueError("personal_id must be 12 digits")
        for name in ("full_name", "issuer", "subject"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string")
        if not self.issuer or not self.subject:
            raise ValueError("issuer and subject are required")


def signed_in_citizen(request) -> CitizenIdentity | None:
    """The citizen signed in on this request's session, or None."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    signed_in_at = data.get("at")
    if not isinstance(signed_in_at, (int, float)) or time.time() - signed_in_at >= _lifetime():
        return None
    try:
        return CitizenIdentity(**data.get("identity", {}))
    except (TypeError, ValueError):
        # A session written by an older shape of the identity: treat as signed out rather than fail the page.
        return None


def _lifetime() -> int:
    # Absolute, not idle: the sign-in was proved once, at the provider; after this long the citizen proves it again.
    return int(getattr(settings, "CITIZEN_OIDC", {}).get("session_seconds", 1800))


def sign_in_citizen(request, identity: CitizenIdentity) -> None:
    """Bind the identity to the session; the session key changes so a planted session id is worthless."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"identity": asdict(identity), "at": time.time()}


def sign_out_citizen(request) -> None:
    """Forget the citizen; a new session key so the old cookie no longer names anything."""
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
