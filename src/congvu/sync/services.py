"""Writes of the portal sync: queueing dossier changes (in the event's own transaction), marking dossiers filed
on the national portal, an administrator's resend, and the catch-up of a date range (`sync_portal --since`).
Sending is the worker's (`congvu.sync.delivery`; `deliver_due` is re-exported here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.sync.models import ChangeKind, ChangeState, Origin, PortalChange, PortalSync, ResendRecord, SyncState


class SyncError(Exception):
    """A refused request (Vietnamese message for the person who made it)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _wake(dossier_id: int, now: dt.datetime) -> int:
    """Make the dossier due now, unless a worker holds it (it looks for new changes before letting go), it
    waits out a backoff, or it failed for good (an administrator resends it)."""
    return (
        PortalSync.objects.filter(dossier_id=dossier_id, claim_token="", next_attempt_at__isnull=True)
        .exclude(state=SyncState.FAILED)
        .update(state=SyncState.PENDING, next_attempt_at=now, updated_at=now)
    )


def dossier_event_recorded(dossier, event) -> None:
    """Called by the dossier core inside the transaction that appended `event`: queue the change for the
    portal. The dossier row is locked by that transaction, so nothing races with this for one dossier."""
    now = timezone.now()
    PortalChange.objects.create(dossier_id=dossier.pk, event=event, seq=event.seq, kind=ChangeKind.EVENT, next_attempt_at=now)
    if event.seq <= 1:  # the dossier was created in this transaction: its row cannot exist yet
        PortalSync.objects.create(dossier_id=dossier.pk, state=SyncState.PENDING, next_attempt_at=now)
    elif not _wake(dossier.pk, now):
        # Held by a worker, backing off, failed — or a dossier older than the sync app, which gets its row now.
        PortalSync.objects.get_or_create(dossier_id=dossier.pk, defaults={"state": SyncState.PENDING, "next_attempt_at": now})


def register_inbound(dossier, *, national_code: str, payload: dict) -> None:
    """Mark `dossier` as filed on the national portal under `national_code` (its MaHoSo there): the portal has
    it, and its status changes go back under that code. Called inside the creating transaction."""
    national_code = str(national_code or "").strip()
    if not national_code:
        raise ValueError("an inbound dossier needs its national MaHoSo")
    PortalSync.objects.update_or_create(
        dossier_id=dossier.pk,
        defaults={"origin": Origin.NATIONAL_PORTAL, "national_code": national_code[:60], "on_portal": True},
    )


def resend(dossier, *, by=None) -> PortalSync:
    """An administrator's "Gửi lại": one transaction. A dossier with changes still waiting or failed gets them
    retried now with fresh attempts; a synced one gets a full resend (its record and all its history) queued.
    Refused while a worker is sending it (a second send could cross the first)."""
    now = timezone.now()
    with transaction.atomic():
        sync = PortalSync.objects.select_for_update().filter(dossier_id=dossier.pk).first()
        if sync is None:
            sync = PortalSync.objects.create(dossier_id=dossier.pk, state=SyncState.PENDING)
        if sync.claim_token and sync.next_attempt_at and sync.next_attempt_at > now:
            raise SyncError(_("The worker is sending this dossier right now; try again in a moment."))
        previous = sync.state
        retried = PortalChange.objects.filter(dossier_id=dossier.pk).exclude(state=ChangeState.ACKNOWLEDGED).update(
            state=ChangeState.PENDING, next_attempt_at=now,
        )
        if not retried:
            PortalChange.objects.create(dossier_id=dossier.pk, kind=ChangeKind.RESYNC, requested_by=by, next_attempt_at=now)
        sync.state = SyncState.PENDING
        sync.attempts = 0
        sync.claim_token = ""
        sync.next_attempt_at = now
        sync.resent_at = now
        sync.resent_by = by
        sync.save(update_fields=["state", "attempts", "claim_token", "next_attempt_at", "resent_at", "resent_by", "updated_at"])
        ResendRecord.objects.create(dossier_id=dossier.pk, by=by, at=now, previous_state=previous, retried_changes=retried, full_resend=not retried)
    return sync


def queue_since(since: dt.date, until: dt.date | None = None, *, progress: Callable[[int, int], None] | None = None,
                by=None, batch: int = 500) -> tuple[int, int]:
    """Queue a full resend (record and all history) of every dossier received in [since, until] (Vietnam
    dates, both included), for catching up after an outage. Idempotent: a dossier that already has a full
    resend waiting gets no second one. Returns (queued, already waiting)."""
    from congvu.dossiers.models import Dossier  # noqa: PLC0415

    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    queryset = Dossier.objects.filter(received_at__gte=start)
    if until is not None:
        queryset = queryset.filter(received_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    ids = list(queryset.order_by("received_at", "id").values_list("pk", flat=True))
    total = len(ids)
    queued = waiting = 0
    if progress:
        progress(0, total)
    for offset in range(0, total, batch):
        chunk = ids[offset:offset + batch]
        now = timezone.now()
        with transaction.atomic():
            # The dossiers' row locks, as an action takes: a worker letting go of one of them waits for this commit
            # and sees its resend (delivery._succeeded), or has let go before and is woken below.
            list(Dossier.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
            already = set(
                PortalChange.objects.filter(dossier_id__in=chunk, kind=ChangeKind.RESYNC, state=ChangeState.PENDING).values_list("dossier_id", flat=True)
            )
            new = [pk for pk in chunk if pk not in already]
            PortalChange.objects.bulk_create(
                [PortalChange(dossier_id=pk, kind=ChangeKind.RESYNC, requested_by=by, next_attempt_at=now) for pk in new]
            )
            existing = set(PortalSync.objects.filter(dossier_id__in=new).values_list("dossier_id", flat=True))
            PortalSync.objects.bulk_create(
                [PortalSync(dossier_id=pk, state=SyncState.PENDING, next_attempt_at=now) for pk in new if pk not in existing]
            )
            # A failed dossier is given another go: the operator asked for this range explicitly.
            PortalSync.objects.filter(dossier_id__in=new, claim_token="").update(
                state=SyncState.PENDING, attempts=0, next_attempt_at=now, updated_at=now,
            )
        queued += len(new)
        waiting += len(already)
        if progress:
            progress(min(offset + batch, total), total)
    return queued, waiting


def deliver_due(limit: int = 100, **kwargs):
    from congvu.sync.delivery import deliver_due as deliver  # noqa: PLC0415 - delivery imports the adapter; services stay light

    return deliver(limit=limit, **kwargs)
