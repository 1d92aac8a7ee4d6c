"""Delivering the portal sync queue: claim a dossier, send its due changes in order, record the outcome.

The unit of work is a dossier, not a change: its changes must reach the portal in order, and never its
history before its record. `claim_next` takes the dossier whose `PortalSync` row is due (a lease until
`next_attempt_at`, a fresh claim token, status "sent") in a short transaction of its own — on PostgreSQL with
SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers each take a different dossier; SQLite serialises
the claims with its write lock. The calls are made outside any transaction and every result is written only
if the claim is still ours. A worker killed at any point leaves the dossier "sent" with its changes pending;
when the lease runs out another worker takes it again. What the portal acknowledged is remembered
(the record's hash, the last history item), so a retry never sends an acknowledged history item again.

For one dossier: `TraCuuHoSo` when we do not know whether the portal has it; `DongBoHoSoMC` when the record
changed since the last acknowledged one (isUpdating "True" when the portal has it; an "already exists"
answer switches to update and is retried at once); then `CapNhatTienDoHoSoMC` with the new history items,
ten at a time. An answer with an error code counts as an attempt: retried with doubling backoff, then the
dossier is "failed" until an administrator resends it. Network errors (the adapter unreachable, timeouts,
HTTP 5xx) are retried for as long as they last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from congvu.sync import fields
from congvu.sync.adapter import AdapterClient, AdapterError, client as make_client
from congvu.sync.models import ChangeKind, ChangeState, Origin, PortalChange, PortalSync, SyncState

logger = logging.getLogger(__name__)
LEASE_LOST = "Hết thời hạn giữ khi đang gửi (tiến trình đồng bộ bị dừng giữa chừng)."


# ------------------------------------------------------------------------------------------------ policy


@dataclass(frozen=True)
class Policy:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    lease_seconds: float

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: doubling from the base, capped."""
        return min(self.backoff_seconds * 2 ** min(max(attempts - 1, 0), 30), self.backoff_max_seconds)


def _number(name: str, default: float, minimum: float) -> float:
    raw = getattr(settings, name, None)
    raw = os.environ.get(name, "") if raw is None else raw
    raw = str(raw).strip()
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} không hợp lệ: cần một số không nhỏ hơn {minimum:g}.")
    return value


def policy() -> Policy:
    """CONGVU_PORTAL_SYNC_MAX_ATTEMPTS (10, as OpenCPS's MAX_RETRY), _BACKOFF_SECONDS (30), _BACKOFF_MAX_SECONDS
    (3600), _LEASE_SECONDS (300): from a Django setting of that name, else the environment."""
    return Policy(
        max_attempts=int(_number("CONGVU_PORTAL_SYNC_MAX_ATTEMPTS", 10, 1)),
        backoff_seconds=_number("CONGVU_PORTAL_SYNC_BACKOFF_SECONDS", 30.0, 0),
        backoff_max_seconds=_number("CONGVU_PORTAL_SYNC_BACKOFF_MAX_SECONDS", 3600.0, 0),
        lease_seconds=_number("CONGVU_PORTAL_SYNC_LEASE_SECONDS", 300.0, 1),
    )


# ------------------------------------------------------------------------------------------------ outcome


@dataclass
class Outcome:
    sync: PortalSync
    code: str
    ok: bool = False
    failed: bool = False  # gave up: the dossier stays "failed" until resent
    transient: bool = False
    error: str = ""
    error_code: str = ""
    retry_at: dt.datetime | None = None
    lease_lost: bool = False
    looked_up: bool = False
    record: str = ""  # "created", "updated", "unchanged" or "" (not reached)
    history_items: int = 0
    steps: list[str] = field(default_factory=list)


class _Refused(Exception):
    """The adapter answered with an error code."""

    def __init__(self, service: str, answer: dict):
        self.answer = answer
        self.code = str(answer.get("error_code", ""))
        self.message = f"{service}: {answer.get('message') or 'lỗi không rõ'}"
        super().__init__(self.message)


class _LeaseLost(Exception):
    pass


