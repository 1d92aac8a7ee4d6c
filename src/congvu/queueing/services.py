"""Every write to the queue: issue a ticket, staff a counter, call, recall, start, skip, transfer, finish, link a
dossier, close a day. Each is one transaction that locks the rows it changes, so two counters pressing "next" at
the same moment, or two tabs of one counter, never call one ticket twice.

Ticket states (`TicketStatus`):
  waiting ──call_next──▶ called ──start_serving──▶ serving ──finish──▶ done
  called ──skip──▶ skipped ──recall──▶ called (same counter, same day)
  called / serving ──transfer──▶ transferred (waits at the front of the new queue) ──call_next──▶ called
  anything open at the end of its day ──close_days──▶ no_show (serving ──▶ done: it was served, its end unknown)
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from congvu.dossiers.services.numbering import take_number
from congvu.queueing import selectors
from congvu.queueing.errors import STATE_PHRASES, ErrorCode, InvalidInput, QueueError, wrong_state
from congvu.queueing.models import AT_COUNTER, OPEN, Counter, ServiceGroup, Ticket, TicketStatus, Transfer, Visit, VisitOutcome

NOTE_MAX = 255


def format_number(prefix: str, number: int) -> str:
    """A001 … A999, then A1000: three digits at least, as boards and thermal tickets print them."""
    return f"{prefix}{number:03d}"


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


# ------------------------------------------------------------------------------------------------- the kiosk


def issue_ticket(unit, group: ServiceGroup, *, at: dt.datetime | None = None) -> Ticket:
    """A new ticket in `group`'s queue. Numbers run per unit per local day, taken from a counter row locked in
    the database (as dossier codes are), so tickets issued at once on several servers never share a number."""
    at = _now(at)
    if group is None or unit is None or group.unit_id != unit.pk:
        raise InvalidInput("Nhóm dịch vụ không thuộc trung tâm này.")
    day = timezone.localdate(at)
    with transaction.atomic():
        group = ServiceGroup.objects.get(pk=group.pk)
        if not group.active:
            raise QueueError(ErrorCode.GROUP_CLOSED, f"Nhóm “{group.name}” hiện không phát số thứ tự.", status=400)
        number = take_number(f"queue:{unit.pk}:{day:%Y%m%d}")
        # Counted while the centre's sequence row is locked, so two kiosks cannot both take the last number.
        if group.daily_limit and Ticket.objects.filter(group=group, day=day).count() >= group.daily_limit:
            raise QueueError(ErrorCode.GROUP_CLOSED, f"Nhóm “{group.name}” đã phát hết {group.daily_limit} số thứ tự của hôm nay.", status=400)
        if number == 1:
            # The first ticket of a day closes the days before it at this centre: nobody still waits from yesterday.
            _close_open_tickets(Ticket.objects.filter(unit_id=unit.pk, day__lt=day))
        return Ticket.objects.create(
            unit_id=unit.pk, group=group, day=day, number=number, code=format_number(group.prefix, number),
            status=TicketStatus.WAITING, issued_at=at, queued_at=at,
        )


def close_days(before: dt.date | None = None, unit=None) -> int:
    """Close every ticket still open from a day before `before` (today by default): those still waiting, called
    or skipped did not come; one left "being served" was served, so it is done, with its end unknown."""
    before = before or timezone.localdate()
    tickets = Ticket.objects.filter(day__lt=before)
    if unit is not None:
        tickets = tickets.filter(unit_id=unit.pk)
    with transaction.atomic():
        return _close_open_tickets(tickets)


def _close_open_tickets(tickets) -> int:
    tickets = tickets.filter(status__in=OPEN)
    serving = list(tickets.filter(status=TicketStatus.SERVING).values_list("pk", flat=True))
    others = list(tickets.exclude(status=TicketStatus.SERVING).values_list("pk", flat=True))
    open_visits = Visit.objects.filter(outcome="", ended_at__isnull=True)
    open_visits.filter(ticket_id__in=serving).update(outcome=VisitOutcome.DONE)
    open_visits.filter(ticket_id__in=others).update(outcome=VisitOutcome.NO_SHOW)
    Ticket.objects.filter(pk__in=serving).update(status=TicketStatus.DONE)
    Ticket.objects.filter(pk__in=others).update(status=TicketStatus.NO_SHOW)
    return len(serving) + len(others)


# ------------------------------------------------------------------------------------------------- staffing


def _lock_counter(counter: Counter) -> Counter:
    return Counter.objects.select_for_update().get(pk=counter.pk)


def _require_officer(counter: Counter, officer) -> None:
    if counter.officer_id is None or counter.officer_id != getattr(officer, "pk", None):
        raise QueueError(ErrorCode.NOT_AT_COUNTER, f"Bạn không trực {counter.label}; hãy nhận quầy trước khi gọi số.")


def _require_open(counter: Counter) -> None:
    if not counter.active:
        raise QueueError(ErrorCode.INVALID_INPUT, f"{counter.label} đang đóng.", status=400)


def _busy_error(counter: Counter, ticket: Ticket, doing: str) -> QueueError:
    return QueueError(
        ErrorCode.COUNTER_BUSY,
        f"{counter.label} đang có số {ticket.code} ({STATE_PHRASES[ticket.status]}); hãy kết thúc, bỏ qua hoặc chuyển số này trước khi {doing}.",
    )


def take_counter(counter: Counter, officer) -> Counter:
    """Sit at `counter`: the officer leaves any other counter (one person, one counter), and takes over this
    one from whoever sat there (a shift change keeps the ticket being served)."""
    if not selectors.can_operate(officer, counter):
        raise QueueError(ErrorCode.NOT_AT_COUNTER, "Bạn không thuộc đơn vị của quầy này.", status=403)
    with transaction.atomic():
        counter = _lock_counter(counter)
        _require_open(counter)
        for other in Counter.objects.select_for_update().filter(officer_id=officer.pk).exclude(pk=counter.pk):
            current = selectors.current_ticket(other)
            if current is not None:
                raise _busy_error(other, current, "sang quầy khác")
            other.officer = None
            other.save(update_fields=["officer"])
        counter.officer = officer
        try:
            counter.save(update_fields=["officer"])
        except IntegrityError:
            # The same officer taking two counters at the same moment: the database keeps one.
            raise QueueError(ErrorCode.COUNTER_BUSY, "Bạn vừa nhận một quầy khác; hãy tải lại trang.") from None
    return counter


def leave_counter(counter: Counter, officer) -> Counter:
    with transaction.atomic():
        counter = _lock_counter(counter)
        _require_officer(counter, officer)
        current = selectors.current_ticket(counter)
        if current is not None:
            raise _busy_error(counter, current, "rời quầy")
        counter.officer = None
        counter.save(update_fields=["officer"])
    return counter


# ------------------------------------------------------------------------------------------------- calling


def call_next(counter: Counter, officer, *, at: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket this counter serves: tickets transferred to it or to one of its groups first (they
    keep their place at the front), then the oldest waiting one of its groups. None when nobody waits.

    The candidate row is taken with SELECT … FOR UPDATE SKIP LOCKED: a counter racing another one for the same
    ticket takes the next one instead of waiting for, and then repeating, the other's call."""
    at = _now(at)
    with transaction.atomic():
        counter = _lock_counter(counter)
        _require_officer(counter, officer)
        _require_open(counter)
        current = selectors.current_ticket(counter)
        if current is not None:
            raise _busy_error(counter, current, "gọi số tiếp theo")
        ticket = selectors.in_call_order(selectors.queue_of(counter, timezone.localdate(at))).select_for_update(skip_locked=True).first()
        if ticket is None:
            return None
        _call(ticket, counter, officer, at, waited_from=ticket.queued_at)
        return ticket


