"""Reads about the queue: who may operate a counter or see statistics (through `units.selectors`, the one scoping
rule), the queue a counter calls from, the kiosk's waiting counts and the display board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db.models import Case, Count, IntegerField, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.queueing.errors import ErrorCode, wrong_state
from congvu.queueing.models import AT_COUNTER, QUEUED, Counter, ServiceGroup, Ticket, TicketStatus
from congvu.units.models import Role, Unit
from congvu.units.selectors import can_see_unit, scope_queryset, staff_profile_of

# Statistics are for those who run a centre or measure it (Decision 766 scores waiting at the one-stop shop).
STATISTICS_ROLES = {Role.UNIT_LEADER, Role.REFORM_ADMIN, Role.SYSTEM_ADMIN}
# The board announces a call for this long, and highlights the counter's row for the first seconds.
ANNOUNCE_SECONDS = 30
FLASH_SECONDS = 8
RECENT_CALLS = 6
TICKET_LINK_SALT = "congvu.queueing.ticket"
TICKET_LINK_MAX_AGE = 24 * 3600


def parse_id(raw) -> int | None:
    """A row id typed or posted by someone: ASCII digits of a sane length ("²" is a digit to Python, not to int)."""
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def unit_by_code(code: str) -> Unit | None:
    if not code or "\x00" in code:  # PostgreSQL refuses NUL in a parameter; no unit code has one
        return None
    return Unit.objects.filter(code=code).first()


def _is_staff_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and (user.is_superuser or staff_profile_of(user) is not None))


def can_operate(user, counter: Counter) -> bool:
    """Staff of the counter's centre (or of a unit above it) may sit at it and call numbers."""
    return _is_staff_member(user) and can_see_unit(user, counter.unit)


def can_see_ticket(user, ticket: Ticket) -> bool:
    return _is_staff_member(user) and can_see_unit(user, ticket.unit)


def can_see_statistics(user, unit: Unit) -> bool:
    if not _is_staff_member(user) or not can_see_unit(user, unit):
        return False
    if user.is_superuser:
        return True
    return staff_profile_of(user).role in STATISTICS_ROLES


def same_centre(ticket_unit: Unit, receiving_unit: Unit) -> bool:
    """Whether a dossier received by `receiving_unit` may come from a ticket of `ticket_unit`: the same unit, or
    one under the other (a desk inside the centre; a commune whose centre issues the tickets)."""
    return receiving_unit.path.startswith(ticket_unit.path) or ticket_unit.path.startswith(receiving_unit.path)


def visible_counters(user) -> QuerySet[Counter]:
    return scope_queryset(Counter.objects.select_related("unit", "officer"), user).order_by("unit__name", "unit_id", "number")


def counter_of(user) -> Counter | None:
    """The counter the user sits at, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Counter.objects.select_related("unit").filter(officer_id=user.pk).first()


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket at the counter now (called or being served); there is at most one."""
    return Ticket.objects.select_related("group", "dossier").filter(counter_id=counter.pk, status__in=AT_COUNTER).first()


def _queue_q(group_id: int) -> Q:
    return Q(target_group_id=group_id) | Q(target_group__isnull=True, group_id=group_id)


def queue_of(counter: Counter, day: dt.date) -> QuerySet[Ticket]:
    """The tickets this counter may call on `day`: sent to it by a transfer, or waiting in one of its groups."""
    group_ids = list(counter.groups.values_list("pk", flat=True))
    return Ticket.objects.filter(unit_id=counter.unit_id, day=day, status__in=QUEUED).filter(
        Q(target_counter_id=counter.pk)
        | Q(target_counter__isnull=True) & (Q(target_group_id__in=group_ids) | Q(target_group__isnull=True, group_id__in=group_ids))
    )


