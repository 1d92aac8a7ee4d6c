"""The Content Security Policy (congvu.core.csp): on every response, a fresh nonce per request, and every inline
script the templates write carries it. A lint over all templates keeps inline event handlers and `javascript:`
URLs out (the policy would block them: a page that relies on one is broken)."""

import re
from pathlib import Path

import pytest

from congvu.core.csp import HEADER, policy

SRC = Path(__file__).resolve().parents[2] / "src" / "congvu"
NONCE = re.compile(r"'nonce-([^']+)'")


def directives(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value
    return out


def test_policy_allows_only_our_scripts_and_the_nonce():
    d = directives(policy("abc"))
    assert d["script-src"] == "'self' 'nonce-abc'"
    assert "unsafe-inline" not in d["script-src"] and "unsafe-eval" not in d["script-src"]
    assert d["style-src"] == "'self' 'nonce-abc'"
    assert d["object-src"] == "'none'"
    assert d["frame-ancestors"] == "'none'"
    assert d["base-uri"] == "'self'"
    assert d["form-action"] == "'self'"


def test_report_uri_only_when_set(settings):
    settings.CONGVU_CSP_REPORT_URI = ""
    assert "report-uri" not in policy("n")
    settings.CONGVU_CSP_REPORT_URI = "/csp-report/"
    assert directives(policy("n"))["report-uri"] == "/csp-report/"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/thu-tuc/", "/tra-cuu/", "/phan-anh/", "/staff/login/", "/api/v1/procedures", "/api/v1/dossiers",
                                  "/khong-co-trang-nay/", "/static/congvu/site.js"])
def test_every_response_has_the_policy(client, path):
    response = client.get(path)
    assert response.status_code < 500
    assert HEADER in response, path
    assert NONCE.search(response[HEADER])


@pytest.mark.django_db
def test_nonce_is_new_on_each_request_and_on_every_inline_script(client):
    first, second = client.get("/tra-cuu/?ma=%3Cscript%3E"), client.get("/tra-cuu/?ma=%3Cscript%3E")
    nonces = [NONCE.search(r[HEADER]).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 22  # at least 128 bits
    for response, nonce in zip((first, second), nonces):
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
        assert "<script>" not in html


TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))
# Documents rendered to PDF on the server (never served as a web page): no browser applies a policy to them.
PDF_TEMPLATE = re.compile(r"(_pdf\.html$|/letters/)")
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)


def test_templates_have_no_inline_handlers_no_javascript_urls_and_only_nonced_scripts():
    assert TEMPLATES
    problems = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        if PDF_TEMPLATE.search(str(path)) or "@page" in text:  # a print document (its CSS sets the paper)
            continue
        rel = path.relative_to(SRC)
        if HANDLER.search(text):
            problems.append(f"{rel}: inline event handler")
        if re.search(r"javascript:", text, re.I):
            problems.append(f"{rel}: javascript: URL")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'nonce="{{ request.csp_nonce }}"' not in tag and 'type="application/json"' not in tag:
                problems.append(f"{rel}: inline script without the nonce: {tag}")
        if re.search(r"<style\b(?![^>]*nonce=)", text):
            problems.append(f"{rel}: <style> element without the nonce")
    assert not problems, "\n".join(problems)


def test_htmx_is_configured_not_to_inject_style_or_eval():
    for base in ("core/templates/congvu/base.html", "queueing/templates/queueing/screen_base.html"):
        text = (SRC / base).read_text(encoding="utf-8")
        assert '"includeIndicatorStyles": false' in text and '"allowEval": false' in text, base
