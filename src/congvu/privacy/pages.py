"""What other apps' pages call to show a full record only with a reason, and log it.

Two shapes:
- `reveal_context`: the page shows, masked, the personal details of a record it is about (a dossier's
  applicant, a feedback sender) and a short form to give a reason; once given, the details show and each
  view is logged.
- `require_reason`: the whole page is the person's record (an evaluation sheet, a discipline record): without
  a reason the viewer is sent to the reason page first. Whose duty the record is (the person themselves, the
  leader scoring the sheet) may be exempt or logged with the reason their role implies.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from congvu.privacy.forms import RevealForm
from congvu.privacy.services import log_full_view, record_access


def reveal_context(request, kind: str, key: str, unit) -> dict:
    revealed = log_full_view(request, kind, key, unit)
    return {
        "privacy_revealed": revealed,
        "privacy_form": None if revealed else RevealForm(initial={"kind": kind, "key": key}),
    }


def require_reason(request, kind: str, key: str, unit, *, implied_reason: str | None = None):
    """None when the page may show (the view was logged); else the redirect to the reason page."""
    if implied_reason is not None:
        record_access(request.user, kind, key, unit, implied_reason)
        return None
    if log_full_view(request, kind, key, unit):
        return None
    return redirect(reverse("privacy:reveal") + "?" + urlencode({"kind": kind, "key": key}))