def _call(ticket: Ticket, counter: Counter, officer, at: dt.datetime, *, waited_from: dt.datetime, recalls: int = 0) -> Visit:
    visit = Visit.objects.create(
        ticket=ticket, counter=counter, group_id=ticket.target_group_id or ticket.group_id, officer=officer,
        waited_from=waited_from, called_at=at, recalls=recalls,
    )
    ticket.status = TicketStatus.CALLED
    ticket.counter = counter
    ticket.called_at = at
    ticket.first_called_at = ticket.first_called_at or at
    ticket.served_started_at = ticket.served_finished_at = None
    ticket.save(update_fields=["status", "counter", "called_at", "first_called_at", "served_started_at", "served_finished_at", "recall_count"])
    return visit


def _lock_ticket(ticket: Ticket, counter: Counter | None = None) -> Ticket:
    """The ticket row, locked; and, with `counter`, the check that it is that counter's ticket."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if counter is not None and ticket.unit_id != counter.unit_id:
        raise InvalidInput(f"Số {ticket.code} không thuộc trung tâm của {counter.label}.")
    return ticket


def _require_here(ticket: Ticket, counter: Counter, action: str) -> None:
    if ticket.counter_id != counter.pk:
        raise QueueError(ErrorCode.WRONG_STATE, f"Không thể {action} số {ticket.code} vì số này không ở {counter.label}.")


def _open_visit(ticket: Ticket) -> Visit:
    return Visit.objects.select_for_update().filter(ticket=ticket, outcome="").order_by("-called_at", "-pk").first()


def recall(ticket: Ticket, counter: Counter, officer, *, at: dt.datetime | None = None) -> Ticket:
    """Call a number again: the citizen called has not come up yet (the board announces it again), or a skipped
    citizen came back to the counter that skipped them."""
    at = _now(at)
    with transaction.atomic():
        counter = _lock_counter(counter)
        _require_officer(counter, officer)
        ticket = _lock_ticket(ticket, counter)
        if ticket.status == TicketStatus.CALLED:
            _require_here(ticket, counter, "gọi lại")
            visit = _open_visit(ticket)
            visit.recalls += 1
            visit.save(update_fields=["recalls"])
            ticket.called_at = at
            ticket.recall_count += 1
            ticket.save(update_fields=["called_at", "recall_count"])
            return ticket
        if ticket.status == TicketStatus.SKIPPED:
            _require_here(ticket, counter, "gọi lại")
            if ticket.day != timezone.localdate(at):
                raise QueueError(ErrorCode.WRONG_STATE, f"Số {ticket.code} được phát ngày {date_format(ticket.day, 'SHORT_DATE_FORMAT')}, nay đã hết hiệu lực.")
            current = selectors.current_ticket(counter)
            if current is not None:
                raise _busy_error(counter, current, "gọi lại số đã bỏ qua")
            skipped = Visit.objects.filter(ticket=ticket, outcome=VisitOutcome.SKIPPED).order_by("-called_at", "-pk").first()
            ticket.recall_count += 1
            _call(ticket, counter, officer, at, waited_from=skipped.ended_at if skipped else at, recalls=1)
            return ticket
        raise wrong_state(ticket, "gọi lại", "Chỉ gọi lại được số đang được mời lên quầy hoặc số đã bỏ qua.")


def start_serving(ticket: Ticket, counter: Counter, officer, *, at: dt.datetime | None = None) -> Ticket:
    """The citizen called has come to the counter: serving time starts."""
    at = _now(at)
    with transaction.atomic():
        counter = _lock_counter(counter)
        _require_officer(counter, officer)
        ticket = _lock_ticket(ticket, counter)
        if ticket.status != TicketStatus.CALLED:
            raise wrong_state(ticket, "bắt đầu phục vụ", "Chỉ bắt đầu phục vụ được số vừa được mời lên quầy.")
        _require_here(ticket, counter, "bắt đầu phục vụ")
        _start(ticket, at)
    return ticket


def _start(ticket: Ticket, at: dt.datetime) -> None:
    visit = _open_visit(ticket)
    visit.started_at = at
    visit.save(update_fields=["started_at"])
    ticket.status = TicketStatus.SERVING
    ticket.served_started_at = at
    ticket.save(update_fields=["status", "served_started_at"])


def skip(ticket: Ticket, counter: Counter, officer, *, at: dt.datetime | None = None) -> Ticket:
    """The citizen called did not come up: set the number aside (the counter can still recall it today)."""
    at = _now(at)
    with transaction.atomic():
        counter = _lock_counter(counter)
        _require_officer(counter, officer)
        ticket = _lock_ticket(ticket, counter)
        if ticket.status != TicketStatus.CALLED:
            hint = "Hãy kết thúc hoặc chuyển số này." if ticket.status == TicketStatus.SERVING else "Chỉ bỏ qua được số đang được mời lên quầy."
            raise wrong_state(ticket, "bỏ qua", hint)
        _require_here(ticket, counter, "bỏ qua")
        _end_visit(ticket, VisitOutcome.SKIPPED, at)
        ticket.status = TicketStatus.SKIPPED
        ticket.save(update_fields=["status"])
    return ticket


def _end_visit(ticket: Ticket, outcome: str, at: dt.datetime) -> None:
    visit = _open_visit(ticket)
    visit.outcome = outcome
    visit.ended_at = at
    visit.save(update_fields=["outcome", "ended_at"])


def finish(ticket: Ticket, counter: Counter, officer, *, at: dt.datetime | None = None) -> Ticket:
    at = _now(at)
    with transaction.atomic():
        counter = _lock_counter(counter)
        _require_officer(counter, officer)
        ticket = _lock_ticket(ticket, counter)
        if ticket.status != TicketStatus.SERVING:
            hint = (
                "Hãy bấm “Bắt đầu phục vụ” khi công dân đã đến quầy, hoặc “Bỏ qua” nếu công dân không đến."
                if ticket.status == TicketStatus.CALLED else "Chỉ kết thúc được số đang được phục vụ."
            )
            raise wrong_state(ticket, "kết thúc", hint)
        _require_here(ticket, counter, "kết thúc")
        _end_visit(ticket, VisitOutcome.DONE, at)
        ticket.status = TicketStatus.DONE
        ticket.served_finished_at = at
        ticket.save(update_fields=["status", "served_finished_at"])
    return ticket


def transfer(
    ticket: Ticket, counter: Counter, officer, *, to_counter: Counter | None = None, to_group: ServiceGroup | None = None,
    note: str = "", at: dt.datetime | None = None,
) -> Ticket:
    """Send the citizen at this counter to another counter, or to another group's queue: the ticket waits there
    ahead of the tickets not transferred, so nobody queues twice."""
    at = _now(at)
    note = " ".join((note or "").split())
    if (to_counter is None) == (to_group is None):
        raise InvalidInput("Chọn một quầy hoặc một nhóm dịch vụ để chuyển đến.")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"Ghi chú quá dài (tối đa {NOTE_MAX} ký tự).")
    with transaction.atomic():
        counter = _lock_counter(counter)
        _require_officer(counter, officer)
        ticket = _lock_ticket(ticket, counter)
        if ticket.status not in AT_COUNTER:
            raise wrong_state(ticket, "chuyển", "Chỉ chuyển được số đang ở quầy.")
        _require_here(ticket, counter, "chuyển")
        if to_counter is not None:
            to_counter = Counter.objects.get(pk=to_counter.pk)
            if to_counter.unit_id != counter.unit_id:
                raise InvalidInput(f"{to_counter.label} không thuộc trung tâm này.")
            if to_counter.pk == counter.pk:
                raise InvalidInput("Không thể chuyển số sang chính quầy đang phục vụ.")
            if not to_counter.active:
                raise InvalidInput(f"{to_counter.label} đang đóng.")
        if to_group is not None and to_group.unit_id != counter.unit_id:
            raise InvalidInput(f"Nhóm “{to_group.name}” không thuộc trung tâm này.")
        _end_visit(ticket, VisitOutcome.TRANSFERRED, at)
        Transfer.objects.create(ticket=ticket, at=at, by=officer, from_counter=counter, to_counter=to_counter, to_group=to_group, note=note)
        ticket.status = TicketStatus.TRANSFERRED
        ticket.queued_at = at
        ticket.target_counter = to_counter
        if to_group is not None:
            ticket.target_group = to_group
        ticket.served_started_at = ticket.served_finished_at = None
        ticket.save(update_fields=["status", "queued_at", "target_counter", "target_group", "served_started_at", "served_finished_at"])
    return ticket


# ------------------------------------------------------------------------------------------------- dossiers


def link_dossier(ticket: Ticket, dossier, actor=None, *, at: dt.datetime | None = None) -> Ticket:
    """Record that `dossier` was received from the citizen holding `ticket` (the counter's "Tiếp nhận hồ sơ").
    A ticket only called so far starts being served: the officer is clearly serving the citizen."""
    at = _now(at)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.dossier_id == dossier.pk:
            return ticket
        problem = selectors.link_problem(ticket)
        if problem is not None:
            raise QueueError(*problem)
        if actor is not None and not selectors.can_see_ticket(actor, ticket):
            raise QueueError(ErrorCode.NOT_AT_COUNTER, f"Bạn không thuộc đơn vị đã phát số {ticket.code}.", status=403)
        if not selectors.same_centre(ticket.unit, dossier.receiving_unit):
            raise InvalidInput(f"Hồ sơ {dossier.code} được tiếp nhận tại đơn vị khác với nơi phát số {ticket.code}.")
        if ticket.status == TicketStatus.CALLED:
            _start(ticket, at)
        ticket.dossier = dossier
        ticket.save(update_fields=["dossier"])
    return ticket
