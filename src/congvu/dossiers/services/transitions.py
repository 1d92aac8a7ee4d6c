"""The one place a dossier changes: lock the row, check the caller's version, ask the state table, apply the
change, append exactly one event. Every public service is one call of `run_action` (or `create_dossier`
for the actions that bring a dossier into existence), so each is one transaction with one event.

Each event's `data["set"]` holds the cached dossier fields the action changed (JSON values), so that
`verify_dossiers` can rebuild the whole cached part of the row from the events alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from congvu.dossiers import permissions, states
from congvu.dossiers.models import Dossier, DossierEvent, StepStatus
from congvu.dossiers.services.errors import Conflict, NotFound, TransitionNotAllowed
from congvu.dossiers.states import Action, DossierState
from congvu.notify import services as notify_services
from congvu.sync import services as sync_services
from congvu.units.selectors import scope_of

# Fields of the dossier row that are a cache of its events (DESIGN.md: "The dossier row caches state,
# current step, due time and clock").
CACHED_FIELDS = (
    "state", "current_unit_id", "current_step_id", "handling_unit_id", "received_at", "clock_started_at",
    "original_due_at", "due_at", "paused_at", "extended", "supplement_count", "finished_at", "timeliness",
    "late_unit_id", "returned_at", "return_method",
)

ACTION_LABELS_VI = {
    Action.SUBMIT_ONLINE: "nộp trực tuyến", Action.RECEIVE: "tiếp nhận", Action.NOT_ACCEPT: "từ chối tiếp nhận",
    Action.START_PROCESSING: "bắt đầu xử lý", Action.REQUEST_SUPPLEMENT: "yêu cầu bổ sung",
    Action.RECEIVE_SUPPLEMENT: "nhận hồ sơ bổ sung", Action.REQUEST_PAYMENT: "yêu cầu thực hiện nghĩa vụ tài chính",
    Action.CONFIRM_PAYMENT: "xác nhận đã nộp phí", Action.WITHDRAW: "rút hồ sơ", Action.STOP: "dừng xử lý",
    Action.REFUSE: "từ chối giải quyết", Action.RECORD_RESULT: "ghi nhận kết quả", Action.RETURN_RESULT: "trả kết quả",
    Action.ACCEPT_STEP: "nhận xử lý bước", Action.FORWARD: "chuyển bước", Action.SEND_BACK: "trả lại bước trước",
    Action.ASSIGN: "phân công", Action.ISSUE_APOLOGY: "xin lỗi và hẹn lại",
}

STATE_LABELS_VI = {
    DossierState.SUBMITTED_ONLINE: "đã nộp trực tuyến", DossierState.RECEIVED: "đã tiếp nhận",
    DossierState.NOT_ACCEPTED: "không được tiếp nhận", DossierState.PROCESSING: "đang xử lý",
    DossierState.AWAITING_SUPPLEMENT: "chờ bổ sung", DossierState.AWAITING_PAYMENT: "chờ thực hiện nghĩa vụ tài chính",
    DossierState.WITHDRAWN: "đã rút", DossierState.STOPPED: "đã dừng xử lý", DossierState.RESULT_READY: "đã có kết quả",
    DossierState.RETURNED: "đã trả kết quả", DossierState.REFUSED: "đã từ chối giải quyết",
}


def json_value(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def snapshot(dossier: Dossier) -> dict:
    return {name: json_value(getattr(dossier, name)) for name in CACHED_FIELDS}


def actor_name(actor) -> str:
    if actor is None:
        return ""
    return actor.get_full_name() or actor.get_username()


def not_allowed(action: Action, state: DossierState | None) -> TransitionNotAllowed:
    where = STATE_LABELS_VI[state] if state else "chưa có hồ sơ"
    return TransitionNotAllowed(
        f"Không thể {ACTION_LABELS_VI[action]} khi hồ sơ {where}.", {"action": [action.value], "state": [state.value if state else ""]},
    )


def _append_event(dossier: Dossier, action: Action, before: dict, from_state: str, *, actor, at, reason: str, data: dict) -> DossierEvent:
    after = snapshot(dossier)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    event = DossierEvent.objects.create(
        dossier=dossier, seq=dossier.event_count, action=action.value, actor=actor, actor_name=actor_name(actor), at=at,
        from_state=from_state, to_state=dossier.state, reason=reason, data={**data, "set": changed},
    )
    # Same transaction as the event: a notification exists exactly when its cause does (DESIGN.md, outbox).
    notify_services.dossier_event_recorded(dossier, event)
    sync_services.dossier_event_recorded(dossier, event)  # and its change for the national portal (congvu.sync)
    return event


Apply = Callable[[Dossier, dt.datetime, DossierState], dict | None]


def create_dossier(dossier: Dossier, action: Action, *, actor, at: dt.datetime, reason: str = "", data: dict | None = None,
                   after_save: Apply | None = None) -> Dossier:
    """Insert a new dossier (unsaved `dossier`) in the state `action` leads to from nothing, with event #1.
    `after_save` adds rows that need the dossier's id (steps, documents) and may set more cached fields."""
    if action not in states.CREATING_ACTIONS:
        raise not_allowed(action, None)
    before = snapshot(Dossier())
    new_state = states.next_state(action, None)
    # No savepoint of its own: the callers open the transaction (numbering needs it) and any error undoes it all.
    with transaction.atomic(savepoint=False):
        dossier.state = new_state.value
        dossier.lock_version = 1
        dossier.event_count = 1
        dossier.refresh_search_text()
        dossier.save(force_insert=True)
        inserted = snapshot(dossier)
        extra = after_save(dossier, at, new_state) if after_save else None
        changed = [name for name, value in snapshot(dossier).items() if inserted[name] != value]
        if changed:
            dossier.save(update_fields=[Dossier._meta.get_field(name).name for name in changed])
        _append_event(dossier, action, before, "", actor=actor, at=at, reason=reason, data={**(data or {}), **(extra or {})})
    return dossier


