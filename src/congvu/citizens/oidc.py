"""An OpenID Connect relying party for the citizen sign-in: discovery, the authorization code flow with PKCE,
the token exchange and the id_token checks. Plain Python (no Django): the views keep the session, this module
talks to the provider and decides whether what came back can be trusted.

The national identity service (VNeID / the national public-service portal's single sign-on) speaks OpenID
Connect, so an operator configures only the issuer URL, the client id and secret, and which claim holds the
12-digit personal ID (providers name it differently).

What is checked, and why:
- discovery: the document's `issuer` must be exactly the configured issuer (OIDC Discovery §4.3), every endpoint
  must be https (plain http only on loopback, for the tests' provider): a document that names another issuer or
  sends the token exchange over plain http is refused before any citizen is sent there;
- state: random per attempt, single use, compared in constant time (login CSRF: an attacker's authorization
  response pasted into a victim's browser has a state the victim's session never issued);
- PKCE S256: a code stolen from the redirect (browser history, a proxy log) is useless without the verifier,
  which never leaves the server;
- nonce: the id_token must carry the nonce of this very attempt (a token replayed from another sign-in fails);
- id_token: signature with a key from the provider's JWKS, the algorithm one of the asymmetric ones the
  provider announces (never `none`, never HMAC: the "HS256 signed with the public key" confusion), iss, aud
  (and azp when there are several audiences), exp and iat with one minute of clock leeway, iat not older than
  ten minutes, and at_hash when present;
- the `iss` parameter of the authorization response (RFC 9207) when the provider sends one;
- userinfo, when the personal ID is not in the id_token: its `sub` must be the id_token's (OIDC Core §5.3.2),
  or a substituted response could sign someone in as another person.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import ipaddress
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import jwt

from congvu.citizens.identity import CitizenIdentity

# Signature algorithms accepted on an id_token: asymmetric only. HMAC (HS*) would make the client secret a
# signing key that every copy of our configuration holds; `none` is no signature at all.
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
LEEWAY_SECONDS = 60
# An id_token is fetched seconds after it is issued; an old one is a replay, whatever its exp says.
MAX_ID_TOKEN_AGE = 10 * 60
# Discovery documents change rarely; keys rotate, so an unknown `kid` refetches the key set (at most this often).
DISCOVERY_TTL = 3600
JWKS_REFRESH_MIN = 60
# Provider answers are small JSON documents; a larger answer is refused rather than read into memory.
MAX_RESPONSE_BYTES = 256 * 1024


class Failure(enum.Enum):
    """Why a sign-in did not go through; the views turn each into a Vietnamese sentence."""

    NOT_CONFIGURED = "not_configured"
    PROVIDER_UNREACHABLE = "provider_unreachable"
    PROVIDER_MISCONFIGURED = "provider_misconfigured"
    STATE_INVALID = "state_invalid"  # unknown, reused or expired attempt
    PROVIDER_REFUSED = "provider_refused"  # the citizen cancelled or the provider said no
    TOKEN_REFUSED = "token_refused"  # the token endpoint did not give us a token
    ID_TOKEN_INVALID = "id_token_invalid"
    PERSONAL_ID_MISSING = "personal_id_missing"


class SignInError(Exception):
    def __init__(self, failure: Failure, detail: str = ""):
        super().__init__(f"{failure.value}: {detail}" if detail else failure.value)
        self.failure = failure
        self.detail = detail  # for the log only: never shown to the citizen


@dataclass(frozen=True)
class ClientConfig:
    issuer: str
    client_id: str
    client_secret: str = ""
    personal_id_claim: str = "personal_id"
    name_claim: str = "name"
    scopes: str = "openid profile"
    timeout: float = 5.0

    @property
    def configured(self) -> bool:
        return bool(self.issuer and self.client_id)


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    signing_algorithms: frozenset = frozenset({"RS256"})
    token_auth_methods: tuple = ("client_secret_basic",)


@dataclass(frozen=True)
class Attempt:
    """The secrets of one sign-in attempt, kept server-side (in the session) until the provider answers."""

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> Attempt:
        # 32 random bytes each: RFC 7636 asks 43-128 characters of verifier; state and nonce unguessable.
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))

    @property
    def code_challenge(self) -> str:
        return _b64url(hashlib.sha256(self.code_verifier.encode("ascii")).digest())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# ------------------------------------------------------------------------------------------------- HTTP


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # The token request carries the client secret: a redirect to elsewhere must not take it along.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_endpoint(url: str, what: str) -> str:
    if not isinstance(url, str) or not url:
        raise SignInError(Failure.PROVIDER_MISCONFIGURED, f"{what} missing")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        return url
    raise SignInError(Failure.PROVIDER_MISCONFIGURED, f"{what} is not https: {url!r}")


def _fetch_json(request: urllib.request.Request, timeout: float, *, failure: Failure) -> dict:
    try:
        with _opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise SignInError(failure, f"HTTP {error.code} from {request.full_url}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SignInError(Failure.PROVIDER_UNREACHABLE, f"{request.full_url}: {error}") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise SignInError(failure, f"answer of {request.full_url} too large")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SignInError(failure, f"answer of {request.full_url} is not JSON") from None
    if not isinstance(data, dict):
        raise SignInError(failure, f"answer of {request.full_url} is not a JSON object")
    return data


# ------------------------------------------------------------------------------------------------- discovery

_lock = threading.Lock()
_discovered: dict[str, tuple[float, ProviderMetadata]] = {}
_key_sets: dict[str, tuple[float, dict]] = {}


def forget_cached_provider_data() -> None:
    """Drop discovery documents and key sets (tests start providers with new keys on new ports)."""
    with _lock:
        _discovered.clear()
        _key_sets.clear()


def discover(config: ClientConfig) -> ProviderMetadata:
    if not config.configured:
        raise SignInError(Failure.NOT_CONFIGURED)
    issuer = _check_endpoint(config.issuer, "issuer")
    with _lock:
        cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL:
        return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    doc = _fetch_json(urllib.request.Request(url, headers={"Accept": "application/json"}), config.timeout, failure=Failure.PROVIDER_MISCONFIGURED)
    if doc.get("issuer") != issuer:
        raise SignInError(Failure.PROVIDER_MISCONFIGURED, f"discovery names issuer {doc.get('issuer')!r}, configured {issuer!r}")
    algorithms = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
    usable = frozenset(a for a in algorithms if isinstance(a, str)) & ASYMMETRIC_ALGORITHMS
    if not usable:
        raise SignInError(Failure.PROVIDER_MISCONFIGURED, f"no asymmetric id_token algorithm in {algorithms!r}")
    methods = doc.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise SignInError(Failure.PROVIDER_MISCONFIGURED, "provider does not support PKCE S256")
    auth_methods = tuple(m for m in (doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]) if isinstance(m, str))
    metadata = ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=_check_endpoint(doc.get("authorization_endpoint"), "authorization_endpoint"),
        token_endpoint=_check_endpoint(doc.get("token_endpoint"), "token_endpoint"),
        jwks_uri=_check_endpoint(doc.get("jwks_uri"), "jwks_uri"),
        userinfo_endpoint=_check_endpoint(doc["userinfo_endpoint"], "userinfo_endpoint") if doc.get("userinfo_endpoint") else "",
        signing_algorithms=usable,
        token_auth_methods=auth_methods,
    )
    with _lock:
        _discovered[issuer] = (time.monotonic(), metadata)
    return metadata


# ------------------------------------------------------------------------------------------------- the flow


def authorization_url(metadata: ProviderMetadata, config: ClientConfig, attempt: Attempt, redirect_uri: str) -> str:
    query = urllib.parse.urlencode({
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "scope": config.scopes,
        "state": attempt.state,
        "nonce": attempt.nonce,
        "code_challenge": attempt.code_challenge,
        "code_challenge_method": "S256",
    })
    separator = "&" if urllib.parse.urlsplit(metadata.authorization_endpoint).query else "?"
    return f"{metadata.authorization_endpoint}{separator}{query}"


def check_authorization_response(metadata: ProviderMetadata, params) -> str:
    """The code from the provider's redirect back to us (state already matched by the caller)."""
    issuer = params.get("iss")
    if issuer is not None and issuer != metadata.issuer:
        # RFC 9207: an authorization response that says it comes from another issuer is a mix-up attack.
        raise SignInError(Failure.PROVIDER_REFUSED, f"authorization response from issuer {issuer!r}")
    if params.get("error"):
        raise SignInError(Failure.PROVIDER_REFUSED, f"provider error {params.get('error')!r}")
    code = params.get("code") or ""
    if not code or len(code) > 2048:
        raise SignInError(Failure.PROVIDER_REFUSED, "no authorization code")
    return code


