"""Writes of the privacy app: the access log, the reasons remembered for a short while, the register of data
subjects' requests.

A full record shows only after its viewer gave a reason (Decree 13/2023 art. 3: processing for a stated
purpose). The reason is remembered in the viewer's session for that one record for a few minutes, so an
officer working on a dossier is not asked again at every reload; every view in that time is still logged.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from congvu.privacy.models import AccessLogEntry, DataRequest, Reason, RequestChannel, RequestKind, RequestState

SESSION_KEY = "congvu_privacy_reasons"
# Decree 13 art. 14.3 / 15.1 / 16.3: access, correction and deletion are answered within 72 hours.
ANSWER_HOURS = 72
# How many remembered reasons a session keeps (the oldest go first): a bound on the session's size.
MAX_REMEMBERED = 50


def reveal_seconds() -> int:
    return int(getattr(settings, "CONGVU_PRIVACY_REVEAL_SECONDS", 15 * 60))


def _user_name(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:200]


def record_access(user, kind: str, key: str, unit, reason: str, reason_text: str = "", *, at: dt.datetime | None = None) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        at=at or timezone.now(), user=user, user_name=_user_name(user), record_kind=kind, record_key=key[:60], unit=unit,
        reason=Reason(reason), reason_text=(reason_text or "")[:500],
    )


def _slot(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def remember_reason(request, kind: str, key: str, reason: str, reason_text: str = "") -> None:
    reasons = {k: v for k, v in (request.session.get(SESSION_KEY) or {}).items() if isinstance(v, list) and len(v) == 3 and v[2] > time.time()}
    reasons[_slot(kind, key)] = [str(reason), (reason_text or "")[:500], time.time() + reveal_seconds()]
    if len(reasons) > MAX_REMEMBERED:
        reasons = dict(sorted(reasons.items(), key=lambda item: item[1][2])[-MAX_REMEMBERED:])
    request.session[SESSION_KEY] = reasons


def remembered_reason(request, kind: str, key: str) -> tuple[str, str] | None:
    """The reason this session gave for this record, while it is fresh; None otherwise."""
    session = getattr(request, "session", None)
    value = (session.get(SESSION_KEY) or {}).get(_slot(kind, key)) if session is not None else None
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[2], (int, float)) or value[2] <= time.time():
        return None
    if value[0] not in Reason.values:
        return None
    return value[0], value[1]


def forget_reason(request, kind: str, key: str) -> None:
    reasons = dict(request.session.get(SESSION_KEY) or {})
    if reasons.pop(_slot(kind, key), None) is not None:
        request.session[SESSION_KEY] = reasons


def log_full_view(request, kind: str, key: str, unit) -> bool:
    """Log this view of a full record if the viewer gave a reason lately; False means: show it masked (or ask
    for a reason first)."""
    reason = remembered_reason(request, kind, key)
    if reason is None:
        return False
    record_access(request.user, kind, key, unit, reason[0], reason[1])
    return True


# ------------------------------------------------------------------------------------------------ requests


def register_request(*, personal_id: str, full_name: str, kind: str, channel: str, details: str = "", unit=None, by=None,
                     at: dt.datetime | None = None) -> DataRequest:
    at = at or timezone.now()
    return DataRequest.objects.create(
        personal_id=personal_id, full_name=full_name[:200], kind=RequestKind(kind), channel=RequestChannel(channel), details=details,
        unit=unit, received_at=at, received_by=by, due_at=at + dt.timedelta(hours=ANSWER_HOURS),
    )


class RequestAlreadyClosed(Exception):
    pass


def close_request(request_id: int, *, by, state: str, outcome: str, at: dt.datetime | None = None) -> DataRequest:
    """Mark a request done or refused, with what was done or why not. Under the row lock: two officers
    closing it at once do not both win."""
    with transaction.atomic():
        item = DataRequest.objects.select_for_update().get(pk=request_id)
        if item.state != RequestState.OPEN:
            raise RequestAlreadyClosed
        item.state = RequestState(state)
        item.outcome = outcome
        item.closed_at = at or timezone.now()
        item.closed_by = by
        item.save(update_fields=["state", "outcome", "closed_at", "closed_by"])
    return item


def record_citizen_export(identity, *, fmt: str, at: dt.datetime | None = None) -> DataRequest:
    """A signed-in citizen downloaded their data: the request is registered and closed at once (answered
    in full, by the portal), so the register shows every export a person received."""
    at = at or timezone.now()
    item = register_request(personal_id=identity.personal_id, full_name=identity.full_name, kind=RequestKind.ACCESS,
                            channel=RequestChannel.PORTAL, details=f"Tải dữ liệu ({fmt}) qua cổng dịch vụ công", at=at)
    item.state = RequestState.DONE
    item.closed_at = at
    item.outcome = f"Người dân đã tự tải dữ liệu ({fmt})."
    item.save(update_fields=["state", "closed_at", "outcome"])
    return item
