"""django-axes configuration hooks: which address a request comes from, and the page a locked-out person sees.

Failures are counted per (username, client address): a colleague mistyping at the next desk does not lock
anyone else out, and an attacker cannot lock a leader out of the whole province by guessing from one address.
The client address follows the one rule of congvu.core.clients (REMOTE_ADDR, or behind trusted proxies the
nearest X-Forwarded-For hop that is not one of them), the same as the portal's rate limits.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from congvu.core import clients


def client_ip(request) -> str:
    address = clients.client_ip(request)
    return str(address) if address is not None else ""


def cool_off_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    seconds = cool_off.total_seconds() if hasattr(cool_off, "total_seconds") else float(cool_off or 0) * 3600
    return max(1, round(seconds / 60))


def lockout_message() -> str:
    minutes = cool_off_minutes()
    until = timezone.localtime(timezone.now() + dt.timedelta(minutes=minutes))
    limit = int(settings.AXES_FAILURE_LIMIT)
    tried = ngettext(
        "Sign-in failed %(limit)d time in a row.", "Sign-in failed %(limit)d times in a row.", limit,
    ) % {"limit": limit}
    wait = ngettext(
        "For safety, this account cannot sign in from this computer for %(minutes)d minute (until %(until)s).",
        "For safety, this account cannot sign in from this computer for %(minutes)d minutes (until %(until)s).",
        minutes,
    ) % {"minutes": minutes, "until": until.strftime("%H:%M")}
    return " ".join([tried, wait, _(
        "Each new attempt during this time starts the wait again. If you forgot your password, use “Forgot your "
        "password?” or ask your system administrator."
    )])


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, with the reason and how long, answered 429."""
    from congvu.accounts.forms import SignInForm

    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    form = SignInForm(request, initial={"username": username})
    return render(request, "congvu/login.html", {"form": form, "lockout": lockout_message(), "next": ""}, status=429)
