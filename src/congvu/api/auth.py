"""The API's one bearer-token authentication (units.ApiToken), used by every router that accepts tokens.

`TokenAuth(scope)` accepts a live token (not revoked, not expired) of an active user that holds `scope`:
- no token, an unknown, revoked or expired one, or one of an inactive user: not authenticated (the next auth
  of the operation is tried, e.g. the staff session; with none left the answer is 401 `unauthenticated`);
- a live token without the operation's scope: 403 `insufficient_scope` (the caller is known, the act refused);
- a live token whose owning unit shares no unit with its user's scope: 403 `token_outside_scope`.

`request.auth` and `request.user` are the token's user; `request.api_token` the token row. The user's scope for
the rest of the request is cut down to the token's owning unit (`congvu.accounts.tokens.bound_scope`), so every
selector the endpoint calls filters by it. Last use (time and address) is written at most once a minute: a write
per call would serialise every call of one token on its row.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer

from congvu.accounts.tokens import bound_scope
from congvu.api.errors import ApiError
from congvu.units.models import ApiScope, ApiToken

TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)
# A raw token is 43 characters (secrets.token_urlsafe(32)); anything far longer is not one of ours, and hashing
# megabytes of header per request would be work done for an attacker.
TOKEN_MAX_LENGTH = 200


def _client_address(request) -> str | None:
    from congvu.accounts.lockout import client_ip

    address = client_ip(request)
    return address or None


def live_token(request, raw: str) -> ApiToken | None:
    """The live token `raw` names, with its user, the user's staff profile and unit, and the owning unit (one
    query); None when there is none."""
    if not raw or len(raw) > TOKEN_MAX_LENGTH or "\x00" in raw:
        return None
    row = (
        ApiToken.objects.select_related("acts_as__staff_profile__unit", "acts_as__staff_profile__job_position", "unit")
        .filter(token_hash=ApiToken.hash(raw), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if row is None or not row.is_live(now) or not row.acts_as.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now, last_used_ip=_client_address(request))
    return row


class TokenAuth(HttpBearer):
    """Bearer token holding `scope` (one of units.models.ApiScope)."""

    def __init__(self, scope: str):
        if scope not in ApiScope.values:
            raise ValueError(f"unknown API scope {scope!r}")
        self.scope = scope
        super().__init__()

    def authenticate(self, request, token):
        row = live_token(request, token)
        if row is None:
            return None
        if not row.has_scope(self.scope):
            label = ApiScope(self.scope).label
            raise ApiError(403, "insufficient_scope", f"Khoá API này không được cấp quyền “{label}” ({self.scope}).")
        if bound_scope(row).is_empty:
            raise ApiError(
                403, "token_outside_scope",
                "Đơn vị sở hữu khoá API nằm ngoài phạm vi của tài khoản mà khoá đại diện: khoá không truy cập được gì.",
            )
        request.user = row.acts_as
        request.api_token = row
        return row.acts_as
