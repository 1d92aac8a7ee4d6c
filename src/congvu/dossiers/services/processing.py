"""Processing a received dossier: steps (the processing control sheet, form 06), joint processing across
units, supplements and payments that pause the clock, refusal, stop, withdrawal, and the one apology."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from congvu.dossiers.models import Apology, Closure, DossierStep, PaymentRequest, Routing, StepStatus, SupplementRequest
from congvu.dossiers.services import deadlines, numbering
from congvu.dossiers.services.errors import ErrorCode, InvalidInput
from congvu.dossiers.services.transitions import run_action
from congvu.dossiers.states import Action, DossierState
from congvu.units.models import StaffProfile, Unit

# Decree 61/2018 art. 19 (kept by Decree 118/2025): an appraisal that finds the dossier incomplete returns it
# within 3 working days of receipt, and the full processing time restarts once it is complete.
RESTART_WINDOW_WORKING_DAYS = 3
_PENDING = (StepStatus.WAITING, StepStatus.SENT_BACK)


def _text(value, name: str, message: str, max_length: int = 5000) -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput(message, {name: ["Bắt buộc."]})
    if len(text) > max_length:
        raise InvalidInput(f"Nội dung quá dài (tối đa {max_length} ký tự).", {name: [f"Tối đa {max_length} ký tự."]})
    return text


def _steps(dossier) -> list[DossierStep]:
    return list(DossierStep.objects.filter(dossier=dossier).select_related("unit").order_by("position"))


def active_step(dossier) -> DossierStep | None:
    return DossierStep.objects.filter(dossier=dossier, status=StepStatus.ACTIVE).select_related("unit").order_by("position").first()


def _activate(dossier, step: DossierStep, at) -> None:
    step.status = StepStatus.ACTIVE
    step.started_at = at
    step.save(update_fields=["status", "started_at"])
    dossier.current_step = step
    dossier.current_unit = step.unit


def _finish(step: DossierStep, at) -> None:
    step.status = StepStatus.DONE
    step.finished_at = at
    step.overran = step.due_at is not None and at > step.due_at
    step.save(update_fields=["status", "finished_at", "overran"])


def _pause(dossier, at) -> None:
    dossier.paused_at = at


def _resume(dossier, at, *, restart: bool) -> dict:
    """End the pause: move every due time not yet passed by the paused office time, or restart the full time."""
    calendar = deadlines.calendar_of(dossier)
    version = dossier.procedure_version
    pending = [s for s in _steps(dossier) if s.status != StepStatus.DONE]
    if restart:
        dossier.clock_started_at = calendar.next_working_instant(at)
        dossier.due_at = deadlines.due_from(version, calendar, at)
        dues = deadlines.step_due_times(version, calendar, at, [s.share for s in pending])
        for step, due in zip(pending, dues):
            step.due_at = due
        paused = None
    else:
        paused = calendar.working_time_between(dossier.paused_at, at) if dossier.paused_at else dt.timedelta(0)
        dossier.due_at = deadlines.shift(calendar, dossier.due_at, paused)
        for step in pending:
            step.due_at = deadlines.shift(calendar, step.due_at, paused)
    DossierStep.objects.bulk_update(pending, ["due_at"])
    dossier.paused_at = None
    return {"restarted": restart, "paused_seconds": None if paused is None else int(paused.total_seconds())}


def start_processing(dossier, actor, expected_version=None, at=None):
    def apply(d, at, _state):
        steps = _steps(d)
        if not steps:
            raise InvalidInput("Hồ sơ không có bước xử lý nào.")
        _activate(d, steps[0], at)
        return {"step": steps[0].position}

    return run_action(dossier, Action.START_PROCESSING, actor=actor, expected_version=expected_version, at=at, apply=apply)


def accept_step(dossier, actor, expected_version=None, at=None):
    """The person of the active step's unit takes the dossier into their hands (it becomes theirs if unassigned)."""
    def apply(d, at, _state):
        step = active_step(d)
        if step is None:
            raise InvalidInput("Hồ sơ chưa có bước đang xử lý; hãy bắt đầu xử lý trước.", code=ErrorCode.TRANSITION_NOT_ALLOWED)
        _check_member(actor, step.unit, "actor")
        if step.assignee_id is None:
            step.assignee = actor
            step.save(update_fields=["assignee"])
        return {"step": step.position}

    return run_action(dossier, Action.ACCEPT_STEP, actor=actor, expected_version=expected_version, at=at, apply=apply)