def record_hash(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------------------ claiming


def _due_q(now: dt.datetime):
    return PortalSync.objects.filter(next_attempt_at__lte=now)


def _due(now: dt.datetime):
    queryset = _due_q(now).order_by("next_attempt_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return queryset


def claim_next(now: dt.datetime | None = None, policy_: Policy | None = None) -> PortalSync | None:
    """Take the next due dossier, or None. One found "sent" with a claim token had its lease run out (its
    worker died): it is taken again, unless that was its last attempt, in which case it is declared failed."""
    policy_ = policy_ or policy()
    while True:
        at = now or timezone.now()
        # An idle worker polls with a plain read: a claim's transaction takes SQLite's write lock at BEGIN.
        if not _due_q(at).exists():
            return None
        with transaction.atomic():
            sync = _due(at).first()
            if sync is None:
                return None
            if sync.claim_token and sync.attempts >= policy_.max_attempts:
                PortalSync.objects.filter(pk=sync.pk).update(
                    state=SyncState.FAILED, error_code="lease", error_message=LEASE_LOST, claim_token="", next_attempt_at=None, updated_at=at,
                )
                PortalChange.objects.filter(dossier_id=sync.dossier_id, state=ChangeState.PENDING).update(state=ChangeState.FAILED, last_error=LEASE_LOST)
                logger.warning("portal sync of dossier %s failed: lease ran out on its last attempt", sync.dossier_id)
                continue
            sync.state = SyncState.SENT
            sync.attempts += 1
            sync.claim_token = uuid.uuid4().hex
            sync.next_attempt_at = at + dt.timedelta(seconds=policy_.lease_seconds)
            sync.save(update_fields=["state", "attempts", "claim_token", "next_attempt_at", "updated_at"])
            return sync


def _set(sync: PortalSync, **values) -> None:
    """Write `values` if the claim is still ours, else raise _LeaseLost."""
    values.setdefault("updated_at", timezone.now())
    if not PortalSync.objects.filter(pk=sync.pk, claim_token=sync.claim_token).update(**values):
        raise _LeaseLost()
    for name, value in values.items():
        setattr(sync, name, value)


# ------------------------------------------------------------------------------------------------ sending


def send_claimed(sync: PortalSync, adapter: AdapterClient, policy_: Policy | None = None, *, now: dt.datetime | None = None) -> Outcome:
    """Send the due changes of a dossier `claim_next` returned, in order, and record what happened. A retry is
    due a backoff (at least a second) after `now`, the worker's clock, so one pass never takes a dossier twice."""
    from congvu.dossiers.models import Dossier, DossierEvent  # noqa: PLC0415
    from congvu.sync import payload  # noqa: PLC0415

    policy_ = policy_ or policy()
    dossier = Dossier.objects.select_related(
        "procedure_version__procedure", "receiving_unit", "handling_unit", "current_unit", "applicant",
    ).get(pk=sync.dossier_id)
    sync.dossier = dossier
    outcome = Outcome(sync=sync, code=sync.portal_code)
    changes = list(PortalChange.objects.filter(dossier_id=dossier.pk, state=ChangeState.PENDING).order_by("id"))
    change_ids = [c.pk for c in changes]
    PortalChange.objects.filter(pk__in=change_ids).update(claim_token=sync.claim_token, attempts=F("attempts") + 1)
    resync = any(c.kind == ChangeKind.RESYNC for c in changes)
    last_answer: dict | None = None
    try:
        if changes:
            if resync and sync.origin == Origin.LOCAL:
                sync.on_portal = None  # a full resend asks the portal again what it has
            if sync.on_portal is None:
                answer = adapter.call(fields.LOOKUP_SERVICE, {"mahoso": sync.portal_code}, dossier=dossier)
                if fields.answer_kind(answer) != "ok":
                    raise _Refused(fields.LOOKUP_SERVICE, answer)
                _set(sync, on_portal=bool(answer.get("result")))
                outcome.looked_up = True
                outcome.steps.append("tra cứu: " + ("đã có trên Cổng" if sync.on_portal else "chưa có trên Cổng"))
            record = payload.build_record(dossier, origin=sync.origin, national_code=sync.national_code)
            digest = record_hash(record)
            if resync or digest != sync.last_payload_hash:
                last_answer = _send_record(adapter, sync, record, dossier, outcome)
                now_ = timezone.now()
                _set(sync, last_payload_hash=digest, on_portal=True, last_sent_at=now_, last_acked_at=now_)
            else:
                outcome.record = "unchanged"
            floor = 0 if resync else sync.acked_seq
            events = list(DossierEvent.objects.filter(dossier_id=dossier.pk, seq__gt=floor, seq__lte=dossier.event_count).order_by("seq"))
            for chunk in fields.chunks(events):
                items = payload.build_history_items(dossier, chunk)
                for item in items:
                    item["MaHoSo"] = sync.portal_code
                answer = adapter.call(fields.HISTORY_SERVICE, {"data": items}, dossier=dossier)
                if fields.answer_kind(answer) != "ok":
                    raise _Refused(fields.HISTORY_SERVICE, answer)
                last_answer = answer
                top = chunk[-1].seq
                now_ = timezone.now()
                _set(sync, acked_seq=max(top, sync.acked_seq), last_sent_at=now_, last_acked_at=now_)
                PortalChange.objects.filter(pk__in=change_ids, kind=ChangeKind.EVENT, seq__lte=top).update(
                    state=ChangeState.ACKNOWLEDGED, acked_at=now_, answer=answer, last_error="",
                )
                outcome.history_items += len(items)
            if outcome.history_items:
                outcome.steps.append(f"{outcome.history_items} mục tiến độ")
        _succeeded(sync, change_ids, last_answer)
        outcome.ok = True
    except _LeaseLost:
        outcome.lease_lost = True
        outcome.error = LEASE_LOST
    except _Refused as refused:
        _failed(sync, change_ids, refused.code, refused.message, False, refused.answer, policy_, outcome, now)
    except AdapterError as exc:
        _failed(sync, change_ids, exc.code, exc.message, exc.transient, exc.answer, policy_, outcome, now)
    except Exception as exc:  # noqa: BLE001 - a bug (a payload that cannot be built) must not stop the worker; it is recorded
        logger.exception("unexpected error syncing dossier %s", sync.dossier_id)
        _failed(sync, change_ids, "internal", f"Lỗi không lường trước: {type(exc).__name__}: {exc}", False, None, policy_, outcome, now)
    return outcome


def _send_record(adapter: AdapterClient, sync: PortalSync, record: dict, dossier, outcome: Outcome) -> dict:
    updating = bool(sync.on_portal)
    answer = adapter.call(fields.RECORD_SERVICE, {"isUpdating": "True" if updating else "False", "data": [record]}, dossier=dossier)
    kind = fields.answer_kind(answer)
    if kind == "exists" and not updating:
        # The portal has it after all (filed there, or sent before our answer was lost): update it, at once.
        outcome.steps.append("Cổng báo hồ sơ đã tồn tại → cập nhật")
        updating = True
        answer = adapter.call(fields.RECORD_SERVICE, {"isUpdating": "True", "data": [record]}, dossier=dossier)
        kind = fields.answer_kind(answer)
    if kind != "ok":
        raise _Refused(fields.RECORD_SERVICE, answer)
    outcome.record = "updated" if updating else "created"
    outcome.steps.append("cập nhật hồ sơ" if updating else "tạo mới hồ sơ")
    return answer


def _succeeded(sync: PortalSync, change_ids: list[int], answer: dict | None) -> None:
    now = timezone.now()
    # Resync rows and event rows whose item was acknowledged earlier (or sent by this batch's record alone).
    PortalChange.objects.filter(pk__in=change_ids, state=ChangeState.PENDING).update(
        state=ChangeState.ACKNOWLEDGED, acked_at=now, last_error="", **({"answer": answer} if answer is not None else {}),
    )
    from congvu.dossiers.models import Dossier  # noqa: PLC0415

    with transaction.atomic():
        # The dossier's row lock orders this with a transaction queueing a change meanwhile, which leaves a dossier
        # we hold alone (services._wake) and holds that lock until it commits (an action, the catch-up). Either we
        # wait for its commit and see its change here (and stay due), or it waits for ours and sees our release
        # (and makes the dossier due). NO KEY UPDATE: rows that merely reference the dossier need not wait for us.
        list(Dossier.objects.select_for_update(no_key=True).filter(pk=sync.dossier_id).values_list("pk", flat=True))
        locked = PortalSync.objects.select_for_update().filter(pk=sync.pk, claim_token=sync.claim_token).first()
        if locked is None:
            raise _LeaseLost()
        more = PortalChange.objects.filter(dossier_id=sync.dossier_id, state=ChangeState.PENDING).exclude(pk__in=change_ids).exists()
        values = {
            "state": SyncState.PENDING if more else SyncState.ACKNOWLEDGED, "attempts": 0, "error_code": "", "error_message": "",
            "claim_token": "", "next_attempt_at": now if more else None, "updated_at": now,
        }
        PortalSync.objects.filter(pk=sync.pk).update(**values)
    for name, value in values.items():
        setattr(sync, name, value)


def _failed(sync: PortalSync, change_ids: list[int], code: str, message: str, transient: bool, answer: dict | None,
            policy_: Policy, outcome: Outcome, now: dt.datetime | None) -> None:
    message = message[:2000]
    now = max(now or timezone.now(), timezone.now())
    outcome.error, outcome.error_code, outcome.transient = message, code, transient
    give_up = not transient and sync.attempts >= policy_.max_attempts
    retry_at = None if give_up else now + dt.timedelta(seconds=max(policy_.backoff(sync.attempts), 1))
    try:
        _set(
            sync, state=SyncState.FAILED if give_up else SyncState.PENDING, error_code=code[:40], error_message=message,
            claim_token="", next_attempt_at=retry_at,
        )
    except _LeaseLost:
        outcome.lease_lost = True
        return
    PortalChange.objects.filter(pk__in=change_ids, state=ChangeState.PENDING).update(
        state=ChangeState.FAILED if give_up else ChangeState.PENDING, last_error=message, next_attempt_at=retry_at,
        **({"answer": answer} if answer is not None else {}),
    )
    outcome.failed = give_up
    outcome.retry_at = retry_at


# ------------------------------------------------------------------------------------------------ loop


def deliver_due(limit: int = 100, now: dt.datetime | None = None, on_outcome: Callable[[Outcome], None] | None = None,
                should_stop: Callable[[], bool] | None = None, adapter: AdapterClient | None = None) -> list[Outcome]:
    """Claim and sync due dossiers one at a time until none is due, `limit` is reached or `should_stop()`.
    Nothing is sent (and everything stays queued) while the adapter is not configured."""
    adapter = adapter or make_client()
    if adapter is None:
        return []
    policy_ = policy()
    outcomes: list[Outcome] = []
    while len(outcomes) < limit and not (should_stop and should_stop()):
        sync = claim_next(now, policy_)
        if sync is None:
            break
        outcome = send_claimed(sync, adapter, policy_, now=now)
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return outcomes
