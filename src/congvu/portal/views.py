"""Citizen pages: the portal home, the dossier lookup (code and phone digits, or the receipt's QR link), and
online filing with its confirmation. No login anywhere; nothing about staff is shown.

Views are thin: a form, a selector or `lookup` function, one service call, a template."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_safe

from congvu.catalog import selectors as catalog_selectors
from congvu.documents.services import max_upload_bytes
from congvu.documents.validation import DocumentError, format_size
from congvu.dossiers.letters import lookup_url
from congvu.dossiers.models import Dossier
from congvu.dossiers.services.errors import DossierError
from congvu.portal import lookup, ratelimit, selectors, services, tokens
from congvu.portal.forms import LookupForm, OnlineFilingForm

FEEDBACK_PATH = "/phan-anh/"
# Room for the form's text fields and the multipart framing around the files.
_REQUEST_OVERHEAD = 1024 * 1024


def _private(response):
    """A page about one person's dossier: never cached, never indexed."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The address may carry the receipt's token: links followed from here send only the origin as Referer.
    # (Not "no-referrer": Chromium then sends "Origin: null" with the page's forms and CSRF refuses them.)
    response["Referrer-Policy"] = "strict-origin"
    return response


@require_safe
def home(request):
    return render(request, "portal/home.html", {
        "fields": selectors.fields_with_counts(),
        "levels": selectors.levels_with_counts(),
        "online_count": selectors.online_filing_count(),
        "feedback_url": FEEDBACK_PATH,
    })


# ------------------------------------------------------------------------------------------------- lookup


def _too_many(request, verdict: ratelimit.Verdict):
    response = render(request, "portal/lookup_limited.html", {"minutes": verdict.retry_minutes}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return _private(response)


def _lookup_form(request, form: LookupForm, *, status: int = 200, no_match: bool = False, bad_link: bool = False):
    return _private(render(request, "portal/lookup.html", {"form": form, "no_match": no_match, "bad_link": bad_link}, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
def lookup_form(request):
    if request.method != "POST":
        return _lookup_form(request, LookupForm())
    verdict = ratelimit.hit(ratelimit.LOOKUP_PER_CLIENT, ratelimit.client_address(request))
    if not verdict.allowed:
        return _too_many(request, verdict)
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _lookup_form(request, form, status=400)
    code, digits = form.cleaned_data["code"], form.cleaned_data["digits"]
    verdict = ratelimit.hit(ratelimit.LOOKUP_PER_CODE, code)
    if not verdict.allowed:
        return _too_many(request, verdict)
    dossier = lookup.find_by_code_and_digits(code, digits)
    if dossier is None:
        # One answer for an unknown code and for wrong digits: an empty form, nothing echoed back.
        return _lookup_form(request, LookupForm(), status=404, no_match=True)
    # On to the receipt's own link: the page can be reloaded and bookmarked without typing the digits again.
    return _see_other(_lookup_path(dossier))


def _lookup_path(dossier: Dossier) -> str:
    full = lookup_url(dossier)
    return full[full.index("/tra-cuu/"):]


def _see_other(location: str):
    # 303: after a POST the browser fetches the next page with GET, and reloading it posts nothing again.
    response = redirect(location)
    response.status_code = 303
    return response


@require_safe
def lookup_token(request, code: str):
    verdict = ratelimit.hit(ratelimit.LOOKUP_PER_CLIENT, ratelimit.client_address(request))
    if not verdict.allowed:
        return _too_many(request, verdict)
    dossier = lookup.find_by_token(code, request.GET.get("t", ""))
    if dossier is None:
        return _lookup_form(request, LookupForm(), status=404, bad_link=True)
    return _private(render(request, "portal/lookup_result.html", {"view": lookup.view_of(dossier, request)}))


# ------------------------------------------------------------------------------------------------- online filing


@require_safe
def online_list(request):
    q = (request.GET.get("q") or "")[:200]
    versions = catalog_selectors.search_versions(q, online_only=True, sort="name")
    return render(request, "portal/online_list.html", {"q": q, "versions": versions})


def _online_version(code: str):
    procedure = catalog_selectors.procedure_by_code(code)
    version = catalog_selectors.version_in_force(procedure) if procedure else None
    if version is None:
        raise Http404
    return version


@require_http_methods(["GET", "HEAD", "POST"])
def file_online(request, code: str):
    version = _online_version(code)
    units = selectors.receiving_units(version) if catalog_selectors.accepts_online_filing(version) else []
    if not units:
        return render(request, "portal/not_online.html", {
            "version": version, "online_offered": catalog_selectors.accepts_online_filing(version),
        }, status=404)
    context = {"version": version, "fees": [f for f in version.fees.all() if f.applies_online or not f.channels]}
    if request.method != "POST":
        context["form"] = OnlineFilingForm(version, units)
        return render(request, "portal/file_online.html", context)
    too_large = _too_large(request, version)
    if too_large:
        context["form"] = OnlineFilingForm(version, units)
        context["too_large"] = too_large
        return render(request, "portal/file_online.html", context, status=413)
    form = OnlineFilingForm(version, units, request.POST, request.FILES)
    context["form"] = form
    if form.is_valid():
        try:
            dossier = services.file_online(
                form.cleaned_data["unit"], version, form.applicant_data(), summary=form.cleaned_data.get("summary") or "", files=form.uploads(),
            )
        except DossierError as error:
            form.add_service_error(error)
        except DocumentError as error:
            form.add_error(None, error.message)
        else:
            return _see_other(reverse("portal:filed", args=[tokens.confirmation_token(dossier)]))
    context["files_dropped"] = bool(request.FILES)
    return render(request, "portal/file_online.html", context, status=400)


def _too_large(request, version) -> str:
    """The whole request's size, refused before Django reads it: every document at the limit plus the form."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    documents = version.documents.filter(group="submit").count()
    ceiling = max(1, documents) * max_upload_bytes() + _REQUEST_OVERHEAD
    return format_size(ceiling) if length > ceiling else ""


@require_safe
def filed(request, token: str):
    code = tokens.code_from_confirmation_token(token)
    dossier = Dossier.objects.select_related("procedure_version__procedure", "receiving_unit").filter(code=code).first() if code else None
    if dossier is None:
        return _private(render(request, "portal/filed_expired.html", status=404))
    return _private(render(request, "portal/filed.html", {
        "dossier": dossier, "lookup_url": lookup_url(dossier, request), "documents": dossier.documents.order_by("id"),
    }))
