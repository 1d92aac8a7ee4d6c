"""Citizen sign-in pages: start and finish the OpenID Connect sign-in, sign out, and "My dossiers".

Thin: the flow is in `signin`, the protocol checks in `oidc`, the list in `selectors`."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST, require_safe

from congvu.citizens import selectors, signin
from congvu.citizens.identity import signed_in_citizen, sign_out_citizen
from congvu.citizens.oidc import Failure, SignInError
from congvu.dossiers.letters import lookup_url
from congvu.portal import ratelimit

log = logging.getLogger(__name__)

# Starting a sign-in writes a session row and costs the provider a page: a person signs in a few times an hour.
SIGN_IN_PER_CLIENT = ratelimit.Rule("citizen-sign-in", 20, 10 * 60)

# What the citizen is told, and the status of the page that tells it. Details stay in the log.
FAILURE_WORDS = {
    Failure.NOT_CONFIGURED: (404, pgettext_lazy("citizen sign-in", "Signing in with the national identity account is not available on this portal.")),
    Failure.PROVIDER_UNREACHABLE: (502, pgettext_lazy("citizen sign-in", "The identity service cannot be reached at the moment. Please try again in a few minutes.")),
    Failure.PROVIDER_MISCONFIGURED: (502, pgettext_lazy("citizen sign-in", "The identity service answered in a way this portal cannot accept. Please try again later; if it keeps happening, tell the portal's administrators.")),
    Failure.STATE_INVALID: (400, pgettext_lazy("citizen sign-in", "This sign-in link has already been used, has expired or was not started from this browser. Please sign in again.")),
    Failure.PROVIDER_REFUSED: (400, pgettext_lazy("citizen sign-in", "The sign-in was cancelled or refused by the identity service.")),
    Failure.TOKEN_REFUSED: (502, pgettext_lazy("citizen sign-in", "The identity service did not confirm the sign-in. Please sign in again.")),
    Failure.ID_TOKEN_INVALID: (502, pgettext_lazy("citizen sign-in", "The identity service's confirmation could not be verified, so you have not been signed in. Please sign in again.")),
    Failure.PERSONAL_ID_MISSING: (403, pgettext_lazy("citizen sign-in", "Your identity account does not give a 12-digit personal identification number, so your dossiers cannot be found. Use the dossier code and phone digits to look up a dossier instead.")),
}


def _private(response):
    # The citizen's own dossiers, or the provider's code in the address: never cached; links from here send
    # only the origin (not "no-referrer": Chromium then sends "Origin: null" with forms and CSRF refuses them).
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "strict-origin"
    return response


def _failed(request, failure: Failure, *, status: int | None = None, retry_minutes: int | None = None):
    code, message = FAILURE_WORDS[failure]
    return _private(render(request, "citizens/sign_in_failed.html", {
        "message": message, "retry_minutes": retry_minutes, "configured": signin.is_configured(),
    }, status=status or code))


@require_safe
def sign_in(request):
    if not signin.is_configured():
        return redirect("citizens:my_dossiers")
    verdict = ratelimit.hit(SIGN_IN_PER_CLIENT, ratelimit.client_address(request))
    if not verdict.allowed:
        response = _failed(request, Failure.PROVIDER_UNREACHABLE, status=429, retry_minutes=verdict.retry_minutes)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    try:
        url = signin.start(request, request.GET.get("next"))
    except SignInError as error:
        log.warning("citizen sign-in could not start: %s", error)
        return _failed(request, error.failure)
    return _private(redirect(url))


@require_safe
def callback(request):
    if not signin.is_configured():
        return _failed(request, Failure.NOT_CONFIGURED)
    try:
        identity, next_url = signin.finish(request)
    except SignInError as error:
        log.warning("citizen sign-in refused: %s", error)
        return _failed(request, error.failure)
    messages.success(request, pgettext_lazy("citizen sign-in", "You are signed in as %(name)s.") % {"name": identity.full_name or identity.personal_id[-4:]})
    return _private(redirect(next_url))


@require_POST
def sign_out(request):
    sign_out_citizen(request)
    messages.info(request, pgettext_lazy("citizen sign-in", "You have signed out. On a shared computer, also sign out of the identity service."))
    response = redirect("portal:home")
    response.status_code = 303
    return response


@require_safe
def my_dossiers(request):
    citizen = signed_in_citizen(request)
    configured = signin.is_configured()
    items, more = selectors.dossiers_of(citizen.personal_id) if citizen else ([], False)
    return _private(render(request, "citizens/my_dossiers.html", {
        "citizen": citizen,
        "configured": configured,
        "items": [(item, lookup_url(item.dossier, request)) for item in items],
        "more": more,
        "page_size": selectors.PAGE_SIZE,
        "sign_in_url": f"{reverse('citizens:sign_in')}?next={reverse('citizens:my_dossiers')}",
    }))