def exchange_code(metadata: ProviderMetadata, config: ClientConfig, code: str, attempt: Attempt, redirect_uri: str) -> dict:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": attempt.code_verifier}
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if config.client_secret and "client_secret_basic" not in metadata.token_auth_methods and "client_secret_post" in metadata.token_auth_methods:
        form.update(client_id=config.client_id, client_secret=config.client_secret)
    elif config.client_secret:
        # RFC 6749 §2.3.1: both parts form-urlencoded before the Basic encoding.
        pair = f"{urllib.parse.quote(config.client_id, safe='')}:{urllib.parse.quote(config.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    else:
        form["client_id"] = config.client_id  # a public client: PKCE is its only proof
    request = urllib.request.Request(metadata.token_endpoint, data=urllib.parse.urlencode(form).encode(), headers=headers, method="POST")
    tokens = _fetch_json(request, config.timeout, failure=Failure.TOKEN_REFUSED)
    if not isinstance(tokens.get("id_token"), str):
        raise SignInError(Failure.TOKEN_REFUSED, "token response without id_token")
    if str(tokens.get("token_type", "Bearer")).lower() != "bearer":
        raise SignInError(Failure.TOKEN_REFUSED, f"token_type {tokens.get('token_type')!r}")
    return tokens


def _key_set(metadata: ProviderMetadata, config: ClientConfig, *, refresh: bool) -> dict:
    with _lock:
        cached = _key_sets.get(metadata.jwks_uri)
    age = time.monotonic() - cached[0] if cached else None
    if cached and (not refresh or age < JWKS_REFRESH_MIN) and age < DISCOVERY_TTL:
        return cached[1]
    doc = _fetch_json(urllib.request.Request(metadata.jwks_uri, headers={"Accept": "application/json"}), config.timeout, failure=Failure.PROVIDER_MISCONFIGURED)
    keys = doc.get("keys")
    if not isinstance(keys, list):
        raise SignInError(Failure.PROVIDER_MISCONFIGURED, "JWKS without keys")
    with _lock:
        _key_sets[metadata.jwks_uri] = (time.monotonic(), doc)
    return doc