def _check_member(user, unit: Unit, name: str, *, allow_superuser: bool = True) -> None:
    if user is None or (allow_superuser and getattr(user, "is_superuser", False)):
        return
    if not StaffProfile.objects.filter(user=user, unit=unit).exists():
        raise InvalidInput(f"Người được chọn không thuộc {unit.name}.", {name: [f"Phải là cán bộ của {unit.name}."]})


def _share(value) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        share = Decimal(0)
    if not share.is_finite() or share <= 0 or share > 10_000:
        raise InvalidInput("Thời gian của đơn vị phối hợp phải là số dương.", {"share": ["Số dương, cùng đơn vị với thời hạn của thủ tục."]})
    return share.quantize(Decimal("0.01"))


def forward(dossier, actor, expected_version=None, at=None, to_unit: Unit | None = None, share=None, step_name: str = "", note: str = ""):
    """Finish the active step and pass the dossier on: to the next step of the workflow, or (joint processing,
    liên thông) to another unit, which gets a step of its own with its share of the time and a routing slip."""
    if to_unit is not None:
        share = _share(share)
        step_name = str(step_name or "").strip() or f"Phối hợp giải quyết: {to_unit.name}"[:255]

    def apply(d, at, _state):
        steps = _steps(d)
        current = next((s for s in steps if s.status == StepStatus.ACTIVE), None)
        if current is None:
            raise InvalidInput("Hồ sơ chưa có bước đang xử lý; hãy bắt đầu xử lý trước.", code=ErrorCode.TRANSITION_NOT_ALLOWED)
        _finish(current, at)
        if to_unit is None:
            following = next((s for s in steps if s.position > current.position and s.status in _PENDING), None)
            if following is None:
                raise InvalidInput("Đây là bước cuối: hãy ghi nhận kết quả hoặc chuyển cho đơn vị phối hợp.", {"to_unit": ["Bắt buộc ở bước cuối."]})
            _activate(d, following, at)
            return {"from_step": current.position, "to_step": following.position}
        # Make room after the current step, last first so the (dossier, position) constraint holds throughout.
        for step in sorted((s for s in steps if s.position > current.position), key=lambda s: -s.position):
            step.position += 1
            step.save(update_fields=["position"])
        calendar = deadlines.calendar_of(d)
        added = DossierStep.objects.create(
            dossier=d, position=current.position + 1, name=step_name, unit=to_unit, share=share,
            due_at=deadlines.add_limit(calendar, d.procedure_version, at, share), status=StepStatus.WAITING,
        )
        Routing.objects.create(dossier=d, from_unit=current.unit, to_unit=to_unit, at=at, by=actor, note=str(note or "").strip())
        _activate(d, added, at)
        return {"from_step": current.position, "to_step": added.position, "to_unit": to_unit.code, "share": str(share)}

    return run_action(dossier, Action.FORWARD, actor=actor, expected_version=expected_version, at=at, reason=str(note or "").strip(), apply=apply)


def send_back(dossier, actor, reason: str, expected_version=None, at=None):
    """Return the dossier to the previous step (e.g. the leader sends the draft back to the specialist)."""
    reason = _text(reason, "reason", "Nêu lý do trả lại bước trước.")

    def apply(d, at, _state):
        steps = _steps(d)
        current = next((s for s in steps if s.status == StepStatus.ACTIVE), None)
        previous = next((s for s in reversed(steps) if current and s.position < current.position and s.status == StepStatus.DONE), None)
        if current is None or previous is None:
            raise InvalidInput("Không có bước trước để trả lại.", {"step": ["Bước đầu tiên không thể trả lại."]})
        current.status = StepStatus.SENT_BACK
        current.save(update_fields=["status"])
        previous.finished_at = None
        previous.save(update_fields=["finished_at"])
        _activate(d, previous, at)
        return {"from_step": current.position, "to_step": previous.position}

    return run_action(dossier, Action.SEND_BACK, actor=actor, expected_version=expected_version, at=at, reason=reason, apply=apply)