def lock(dossier: Dossier | int) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure_version__procedure", "receiving_unit", "handling_unit", "current_unit", "applicant")
        .filter(pk=pk).first()
    )
    if locked is None:
        raise NotFound()
    return locked


def _check_may_act(actor, action: Action, dossier: Dossier) -> None:
    if actor is None or getattr(actor, "is_superuser", False):
        return
    step = dossier.steps.select_related("unit").filter(status=StepStatus.ACTIVE).first() if permissions.ACTION_PLACE.get(action) == permissions.STEP else None
    scope = scope_of(actor)
    if not permissions.may_act(actor, action, dossier, step, scope.covers):
        raise permissions.refusal(action, dossier, step)


def run_action(dossier: Dossier | int, action: Action, *, actor, expected_version: int | None = None, at: dt.datetime | None = None,
               reason: str = "", data: dict | None = None, apply: Apply | None = None) -> Dossier:
    """Apply `action` to the dossier in one transaction and append its one event.

    `apply(locked, at, new_state)` changes the locked row and writes the action's own rows; it runs after the
    version and state checks and may raise a DossierError, which rolls everything back. Its return value is
    merged into the event's data."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock(dossier)
        # Optimistic concurrency: the caller saw `expected_version`; anything newer means someone else acted.
        if expected_version is not None and int(expected_version) != locked.lock_version:
            raise Conflict()
        current = DossierState(locked.state)
        _check_may_act(actor, action, locked)
        try:
            new_state = states.next_state(action, current)
        except states.TransitionNotAllowed:
            raise not_allowed(action, current) from None
        before = snapshot(locked)
        extra = apply(locked, at, new_state) if apply else None
        locked.state = new_state.value
        locked.lock_version += 1
        locked.event_count += 1
        locked.save()
        _append_event(locked, action, before, current.value, actor=actor, at=at, reason=reason, data={**(data or {}), **(extra or {})})
    if isinstance(dossier, Dossier) and dossier is not locked:
        # The caller's instance reflects the write (its version is what the next call must send).
        for field in [f.attname for f in Dossier._meta.concrete_fields]:
            setattr(dossier, field, getattr(locked, field))
        # Related objects cached on the caller's instance may be stale (current step, current unit).
        dossier._state.fields_cache = dict(locked._state.fields_cache)
        dossier._state.fields_cache.pop("current_step", None)
        return dossier
    return locked