def _signing_key(metadata: ProviderMetadata, config: ClientConfig, kid, alg: str):
    for refresh in (False, True):
        candidates = []
        for jwk in _key_set(metadata, config, refresh=refresh)["keys"]:
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                continue
            if kid is not None and jwk.get("kid") != kid:
                continue
            if jwk.get("alg") not in (None, alg):
                continue
            try:
                candidates.append(jwt.PyJWK(jwk, algorithm=alg))
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
                continue
        if len(candidates) == 1:
            return candidates[0].key
        if len(candidates) > 1:
            raise SignInError(Failure.ID_TOKEN_INVALID, f"several keys match kid {kid!r}")
    raise SignInError(Failure.ID_TOKEN_INVALID, f"no key in the JWKS for kid {kid!r} and {alg}")


def _at_hash(access_token: str, alg: str) -> str:
    bits = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
    digest = (hashlib.sha512 if alg == "EdDSA" else bits[alg[-3:]])(access_token.encode("ascii")).digest()
    return _b64url(digest[: len(digest) // 2])


def validate_id_token(metadata: ProviderMetadata, config: ClientConfig, id_token: str, *, nonce: str, access_token: str = "", now: float | None = None) -> dict:
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.InvalidTokenError as error:
        raise SignInError(Failure.ID_TOKEN_INVALID, f"unreadable header: {error}") from None
    alg = header.get("alg")
    if alg not in metadata.signing_algorithms:
        raise SignInError(Failure.ID_TOKEN_INVALID, f"algorithm {alg!r} not accepted")
    key = _signing_key(metadata, config, header.get("kid"), alg)
    try:
        claims = jwt.decode(
            id_token, key=key, algorithms=[alg], audience=config.client_id, issuer=metadata.issuer, leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_signature": True, "strict_aud": False},
        )
    except jwt.InvalidTokenError as error:
        raise SignInError(Failure.ID_TOKEN_INVALID, f"{type(error).__name__}: {error}") from None
    now = time.time() if now is None else now
    if not isinstance(claims["iat"], (int, float)) or now - claims["iat"] > MAX_ID_TOKEN_AGE + LEEWAY_SECONDS:
        raise SignInError(Failure.ID_TOKEN_INVALID, "id_token issued too long ago")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != config.client_id:
        # OIDC Core §3.1.3.7: a token meant for several clients must name us as the party it was issued to.
        raise SignInError(Failure.ID_TOKEN_INVALID, f"azp {claims.get('azp')!r} with audiences {audiences!r}")
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"].encode(), nonce.encode()):
        raise SignInError(Failure.ID_TOKEN_INVALID, "nonce does not match this sign-in")
    if not isinstance(claims["sub"], str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise SignInError(Failure.ID_TOKEN_INVALID, "sub is not a string")
    if "at_hash" in claims and access_token:
        if not isinstance(claims["at_hash"], str) or not hmac.compare_digest(claims["at_hash"].encode(), _at_hash(access_token, alg).encode()):
            raise SignInError(Failure.ID_TOKEN_INVALID, "at_hash does not match the access token")
    return claims


def fetch_userinfo(metadata: ProviderMetadata, config: ClientConfig, access_token: str, subject: str) -> dict:
    if not metadata.userinfo_endpoint or not access_token:
        return {}
    request = urllib.request.Request(metadata.userinfo_endpoint, headers={"Accept": "application/json", "Authorization": f"Bearer {access_token}"})
    info = _fetch_json(request, config.timeout, failure=Failure.TOKEN_REFUSED)
    if info.get("sub") != subject:
        raise SignInError(Failure.ID_TOKEN_INVALID, f"userinfo sub {info.get('sub')!r} is not the id_token's")
    return info


def normalise_personal_id(value) -> str:
    """The 12-digit number as dossiers store it: spaces and dots some providers format it with are dropped;
    anything else (a 9-digit old ID card number, letters) is not a CCCD and matches nothing."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:012d}"
    if not isinstance(value, str):
        return ""
    digits = value.replace(" ", "").replace(".", "")
    return digits if len(digits) == 12 and digits.isascii() and digits.isdigit() else ""


@dataclass
class Outcome:
    identity: CitizenIdentity
    claims: dict = field(default_factory=dict)


def complete(metadata: ProviderMetadata, config: ClientConfig, attempt: Attempt, params, redirect_uri: str) -> Outcome:
    """Everything after the provider's redirect back: code → tokens → checked id_token → identity."""
    code = check_authorization_response(metadata, params)
    tokens = exchange_code(metadata, config, code, attempt, redirect_uri)
    access_token = tokens.get("access_token") if isinstance(tokens.get("access_token"), str) else ""
    claims = validate_id_token(metadata, config, tokens["id_token"], nonce=attempt.nonce, access_token=access_token)
    merged = dict(claims)
    if config.personal_id_claim not in claims or config.name_claim not in claims:
        # The id_token's claims win: they are signed; userinfo only fills in what the id_token left out.
        for key, value in fetch_userinfo(metadata, config, access_token, claims["sub"]).items():
            merged.setdefault(key, value)
    personal_id = normalise_personal_id(merged.get(config.personal_id_claim))
    if not personal_id:
        raise SignInError(Failure.PERSONAL_ID_MISSING, f"claim {config.personal_id_claim!r} is not a 12-digit number")
    name = merged.get(config.name_claim)
    name = " ".join(name.split())[:200] if isinstance(name, str) else ""
    return Outcome(CitizenIdentity(personal_id=personal_id, full_name=name, issuer=metadata.issuer, subject=claims["sub"]), claims)
