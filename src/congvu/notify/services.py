"""Outbox: notifications are rows written in the transaction of the event that causes them.

`dossier_event_recorded` and `enqueue` only write rows (one multi-row INSERT, already rendered); the worker
(`congvu worker`, see `congvu.notify.delivery`) sends them. A rolled-back event leaves no message behind, and
a committed one always has its messages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.core.text import fold
from congvu.notify.contexts import ACTION_KINDS, event_context
from congvu.notify.models import Channel, Kind, OutboxMessage, Status
from congvu.notify.rendering import render_message

KEY_MAX = 180  # the channel is appended to make the stored key (max 200)


class NotifyError(Exception):
    """A refused request (Vietnamese message for the person who made it)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def dossier_event_recorded(dossier, event) -> None:
    """Called by the dossier core inside the transaction that appended `event` to `dossier`: queue the
    notifications that event causes."""
    kind = ACTION_KINDS.get(event.action)
    if kind is None:
        return
    applicant = dossier.applicant
    if not applicant.email and not applicant.phone:
        return
    # The event's id is unique, so the keys are new: a plain INSERT (its ids come back with RETURNING).
    messages = _messages(kind, f"dossier-event-{event.pk}", event_context(kind, dossier, event), applicant.email, applicant.phone, dossier)
    if messages:
        OutboxMessage.objects.bulk_create(messages)


def enqueue(kind: str, *, key: str, context: dict, email: str = "", phone: str = "", dossier=None) -> list:
    """Queue the messages of `kind` (one per channel the recipient can be reached on) in the caller's
    transaction; `key` makes it idempotent (queueing the same key twice adds nothing). Returns the rows.

    For "feedback_answered" the templates use: recipient_name, feedback_code, feedback_title, answer,
    answered_by, feedback_url, answered_at (see `congvu.notify.defaults.VARIABLES`). Raises ValueError for an unknown
    kind, an empty or over-long key, or a malformed address or number."""
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}; one of {', '.join(Kind.values)}")
    key = str(key or "").strip()
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"the idempotency key must have 1 to {KEY_MAX} characters")
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"{email!r} is not an e-mail address") from None
    phone = (phone or "").strip()
    if phone:
        from congvu.units.phones import normalise_phone

        try:
            phone = normalise_phone(phone)
        except ValidationError:
            raise ValueError(f"{phone!r} is not a Vietnamese telephone number") from None
    messages = _messages(kind, key, dict(context or {}), email, phone, dossier)
    if not messages:
        return []
    # ON CONFLICT DO NOTHING: a key queued before (even by a concurrent transaction) is left as it is.
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    return list(OutboxMessage.objects.filter(idempotency_key__in=[m.idempotency_key for m in messages]).order_by("id"))


def _search_text(recipient: str, name: str, subject: str, body: str, channel: str, dossier_code: str, key: str) -> str:
    """What the outbox page searches, folded: who, about what, and an SMS's words (it has no subject). An
    e-mail's long body is left out: folding it would cost every intake more than the rest of its message."""
    words = (recipient, name, subject, body if channel == Channel.SMS else "", dossier_code, key)
    return fold(" ".join(w for w in words if w))


def _messages(kind: str, key: str, context: dict, email: str, phone: str, dossier) -> list[OutboxMessage]:
    now = timezone.now()
    name = str(context.get("applicant_name") or context.get("recipient_name") or "")
    dossier_code = dossier.code if dossier is not None else ""
    messages = []
    for channel, recipient in ((Channel.EMAIL, email), (Channel.SMS, phone)):
        if not recipient:
            continue
        rendered = render_message(kind, channel, context)
        if rendered is None:
            continue
        subject, body = rendered
        idempotency_key = f"{key}.{channel}"
        messages.append(OutboxMessage(
            kind=kind, channel=channel, recipient=recipient, subject=subject, body=body, dossier=dossier,
            idempotency_key=idempotency_key, status=Status.PENDING, next_attempt_at=now,
            search_text=_search_text(recipient, name, subject, body, channel, dossier_code, idempotency_key),
        ))
    return messages


def retry_message(message: OutboxMessage | int, *, by=None) -> OutboxMessage:
    """Give a failed (dead) message a fresh set of attempts, now. Anything else is refused: a pending or
    sent message needs no retry, and a retry of one being sent could deliver it twice."""
    pk = message.pk if isinstance(message, OutboxMessage) else int(message)
    now = timezone.now()
    updated = OutboxMessage.objects.filter(pk=pk, status=Status.DEAD).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now, claim_token="", retried_at=now, retried_by=by,
    )
    if not updated:
        if not OutboxMessage.objects.filter(pk=pk).exists():
            raise NotifyError(_("This message does not exist."))
        raise NotifyError(_("Only a failed message can be sent again; this one is not in the failed state (someone may have retried it already)."))
    return OutboxMessage.objects.get(pk=pk)
