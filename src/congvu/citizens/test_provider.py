"""A small OpenID Connect provider for the tests and for trying the citizen sign-in by hand.

It is a real HTTP server on loopback (discovery, authorize, token, JWKS, userinfo) so the relying party is
tested over the same protocol it uses against the national identity service, and it can be told to misbehave
(a forged signature, `alg: none`, another audience, an expired token, a wrong nonce…) to prove that every such
answer is refused.

By hand: `python -m congvu.citizens.test_provider --port 18201 --client-id congvu --client-secret s3cret`, then
run congvu with CONGVU_OIDC_ISSUER=http://127.0.0.1:18201 CONGVU_OIDC_CLIENT_ID=congvu
CONGVU_OIDC_CLIENT_SECRET=s3cret. The authorize page asks for the personal ID and name to sign in as.
Never expose it beyond loopback: it signs in whoever the form says.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "congvu-test-1"


@dataclass
class Client:
    client_id: str
    client_secret: str = ""
    redirect_uris: tuple = ()  # empty: any redirect URI (only for trying it by hand)


@dataclass
class Misbehaviour:
    """What the provider does wrong on purpose; all off by default."""

    id_token_claims: dict = field(default_factory=dict)  # merged over the honest claims (None deletes one)
    id_token_header: dict = field(default_factory=dict)
    sign_with: str = "key"  # "key" | "other-key" (same kid, not in the JWKS) | "none" | "hs256-public-key"
    authorize_params: dict = field(default_factory=dict)  # added to the redirect back (e.g. a foreign iss)
    userinfo: dict = field(default_factory=dict)  # merged over the honest userinfo
    claims_in_userinfo_only: bool = False  # the personal ID and name only from userinfo, as some providers do
    skip_pkce_check: bool = False


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Provider:
    def __init__(self, *, host: str = "127.0.0.1", ports=range(18200, 18300), personal_id_claim: str = "personal_id"):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = KID
        self.clients: dict[str, Client] = {}
        self.user: dict | None = None  # claims of who the authorize step signs in; None: ask with a form
        self.personal_id_claim = personal_id_claim
        self.misbehave = Misbehaviour()
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = self._bind(host, ports)
        self.issuer = f"http://{host}:{self._server.server_address[1]}"
        self._thread: threading.Thread | None = None

    def _bind(self, host, ports):
        provider = self

        class Handler(_Handler):
            pass

        Handler.provider = provider
        last_error = None
        for port in ports:
            try:
                return ThreadingHTTPServer((host, port), Handler)
            except OSError as error:
                last_error = error
        raise OSError(f"no free port for the test OIDC provider in {ports}: {last_error}")

    # -- lifecycle

    def start(self) -> Provider:
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-oidc-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- configuration

    def register(self, client_id: str, client_secret: str = "", redirect_uris=()) -> Client:
        client = Client(client_id, client_secret, tuple(redirect_uris))
        self.clients[client_id] = client
        return client

    def sign_in_as(self, personal_id: str, name: str = "Nguyễn Văn An", sub: str | None = None, **claims) -> None:
        self.user = {"sub": sub or f"sub-{personal_id}", self.personal_id_claim: personal_id, "name": name, **claims}

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile"],
        }

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()

        def b64int(n: int) -> str:
            return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": b64int(numbers.n), "e": b64int(numbers.e)}]}

    # -- protocol steps (called by the handler)

    def authorize(self, params: dict, user: dict | None) -> tuple[int, dict, str]:
        """(status, headers, body) for an authorization request, auto-approved for `user`."""
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None or (client.redirect_uris and redirect_uri not in client.redirect_uris):
            # Never redirect to an unregistered address (RFC 6749 §4.1.2.1): answer here.
            return 400, {"Content-Type": "text/plain; charset=utf-8"}, "unknown client or redirect_uri"
        back = {"state": params.get("state", "")}
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            back["error"] = "invalid_request"
        elif params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            back["error"] = "invalid_request"
        elif user is None:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self._form(params)
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self.codes[code] = {
                    "client_id": client.client_id, "redirect_uri": redirect_uri, "nonce": params.get("nonce"),
                    "challenge": params["code_challenge"], "user": dict(user), "expires": time.time() + 60,
                }
            back["code"] = code
            back["iss"] = self.issuer
        back.update(self.misbehave.authorize_params)
        separator = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": redirect_uri + separator + urllib.parse.urlencode(back)}, ""

    def _form(self, params: dict) -> str:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items())
        return (
            "<!doctype html><meta charset=utf-8><title>Test OIDC provider</title>"
            "<h1>Test identity provider</h1><p>Sign in as (loopback testing only):</p>"
            f'<form method="post" action="/authorize">{hidden}'
            '<p><label>Personal ID (12 digits) <input name="login_personal_id" required></label></p>'
            '<p><label>Full name <input name="login_name" value="Nguyễn Văn An"></label></p>'
            "<p><button>Sign in</button></p></form>"
        )

    def token(self, form: dict, authorization: str) -> tuple[int, dict]:
        self.token_requests.append(dict(form))
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
                client_id, _, secret = (urllib.parse.unquote(part) for part in decoded.partition(":"))
            except (ValueError, UnicodeDecodeError):
                return 401, {"error": "invalid_client"}
        client = self.clients.get(client_id)
        if client is None or (client.client_secret and not secrets.compare_digest(client.client_secret, secret)):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)  # single use, whatever happens next
        if grant is None or grant["expires"] < time.time() or grant["client_id"] != client_id:
            return 400, {"error": "invalid_grant"}
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        if not self.misbehave.skip_pkce_check and _b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return 400, {"error": "invalid_grant"}
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self.access_tokens[access_token] = grant["user"]
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300,
                     "id_token": self.id_token(grant["user"], client_id, grant["nonce"], access_token)}

    def id_token(self, user: dict, client_id: str, nonce, access_token: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": user["sub"], "aud": client_id, "exp": now + 300, "iat": now, "nonce": nonce,
                  "at_hash": _b64url(hashlib.sha256(access_token.encode()).digest()[:16])}
        if not self.misbehave.claims_in_userinfo_only:
            claims.update({k: v for k, v in user.items() if k != "sub"})
        for name, value in self.misbehave.id_token_claims.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        header = {"kid": self.kid, **self.misbehave.id_token_header}
        mode = self.misbehave.sign_with
        if mode == "none":
            head = _b64url(json.dumps({"alg": "none", "typ": "JWT", **header}).encode())
            return f"{head}.{_b64url(json.dumps(claims).encode())}."
        if mode == "hs256-public-key":
            pem = self.key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", **header}).encode())
            body = _b64url(json.dumps(claims).encode())
            signature = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
            return f"{head}.{body}.{_b64url(signature)}"
        key = self.other_key if mode == "other-key" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers=header)

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        with self._lock:
            user = self.access_tokens.get(token)
        if user is None:
            return 401, {"error": "invalid_token"}
        return 200, {**user, **self.misbehave.userinfo}


class _Handler(BaseHTTPRequestHandler):
    provider: Provider
    server_version = "congvu-test-oidc/1"

    def log_message(self, format, *args):  # quiet: the tests' output is for the tests
        pass

    def _send(self, status: int, body, headers=None):
        data = body if isinstance(body, bytes) else (json.dumps(body) if isinstance(body, dict) else body).encode("utf-8")
        self.send_response(status)
        headers = headers or {"Content-Type": "application/json"}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict:
        length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
        return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        p = self.provider
        if url.path == "/.well-known/openid-configuration":
            self._send(200, p.metadata())
        elif url.path == "/jwks":
            self._send(200, p.jwks())
        elif url.path == "/authorize":
            status, headers, body = p.authorize(params, p.user)
            self._send(status, body, headers)
        elif url.path == "/userinfo":
            self._send(*p.userinfo(self.headers.get("Authorization", "")))
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        form = self._form()
        p = self.provider
        if url.path == "/token":
            self._send(*p.token(form, self.headers.get("Authorization", "")))
        elif url.path == "/authorize":
            user = {"sub": f"sub-{form.get('login_personal_id', '')}", p.personal_id_claim: form.pop("login_personal_id", ""),
                    "name": form.pop("login_name", "")}
            status, headers, body = p.authorize(form, user)
            self._send(status, body, headers)
        else:
            self._send(404, {"error": "not_found"})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="A test OpenID Connect provider on loopback (never for real sign-ins).")
    parser.add_argument("--port", type=int, default=18201)
    parser.add_argument("--client-id", default="congvu")
    parser.add_argument("--client-secret", default="")
    parser.add_argument("--claim", default="personal_id", help="the claim that carries the personal ID")
    args = parser.parse_args(argv)
    provider = Provider(ports=[args.port], personal_id_claim=args.claim)
    provider.register(args.client_id, args.client_secret)
    print(f"issuer {provider.issuer} — client {args.client_id}; Ctrl-C to stop", flush=True)
    try:
        provider._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        provider._server.server_close()


if __name__ == "__main__":
    main()