def assign(dossier, actor, assignee, expected_version=None, at=None):
    """Give the active step (or, before processing starts, the first step) to a person of its unit."""
    if assignee is None:
        raise InvalidInput("Chọn người được phân công.", {"assignee": ["Bắt buộc."]})

    def apply(d, at, _state):
        step = active_step(d) or DossierStep.objects.filter(dossier=d, status__in=_PENDING).select_related("unit").order_by("position").first()
        if step is None:
            raise InvalidInput("Hồ sơ không còn bước nào để phân công.")
        _check_member(assignee, step.unit, "assignee", allow_superuser=False)
        step.assignee = assignee
        step.save(update_fields=["assignee"])
        return {"step": step.position, "assignee": assignee.pk}

    return run_action(dossier, Action.ASSIGN, actor=actor, expected_version=expected_version, at=at, apply=apply)


def request_supplement(dossier, actor, items, reason: str = "", expected_version=None, at=None):
    """Form 02 during processing: the clock stops while the applicant completes the dossier. A second request
    is allowed but the dossier then counts as late (the first request must list everything at once)."""
    if isinstance(items, str):
        items = [items]
    items = [str(i).strip() for i in (items or []) if str(i).strip()]
    if not items:
        raise InvalidInput("Liệt kê đầy đủ các giấy tờ, nội dung cần bổ sung.", {"items": ["Bắt buộc, ít nhất một mục."]})

    def apply(d, at, _state):
        calendar = deadlines.calendar_of(d)
        restarts = d.received_at is not None and calendar.working_days_between(d.received_at, at) <= RESTART_WINDOW_WORKING_DAYS
        d.supplement_count += 1
        SupplementRequest.objects.create(
            dossier=d, number=d.supplement_count, items=items, reason=str(reason or "").strip(), restarts_clock=restarts,
            letter_number=numbering.next_letter_number(d.current_unit, numbering.LetterForm.REQUEST_TO_COMPLETE, timezone.localdate(at).year),
            requested_at=at, requested_by=actor,
        )
        _pause(d, at)
        return {"items": items, "restarts_clock": restarts, "number": d.supplement_count}

    return run_action(dossier, Action.REQUEST_SUPPLEMENT, actor=actor, expected_version=expected_version, at=at, reason=str(reason or "").strip(), apply=apply)


def receive_supplement(dossier, actor, note: str = "", expected_version=None, at=None):
    def apply(d, at, _state):
        request = SupplementRequest.objects.filter(dossier=d, fulfilled_at__isnull=True).order_by("-number").first()
        if request is None:
            raise InvalidInput("Không có yêu cầu bổ sung nào đang chờ.")
        request.fulfilled_at = at
        request.save(update_fields=["fulfilled_at"])
        return {"number": request.number, **_resume(d, at, restart=request.restarts_clock)}

    return run_action(dossier, Action.RECEIVE_SUPPLEMENT, actor=actor, expected_version=expected_version, at=at, reason=str(note or "").strip(), apply=apply)


def request_payment(dossier, actor, amount_vnd, description: str, expected_version=None, at=None):
    try:
        amount = int(amount_vnd)
    except (TypeError, ValueError):
        amount = -1
    if amount <= 0 or amount > 10**13:
        raise InvalidInput("Số tiền phải là số nguyên dương (đồng).", {"amount_vnd": ["Số nguyên dương."]})
    description = _text(description, "description", "Nêu khoản phí, lệ phí hoặc nghĩa vụ tài chính.", 255)

    def apply(d, at, _state):
        PaymentRequest.objects.create(dossier=d, amount_vnd=amount, description=description, requested_at=at)
        _pause(d, at)
        return {"amount_vnd": amount}

    return run_action(dossier, Action.REQUEST_PAYMENT, actor=actor, expected_version=expected_version, at=at, apply=apply)


def confirm_payment(dossier, actor, receipt_reference: str = "", paid_online: bool = False, expected_version=None, at=None):
    def apply(d, at, _state):
        payment = PaymentRequest.objects.filter(dossier=d, paid_at__isnull=True).order_by("-requested_at").first()
        if payment is None:
            raise InvalidInput("Không có yêu cầu nộp phí nào đang chờ.")
        payment.paid_at = at
        payment.paid_online = bool(paid_online)
        payment.receipt_reference = str(receipt_reference or "").strip()[:80]
        payment.save(update_fields=["paid_at", "paid_online", "receipt_reference"])
        return _resume(d, at, restart=False)

    return run_action(dossier, Action.CONFIRM_PAYMENT, actor=actor, expected_version=expected_version, at=at, apply=apply)


