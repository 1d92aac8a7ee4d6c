"""Delivering the outbox: claim a due row, send it, record the outcome.

At-least-once with an idempotency key: a row is claimed (status "sending", a lease until
`next_attempt_at`, a fresh claim token) in a short transaction of its own, sent outside any transaction, then
marked sent — only if the claim is still ours. A worker killed at any point leaves the row "sending"; when the
lease runs out another worker (or the same one restarted) claims it again and resends it with the same key,
which the receiver recognises. Nothing is lost and the citizen gets it once.

Each claim counts as an attempt, so a message that kills its worker every time still ends "dead" after
CONGVU_NOTIFY_MAX_ATTEMPTS. Failures wait `policy.backoff(attempts)` (doubling) before the next try.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from congvu.notify import conf
from congvu.notify.models import OPEN_STATUSES, OutboxMessage, Status
from congvu.notify.transports import DeliveryError, transport_for

logger = logging.getLogger(__name__)
LEASE_LOST = "Hết thời hạn giữ khi đang gửi (tiến trình gửi bị dừng giữa chừng)."


@dataclass(frozen=True)
class Outcome:
    message: OutboxMessage
    sent: bool
    dead: bool = False
    error: str = ""
    retry_at: dt.datetime | None = None
    # The claim was no longer ours when the outcome was recorded (our lease ran out and someone reclaimed it).
    lease_lost: bool = False


def _due_q(now: dt.datetime):
    return OutboxMessage.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)


def _due(now: dt.datetime):
    queryset = _due_q(now).order_by("next_attempt_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: concurrent workers each take a different row without waiting for one another.
        # SQLite takes the database write lock at BEGIN (IMMEDIATE), which serialises claims by itself.
        queryset = queryset.select_for_update(skip_locked=True)
    return queryset


def claim_next(now: dt.datetime | None = None, policy: conf.DeliveryPolicy | None = None) -> OutboxMessage | None:
    """Take the next due row for sending, or None. A row found "sending" had its lease run out (its worker
    died): it is taken again, unless that was its last attempt, in which case it is declared dead."""
    policy = policy or conf.policy()
    while True:
        now = now or timezone.now()
        # An idle worker polls with a plain read: on SQLite a claim's transaction takes the database's write
        # lock at BEGIN, which the web processes should not have to wait for every second for nothing.
        if not _due_q(now).exists():
            return None
        with transaction.atomic():
            message = _due(now).first()
            if message is None:
                return None
            if message.status == Status.SENDING and message.attempts >= policy.max_attempts:
                message.status = Status.DEAD
                message.last_error = LEASE_LOST
                message.claim_token = ""
                message.save(update_fields=["status", "last_error", "claim_token"])
                logger.warning("outbox message %s dead: lease ran out on its last attempt", message.pk)
                continue
            message.status = Status.SENDING
            message.attempts += 1
            message.claim_token = uuid.uuid4().hex
            message.next_attempt_at = now + dt.timedelta(seconds=policy.lease_seconds)
            message.save(update_fields=["status", "attempts", "claim_token", "next_attempt_at"])
            return message


def _finish(message: OutboxMessage, **fields) -> bool:
    """Write the outcome if the claim is still ours; False when it was taken over in the meantime."""
    updated = OutboxMessage.objects.filter(pk=message.pk, claim_token=message.claim_token, status=Status.SENDING).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)
    return bool(updated)


def send_claimed(message: OutboxMessage, policy: conf.DeliveryPolicy | None = None) -> Outcome:
    """Send a row `claim_next` returned and record what happened."""
    policy = policy or conf.policy()
    try:
        transport = transport_for(message.channel)
        transport.send(message)
    except DeliveryError as exc:
        return _failed(message, exc.message, exc.permanent, policy)
    except Exception as exc:  # noqa: BLE001 - a bug or a misconfiguration must not stop the worker; it is recorded
        logger.exception("unexpected error delivering outbox message %s", message.pk)
        return _failed(message, f"Lỗi không lường trước: {type(exc).__name__}: {exc}", False, policy)
    ours = _finish(message, status=Status.SENT, sent_at=timezone.now(), transport=transport.name, claim_token="")
    return Outcome(message, sent=True, lease_lost=not ours)


def _failed(message: OutboxMessage, error: str, permanent: bool, policy: conf.DeliveryPolicy) -> Outcome:
    error = error[:2000]
    now = timezone.now()
    if permanent or message.attempts >= policy.max_attempts:
        ours = _finish(message, status=Status.DEAD, last_error=error, claim_token="")
        return Outcome(message, sent=False, dead=True, error=error, lease_lost=not ours)
    retry_at = now + dt.timedelta(seconds=policy.backoff(message.attempts))
    ours = _finish(message, status=Status.PENDING, last_error=error, next_attempt_at=retry_at, claim_token="")
    return Outcome(message, sent=False, error=error, retry_at=retry_at, lease_lost=not ours)


def deliver_due(limit: int = 100, now: dt.datetime | None = None, on_outcome: Callable[[Outcome], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> list[Outcome]:
    """Claim and send due rows one at a time until none is due, `limit` is reached or `should_stop()`."""
    policy = conf.policy()
    outcomes: list[Outcome] = []
    while len(outcomes) < limit and not (should_stop and should_stop()):
        message = claim_next(now, policy)
        if message is None:
            break
        outcome = send_claimed(message, policy)
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return outcomes
