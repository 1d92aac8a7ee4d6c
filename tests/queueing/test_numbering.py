"""Ticket numbers: one sequence per centre per local day, never reused; the kiosk's refusals write nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from congvu.queueing import services
from congvu.queueing.errors import QueueError
from congvu.queueing.models import ServiceGroup, Ticket, TicketStatus, Visit, VisitOutcome
from tests.dossiers.conftest import local
from tests.queueing.conftest import at

pytestmark = pytest.mark.django_db


def test_numbers_run_per_centre_per_day_across_groups(queue, place):
    codes = [services.issue_ticket(queue.unit, group, at=at(i)).code for i, group in enumerate([queue.a, queue.b, queue.a])]
    assert codes == ["A001", "B002", "A003"]
    ticket = Ticket.objects.get(code="B002")
    assert (ticket.day.isoformat(), ticket.number, ticket.status) == ("2026-03-02", 2, TicketStatus.WAITING)
    assert ticket.issued_at == ticket.queued_at == at(1)


def test_another_centre_has_its_own_sequence(queue, place):
    other = ServiceGroup.objects.create(unit=place.b, prefix="A", name="Một cửa xã")
    services.issue_ticket(queue.unit, queue.a, at=at(0))
    assert services.issue_ticket(place.b, other, at=at(1)).code == "A001"
    assert services.issue_ticket(queue.unit, queue.a, at=at(2)).code == "A002"


def test_the_day_is_the_local_day_and_numbers_restart_each_day(queue):
    late = services.issue_ticket(queue.unit, queue.a, at=local(2026, 3, 2, 23, 59))
    next_morning = services.issue_ticket(queue.unit, queue.a, at=local(2026, 3, 3, 0, 1))
    # 23:30 on 2 March in UTC is 06:30 on 3 March in Hà Nội: the ticket belongs to the 3rd.
    utc_evening = services.issue_ticket(queue.unit, queue.a, at=dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC))
    assert (late.day.isoformat(), late.code) == ("2026-03-02", "A001")
    assert (next_morning.day.isoformat(), next_morning.code) == ("2026-03-03", "A001")
    assert (utc_evening.day.isoformat(), utc_evening.code) == ("2026-03-03", "A002")


def test_first_ticket_of_a_day_closes_the_days_before(queue):
    waiting = services.issue_ticket(queue.unit, queue.a, at=at(0))
    serving = services.issue_ticket(queue.unit, queue.a, at=at(1))
    services.call_next(queue.c1, queue.officer, at=at(2))
    services.start_serving(waiting, queue.c1, queue.officer, at=at(3))
    # `waiting` is now being served at counter 1 and `serving` still waits; nobody closes the day.
    services.issue_ticket(queue.unit, queue.a, at=local(2026, 3, 3, 7, 30))
    waiting.refresh_from_db()
    serving.refresh_from_db()
    assert waiting.status == TicketStatus.DONE and serving.status == TicketStatus.NO_SHOW
    visit = Visit.objects.get(ticket=waiting)
    assert visit.outcome == VisitOutcome.DONE and visit.ended_at is None  # served, end unknown: no serving time


def test_close_days_command_closes_open_tickets(queue):
    services.issue_ticket(queue.unit, queue.a, at=at(0))
    out = StringIO()
    call_command("close_queue_days", stdout=out)
    assert "Đã đóng 1 số thứ tự" in out.getvalue()
    assert Ticket.objects.get().status == TicketStatus.NO_SHOW


def test_a_group_off_the_kiosk_issues_nothing(queue):
    queue.a.active = False
    queue.a.save()
    with pytest.raises(QueueError) as error:
        services.issue_ticket(queue.unit, queue.a, at=at(0))
    assert error.value.message == "Nhóm “Tư pháp – Hộ tịch” hiện không phát số thứ tự." and error.value.status == 400
    assert not Ticket.objects.exists()
    # The refused ticket took no number: the next one is still 001.
    assert services.issue_ticket(queue.unit, queue.b, at=at(1)).code == "B001"


def test_a_group_of_another_centre_is_refused(queue, place):
    other = ServiceGroup.objects.create(unit=place.b, prefix="C", name="Khác")
    with pytest.raises(QueueError) as error:
        services.issue_ticket(queue.unit, other, at=at(0))
    assert error.value.message == "Nhóm dịch vụ không thuộc trung tâm này." and not Ticket.objects.exists()


def test_number_format_keeps_three_digits_then_grows():
    assert [services.format_number("A", n) for n in (1, 42, 999, 1000)] == ["A001", "A042", "A999", "A1000"]


def test_a_group_stops_at_its_daily_limit_without_using_up_numbers(queue):
    queue.b.daily_limit = 2
    queue.b.save()
    services.issue_ticket(queue.unit, queue.b, at=at(0))
    services.issue_ticket(queue.unit, queue.b, at=at(1))
    with pytest.raises(QueueError) as error:
        services.issue_ticket(queue.unit, queue.b, at=at(2))
    assert (error.value.message, error.value.status) == ("Nhóm “Đất đai” đã phát hết 2 số thứ tự của hôm nay.", 400)
    assert Ticket.objects.count() == 2
    assert services.issue_ticket(queue.unit, queue.a, at=at(3)).code == "A003"  # the refused one took no number
    assert services.issue_ticket(queue.unit, queue.b, at=local(2026, 3, 3, 8, 0)).code == "B001"  # a new day, a new allowance
