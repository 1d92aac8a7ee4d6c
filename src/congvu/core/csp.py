"""Content Security Policy on every response, with a fresh nonce per request.

Escaping is the first defence against script injection (Django escapes every variable); the policy is the
second: if a payload ever reaches a page unescaped, the browser still refuses to run it. Only scripts served
from our own origin run, plus inline <script> elements carrying this request's nonce
(`<script nonce="{{ request.csp_nonce }}">`). Inline event handlers (`onclick=`), `javascript:` URLs and
`eval` never run: they cannot carry a nonce.

Styles: stylesheets from our origin and nonced <style> elements. Style *attributes* stay allowed
(`style-src-attr 'unsafe-inline'`): a style attribute cannot run script, and the templates use them for
measured widths and indents computed per row; an injected <style> element (which could restyle the page or
leak attribute values through selectors) is refused. htmx is configured in the base templates not to inject
its own <style> element and not to evaluate code (`htmx-config` meta).

`CONGVU_CSP_REPORT_URI` (setting) adds a `report-uri` for browsers to send violations to; without it the
violations only show in the browser's console.
"""

from __future__ import annotations

import secrets

from django.conf import settings

HEADER = "Content-Security-Policy"


def policy(nonce: str) -> str:
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "style-src-attr 'unsafe-inline'",
        # QR codes on receipts and letters are inline PNGs (data: URLs).
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        # No page is ever framed, as X_FRAME_OPTIONS = "DENY" says to older browsers (clickjacking).
        "frame-ancestors 'none'",
    ]
    report_uri = getattr(settings, "CONGVU_CSP_REPORT_URI", "")
    if report_uri:
        directives.append(f"report-uri {report_uri}")
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Puts `request.csp_nonce` on the request before the view runs and the policy on the response after.

    A response that already carries a policy (a view that needs a stricter one) keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(nonce)
        return response
