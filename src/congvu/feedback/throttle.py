"""How often one client may send feedback through the public form: a rule of the portal's database-backed
rate limits (one counter table, one notion of "the client" behind trusted proxies, keyed hashes only)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from congvu.portal import ratelimit

DEFAULT_LIMIT = 10
DEFAULT_WINDOW = dt.timedelta(hours=1)


def rule() -> ratelimit.Rule:
    """Submissions allowed per window; a site behind one shared address (a kiosk) may raise it in settings
    (CONGVU_FEEDBACK_LIMIT, CONGVU_FEEDBACK_WINDOW_SECONDS, or CONGVU_RATE_LIMITS["feedback-client"])."""
    limit = int(getattr(settings, "CONGVU_FEEDBACK_LIMIT", DEFAULT_LIMIT))
    seconds = int(getattr(settings, "CONGVU_FEEDBACK_WINDOW_SECONDS", DEFAULT_WINDOW.total_seconds()))
    return ratelimit.Rule("feedback-client", limit, seconds)


def allow(request) -> bool:
    """Count one submission from the request's client; False once the window's limit is passed. Runs in the
    caller's transaction, so a submission that fails afterwards takes its count back."""
    return ratelimit.hit(rule(), ratelimit.client_address(request)).allowed
