"""The sign-in flow as the web layer sees it: start an attempt (secrets kept in the session, the citizen sent to
the provider), finish it (the provider's answer checked against that attempt, the citizen signed in).

The session holds the attempts, not a cookie of their own: the session cookie is HttpOnly and SameSite=Lax, so
the provider's top-level redirect back carries it and no other site's request can.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from congvu.citizens import oidc
from congvu.citizens.identity import CitizenIdentity, sign_in_citizen

log = logging.getLogger(__name__)

PENDING_KEY = "congvu_citizen_signin"
# An attempt not finished in this time is dropped: the citizen walked away from the provider's page.
ATTEMPT_SECONDS = 10 * 60
# A few tabs may start a sign-in each; more attempts than this only fill the session.
MAX_PENDING = 3


def client_config() -> oidc.ClientConfig:
    conf = getattr(settings, "CITIZEN_OIDC", {}) or {}
    return oidc.ClientConfig(
        issuer=conf.get("issuer", ""),
        client_id=conf.get("client_id", ""),
        client_secret=conf.get("client_secret", ""),
        personal_id_claim=conf.get("personal_id_claim") or "personal_id",
        name_claim=conf.get("name_claim") or "name",
        scopes=conf.get("scopes") or "openid profile",
    )


def is_configured() -> bool:
    return client_config().configured


def safe_next(request, candidate: str | None) -> str:
    """Where to go after signing in: a path on this site, or the citizen's dossier page. Absolute URLs, `//host`,
    backslash tricks and schemes are refused, so the sign-in link cannot be made into an open redirect."""
    default = reverse("citizens:my_dossiers")
    if not candidate or not isinstance(candidate, str) or len(candidate) > 500:
        return default
    if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return default
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts=set(), require_https=False):
        return default
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in candidate):
        return default
    if candidate.split("?", 1)[0] in {reverse("citizens:sign_in"), reverse("citizens:callback")}:
        # The header's link on the sign-in pages themselves: coming back there would only replay a spent answer.
        return default
    return candidate


def _callback_uri(request) -> str:
    return request.build_absolute_uri(reverse("citizens:callback"))


def start(request, next_url: str | None) -> str:
    """Record a new attempt in the session and give the provider's address to send the citizen to."""
    config = client_config()
    metadata = oidc.discover(config)
    attempt = oidc.Attempt.new()
    redirect_uri = _callback_uri(request)
    now = time.time()
    pending = {state: data for state, data in _pending(request).items() if now - data.get("at", 0) < ATTEMPT_SECONDS}
    pending[attempt.state] = {
        "nonce": attempt.nonce, "verifier": attempt.code_verifier, "redirect_uri": redirect_uri,
        "next": safe_next(request, next_url), "at": now, "issuer": metadata.issuer,
    }
    # Keep the newest few: states are dict keys in insertion order.
    request.session[PENDING_KEY] = dict(list(pending.items())[-MAX_PENDING:])
    return oidc.authorization_url(metadata, config, attempt, redirect_uri)


def _pending(request) -> dict:
    value = request.session.get(PENDING_KEY)
    return value if isinstance(value, dict) else {}


def finish(request) -> tuple[CitizenIdentity, str]:
    """Check the provider's answer on this request and sign the citizen in; (identity, where to go next).
    Raises oidc.SignInError: the attempt is spent either way, so the same answer never works twice."""
    params = request.GET
    state = params.get("state") or ""
    pending = _pending(request)
    data = pending.pop(state, None) if state else None
    request.session[PENDING_KEY] = pending
    # Spent now, whatever happens next: the session middleware saves nothing when the answer is a 5xx (a
    # provider failure is a 502), which left a failed attempt's state usable a second time.
    request.session.save()
    if not isinstance(data, dict) or time.time() - data.get("at", 0) >= ATTEMPT_SECONDS:
        raise oidc.SignInError(oidc.Failure.STATE_INVALID, "state unknown, used or expired")
    config = client_config()
    metadata = oidc.discover(config)
    if data.get("issuer") != metadata.issuer:
        raise oidc.SignInError(oidc.Failure.STATE_INVALID, "attempt started with another issuer")
    attempt = oidc.Attempt(state=state, nonce=data["nonce"], code_verifier=data["verifier"])
    outcome = oidc.complete(metadata, config, attempt, params, data["redirect_uri"])
    sign_in_citizen(request, outcome.identity)
    log.info("citizen signed in: issuer %s subject %s", outcome.identity.issuer, outcome.identity.subject)
    return outcome.identity, data["next"]
