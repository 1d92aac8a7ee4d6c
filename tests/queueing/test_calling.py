"""call_next: which ticket a counter calls, and when it may call at all."""

import pytest

from congvu.queueing import services
from congvu.queueing.errors import QueueError
from congvu.queueing.models import Ticket, TicketStatus, Visit
from tests.dossiers.conftest import local
from tests.queueing.conftest import at

pytestmark = pytest.mark.django_db


def issue(queue, *groups, start=0):
    return [services.issue_ticket(queue.unit, getattr(queue, g), at=at(start + i)) for i, g in enumerate(groups)]


def test_oldest_waiting_ticket_of_the_counters_groups_first(queue):
    b1, a2, a3 = issue(queue, "b", "a", "a")
    first = services.call_next(queue.c1, queue.officer, at=at(10))
    assert first.pk == a2.pk  # counter 1 serves A only: B001 is older but not its group
    first.refresh_from_db()
    assert (first.status, first.counter_id, first.called_at, first.first_called_at) == (TicketStatus.CALLED, queue.c1.pk, at(10), at(10))
    second = services.call_next(queue.c2, queue.officer2, at=at(11))
    assert second.pk == b1.pk  # counter 2 serves A and B: the oldest of both
    visit = Visit.objects.get(ticket=b1)
    assert (visit.counter_id, visit.group_id, visit.officer_id, visit.waited_from, visit.called_at) == (
        queue.c2.pk, queue.b.pk, queue.officer2.pk, at(0), at(11))
    assert a3.pk not in {first.pk, second.pk}


def test_nobody_waiting_returns_none_and_writes_nothing(queue):
    issue(queue, "b")
    assert services.call_next(queue.c1, queue.officer, at=at(5)) is None
    assert not Visit.objects.exists() and Ticket.objects.get().status == TicketStatus.WAITING


def test_only_todays_tickets_are_called(queue):
    services.issue_ticket(queue.unit, queue.a, at=local(2026, 3, 1, 16, 0))
    assert services.call_next(queue.c1, queue.officer, at=at(0)) is None


def test_a_counter_with_a_citizen_cannot_call_the_next(queue):
    issue(queue, "a", "a")
    services.call_next(queue.c1, queue.officer, at=at(5))
    with pytest.raises(QueueError) as error:
        services.call_next(queue.c1, queue.officer, at=at(6))
    assert error.value.code == "counter_busy"
    assert error.value.message == (
        "Quầy 1 đang có số A001 (đang được mời lên quầy); hãy kết thúc, bỏ qua hoặc chuyển số này trước khi gọi số tiếp theo."
    )
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1


def test_only_the_officer_on_duty_calls(queue, staff):
    issue(queue, "a")
    with pytest.raises(QueueError) as error:
        services.call_next(queue.c1, queue.officer2, at=at(5))
    assert error.value.message == "Bạn không trực Quầy 1; hãy nhận quầy trước khi gọi số."
    with pytest.raises(QueueError):
        services.call_next(queue.c3, queue.officer, at=at(5))  # nobody sits at counter 3
    assert not Visit.objects.exists()


def test_a_closed_counter_calls_nothing(queue):
    issue(queue, "a")
    queue.c1.active = False
    queue.c1.save()
    with pytest.raises(QueueError) as error:
        services.call_next(queue.c1, queue.officer, at=at(5))
    assert error.value.message == "Quầy 1 đang đóng."


def test_transferred_tickets_go_to_the_front_of_their_new_queue(queue):
    a1, b2, b3 = issue(queue, "a", "b", "b")
    services.call_next(queue.c1, queue.officer, at=at(10))
    services.start_serving(a1, queue.c1, queue.officer, at=at(11))
    services.transfer(a1, queue.c1, queue.officer, to_group=queue.b, note="Hỏi thêm về đất", at=at(15))
    # Counter 3 serves B: the transferred A001 comes before B002 and B003, which waited longer.
    services.take_counter(queue.c3, queue.officer)
    assert services.call_next(queue.c3, queue.officer, at=at(16)).pk == a1.pk
    assert services.call_next(queue.c2, queue.officer2, at=at(17)).pk == b2.pk


def test_a_ticket_transferred_to_a_counter_is_called_only_there(queue):
    a1, a2 = issue(queue, "a", "a")
    services.call_next(queue.c2, queue.officer2, at=at(10))
    services.transfer(a1, queue.c2, queue.officer2, to_counter=queue.c3, at=at(12))
    # Counter 1 serves A, but A001 now waits for counter 3 only.
    assert services.call_next(queue.c1, queue.officer, at=at(13)).pk == a2.pk
    services.take_counter(queue.c3, queue.officer2)
    assert services.call_next(queue.c3, queue.officer2, at=at(14)).pk == a1.pk
