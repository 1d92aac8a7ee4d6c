"""Staff sessions end: after CONGVU_SESSION_IDLE_SECONDS without a request, after SESSION_COOKIE_AGE since sign-in
whatever the activity, and at once when the account must use a second factor and the session was not verified with
one (a role changed to leader mid-session, an authenticator reset by an administrator, any way of signing in that
skipped the code).

Django's own expiry is not enough: every write to a session pushes its expiry forward, so a busy session never ends.
The sign-in time and the last request time are kept in the session (written by the login signal; the last request
time at most once a minute, so an active session is not rewritten on every page).

Anonymous requests and bearer-token API calls have no staff session: nothing here touches them.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from congvu.accounts import policy

SIGNED_IN_AT = "accounts.signed_in_at"
SEEN_AT = "accounts.seen_at"
SEEN_RESOLUTION = 60  # seconds


def start_session(session) -> None:
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def _ended_because(request, now: float) -> str | None:
    session = request.session
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in, (int, float)) or not isinstance(seen, (int, float)):
        # A session from before this rule (or made some other way): it has no known age, so it ends.
        return _("Your session has ended. Please sign in again.")
    if now - signed_in > policy.absolute_seconds():
        hours = max(1, round(policy.absolute_seconds() / 3600))
        return _("Your session has ended: a session lasts at most %(hours)d hours. Please sign in again.") % {"hours": hours}
    if now - seen > policy.idle_seconds():
        minutes = max(1, round(policy.idle_seconds() / 60))
        return _("Your session ended after %(minutes)d minutes without activity. Please sign in again.") % {"minutes": minutes}
    if policy.second_factor_required(request.user) and not _verified(request.user):
        return _("Your account must confirm sign-in with a code from your authenticator app. Please sign in again.")
    return None


def _verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            reason = _ended_because(request, now)
            if reason is not None:
                return self._end(request, reason)
            if now - request.session.get(SEEN_AT, 0) >= SEEN_RESOLUTION:
                request.session[SEEN_AT] = now
        return self.get_response(request)

    @staticmethod
    def _end(request, reason: str) -> HttpResponse:
        path = request.get_full_path()
        logout(request)
        login_url = reverse("staff:login")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "session_expired", "message": reason, "fields": {}}, status=401)
        messages.warning(request, reason)
        target = f"{login_url}?{urlencode({'next': path})}" if request.method == "GET" else login_url
        if getattr(request, "htmx", False):
            # htmx would swap the sign-in page into a fragment; it follows HX-Redirect with a full page load.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