_CLOSURE_FORMS = {
    Action.REFUSE: (Closure.Kind.REFUSED, numbering.LetterForm.REFUSAL),
    Action.STOP: (Closure.Kind.STOPPED, numbering.LetterForm.STOP),
    Action.WITHDRAW: (Closure.Kind.WITHDRAWN, numbering.LetterForm.WITHDRAWAL),
}


def _close(dossier, action: Action, actor, reason, expected_version, at):
    reason = _text(reason, "reason", "Nêu rõ lý do.")
    kind, form = _CLOSURE_FORMS[action]

    def apply(d, at, new_state: DossierState):
        from congvu.dossiers.services.results import classify

        letter = numbering.next_letter_number(d.current_unit, form, timezone.localdate(at).year)
        Closure.objects.create(dossier=d, kind=kind, reason=reason, letter_number=letter, at=at, by=actor)
        extra = {}
        if d.paused_at is not None:
            # The applicant's waiting time never counts against the unit (Decree 61 art. 19): a dossier stopped
            # because the papers never came is judged on the clock as it stood, so the due time moves first.
            extra = _resume(d, at, restart=False)
        if new_state.is_finished:
            # Refused and stopped dossiers count as settled for the on-time rate (Decision 766).
            classify(d, at)
        return {"letter_number": letter, **extra}

    return run_action(dossier, action, actor=actor, expected_version=expected_version, at=at, reason=reason, apply=apply)


def refuse(dossier, actor, reason: str, expected_version=None, at=None):
    return _close(dossier, Action.REFUSE, actor, reason, expected_version, at)


def stop(dossier, actor, reason: str, expected_version=None, at=None):
    return _close(dossier, Action.STOP, actor, reason, expected_version, at)


def withdraw(dossier, actor, reason: str, expected_version=None, at=None):
    return _close(dossier, Action.WITHDRAW, actor, reason, expected_version, at)


def issue_apology(dossier, actor, reason: str, new_due_at: dt.datetime, expected_version=None, at=None):
    """Form 04 (Decree 61 art. 19, kept by Decree 118): at least one working day before the due time, once per
    dossier, with a new date after the current one. The dossier still counts as late."""
    reason = _text(reason, "reason", "Nêu lý do chậm giải quyết.")
    if not isinstance(new_due_at, dt.datetime) or timezone.is_naive(new_due_at):
        raise InvalidInput("Ngày hẹn mới phải là thời điểm có múi giờ.", {"new_due_at": ["Thời điểm ISO 8601 có múi giờ."]})

    def apply(d, at, _state):
        if d.extended or Apology.objects.filter(dossier=d).exists():
            raise InvalidInput("Hồ sơ đã được xin lỗi và hẹn lại một lần; không được hẹn lại lần nữa.", code=ErrorCode.APOLOGY_NOT_ALLOWED)
        if d.due_at is None:
            raise InvalidInput("Hồ sơ chưa có ngày hẹn trả.", code=ErrorCode.APOLOGY_NOT_ALLOWED)
        calendar = deadlines.calendar_of(d)
        latest = deadlines.previous_working_day_close(calendar, d.due_at)
        if at > latest:
            raise InvalidInput(
                "Phiếu xin lỗi và hẹn lại phải gửi chậm nhất 01 ngày làm việc trước ngày hẹn trả.",
                {"at": [f"Chậm nhất {timezone.localtime(latest):%H:%M %d/%m/%Y}."]}, code=ErrorCode.APOLOGY_NOT_ALLOWED,
            )
        if new_due_at <= d.due_at:
            raise InvalidInput("Ngày hẹn mới phải sau ngày hẹn hiện tại.", {"new_due_at": ["Sau ngày hẹn hiện tại."]}, code=ErrorCode.APOLOGY_NOT_ALLOWED)
        letter = numbering.next_letter_number(d.current_unit, numbering.LetterForm.APOLOGY, timezone.localdate(at).year)
        Apology.objects.create(
            dossier=d, unit=d.current_unit, reason=reason, previous_due_at=d.due_at, new_due_at=new_due_at, letter_number=letter,
            issued_at=at, issued_by=actor,
        )
        d.due_at = new_due_at
        d.extended = True
        return {"letter_number": letter, "new_due_at": new_due_at.isoformat()}

    return run_action(dossier, Action.ISSUE_APOLOGY, actor=actor, expected_version=expected_version, at=at, reason=reason, apply=apply)