def in_call_order(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Transferred tickets first (they keep their place at the front), then by the time they joined the queue."""
    front = Case(When(status=TicketStatus.TRANSFERRED, then=0), default=1, output_field=IntegerField())
    return tickets.annotate(front=front).order_by("front", "queued_at", "number")


def queue_in_order(counter: Counter, day: dt.date) -> QuerySet[Ticket]:
    """The tickets a counter may call, in the order `call_next` takes them."""
    return in_call_order(queue_of(counter, day).select_related("group", "target_group"))


def ahead_of(ticket: Ticket) -> int | None:
    """How many tickets of the same queue will be called before this one; None once it is no longer waiting."""
    if ticket.status not in QUEUED:
        return None
    same_queue = Ticket.objects.filter(
        _queue_q(ticket.target_group_id or ticket.group_id), unit_id=ticket.unit_id, day=ticket.day, status__in=QUEUED, target_counter__isnull=True,
    ).exclude(pk=ticket.pk)
    earlier = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, number__lt=ticket.number)
    if ticket.status == TicketStatus.TRANSFERRED:
        return same_queue.filter(earlier, status=TicketStatus.TRANSFERRED).count()
    return same_queue.filter(Q(status=TicketStatus.TRANSFERRED) | earlier).count()


def waiting_by_group(unit: Unit, day: dt.date) -> dict[int, int]:
    rows = (
        Ticket.objects.filter(unit_id=unit.pk, day=day, status__in=QUEUED)
        .annotate(queue=Coalesce("target_group_id", "group_id"))
        .values("queue").annotate(n=Count("pk")).values_list("queue", "n")
    )
    return dict(rows)


def kiosk_groups(unit: Unit, day: dt.date) -> list[tuple[ServiceGroup, int]]:
    """The kiosk's buttons: the centre's active groups with how many people wait in each."""
    waiting = waiting_by_group(unit, day)
    groups = ServiceGroup.objects.filter(unit=unit, active=True).prefetch_related("fields").order_by("position", "prefix")
    return [(group, waiting.get(group.pk, 0)) for group in groups]


def skipped_at(counter: Counter, day: dt.date) -> QuerySet[Ticket]:
    """Numbers this counter set aside today, which it can still recall."""
    return Ticket.objects.filter(counter_id=counter.pk, day=day, status=TicketStatus.SKIPPED).order_by("called_at")


# ------------------------------------------------------------------------------------------------- the board


@dataclass(frozen=True)
class BoardRow:
    counter: Counter
    ticket: Ticket | None
    fresh: bool


@dataclass(frozen=True)
class Board:
    unit: Unit
    now: dt.datetime
    rows: list[BoardRow]
    announcement: Ticket | None
    recent: list[Ticket]
    waiting: list[tuple[ServiceGroup, int]]


def board(unit: Unit, now: dt.datetime | None = None) -> Board:
    """What the display board shows: each open counter with the number it serves, the latest call (announced
    for `ANNOUNCE_SECONDS`), the last few calls, and how many wait in each group. Four queries."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    at_counter = {t.counter_id: t for t in Ticket.objects.filter(unit_id=unit.pk, day=day, status__in=AT_COUNTER)}

    def fresh(ticket: Ticket | None) -> bool:
        return ticket is not None and ticket.called_at is not None and (now - ticket.called_at).total_seconds() <= FLASH_SECONDS

    rows = [BoardRow(c, at_counter.get(c.pk), fresh(at_counter.get(c.pk))) for c in Counter.objects.filter(unit_id=unit.pk, active=True).order_by("number")]
    recent = list(
        Ticket.objects.filter(unit_id=unit.pk, day=day, called_at__isnull=False, status__in=AT_COUNTER)
        .select_related("counter").order_by("-called_at", "-number")[:RECENT_CALLS]
    )
    latest = recent[0] if recent and (now - recent[0].called_at).total_seconds() <= ANNOUNCE_SECONDS else None
    return Board(unit=unit, now=now, rows=rows, announcement=latest, recent=recent, waiting=kiosk_groups(unit, day))


# ------------------------------------------------------------------------------------------------- tickets


def ticket_token(ticket: Ticket) -> str:
    """The kiosk's link to a printed ticket: signed, so numbers cannot be walked through by changing an id."""
    return signing.dumps(ticket.pk, salt=TICKET_LINK_SALT)


def ticket_by_token(unit: Unit, token: str) -> Ticket | None:
    try:
        pk = signing.loads(token, salt=TICKET_LINK_SALT, max_age=TICKET_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return Ticket.objects.select_related("group", "unit", "counter").filter(pk=pk, unit_id=unit.pk).first()


LINKABLE = (TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.DONE)


def link_problem(ticket: Ticket) -> tuple[str, str] | None:
    """(error code, Vietnamese message) when a dossier cannot be linked to the ticket now, else None."""
    if ticket.dossier_id is not None:
        return ErrorCode.ALREADY_LINKED, f"Số {ticket.code} đã gắn với hồ sơ {ticket.dossier.code}."
    if ticket.status not in LINKABLE:
        return ErrorCode.WRONG_STATE, wrong_state(ticket, "gắn hồ sơ với", "Chỉ gắn được hồ sơ với số đã được gọi lên quầy.").message
    return None


def ticket_for_intake(user, raw: str) -> tuple[Ticket | None, str]:
    """The ticket named by the intake form's `ticket` value, or None and why it is ignored. A ticket the user
    may not see reads as one that does not exist."""
    raw = (raw or "").strip()
    not_found = _("Queue ticket “%(ticket)s” was not found; the dossier is received without a ticket.") % {"ticket": raw[:20]}
    pk = parse_id(raw)
    if pk is None:
        return None, not_found
    ticket = Ticket.objects.select_related("unit", "group", "counter", "dossier").filter(pk=pk).first()
    if ticket is None or not can_see_ticket(user, ticket):
        return None, not_found
    problem = link_problem(ticket)
    if problem is not None:
        return None, _("%(problem)s The dossier is received without a ticket.") % {"problem": problem[1]}
    return ticket, ""
