"""The public page that checks a signed PDF: anyone uploads a document and reads whether it is signed, by
which unit, when, whether it changed after signing and whether the certificate is one congvu's CA issued.
The upload is read into memory, checked and dropped; nothing is stored."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from congvu.documents.validation import clean_name, format_size
from congvu.portal import ratelimit
from congvu.signing import pades, verification
from congvu.signing.forms import MAX_VERIFY_BYTES, VerifyForm
from congvu.signing.models import SigningAuthority

# Checking a PDF costs a parse and a diff of every revision: a person checks a few documents, a script many.
VERIFY_PER_CLIENT = ratelimit.Rule("verify-client", 30, 10 * 60)
# Room for the multipart framing and the CSRF field around the file.
_REQUEST_OVERHEAD = 64 * 1024


def _page(request, form, *, status: int = 200, **extra):
    context = {"form": form, "authorities": SigningAuthority.objects.order_by("-not_before"), **extra}
    response = render(request, "signing/verify.html", context, status=status)
    add_never_cache_headers(response)  # a result is about one person's document
    return response


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_VERIFY_BYTES + _REQUEST_OVERHEAD
    except ValueError:
        return False


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    if request.method != "POST":
        return _page(request, VerifyForm())
    verdict = ratelimit.hit(VERIFY_PER_CLIENT, ratelimit.client_address(request))
    if not verdict.allowed:
        response = _page(request, VerifyForm(), status=429, limited_minutes=verdict.retry_minutes)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    if _too_large(request):
        # Refused before Django parses the body: a huge upload is never read.
        return _page(request, VerifyForm(), status=413, too_large=format_size(MAX_VERIFY_BYTES))
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        outcome = verification.check_pdf(form.cleaned_data["document"])
    except pades.UnreadablePdf:
        return _page(request, VerifyForm(), status=422, unreadable=True)
    return _page(request, VerifyForm(), outcome=outcome, file_name=clean_name(form.files["document"].name, fallback_extension="pdf"))
