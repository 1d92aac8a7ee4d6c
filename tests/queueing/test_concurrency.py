"""Counters racing for tickets, and kiosks racing for numbers, on real connections (PostgreSQL only: SQLite
serialises writers for the whole database, so there is no race to observe)."""

import threading

import pytest
from django.db import connection, connections

from congvu.queueing import services
from congvu.queueing.errors import QueueError
from congvu.queueing.models import Counter, Ticket, TicketStatus, Visit
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD
from tests.queueing.conftest import at

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"),
]


def _race(n, work):
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def run(i):
        try:
            barrier.wait()
            outcomes[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.fixture
def six_counters(queue):
    """Six counters of group A, each with its own officer."""
    counters = []
    for n in range(6):
        counter = Counter.objects.create(unit=queue.unit, number=10 + n)
        counter.groups.set([queue.a])
        officer = units.create_staff_member(f"quay{n}", f"Cán bộ quầy {n}", queue.unit, Role.ONE_STOP_OFFICER, password=PASSWORD).user
        services.take_counter(counter, officer)
        counter.refresh_from_db()
        counters.append((counter, officer))
    return counters


def test_counters_calling_at_once_never_share_a_ticket(queue, six_counters):
    for i in range(4):
        services.issue_ticket(queue.unit, queue.a, at=at(i))

    def work(i):
        counter, officer = six_counters[i]
        ticket = services.call_next(counter, officer, at=at(30))
        return ticket.code if ticket else None

    outcomes = _race(6, work)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    called = [o for o in outcomes if o]
    # Four tickets, six counters: every ticket called exactly once, two counters find nobody waiting.
    assert sorted(called) == ["A001", "A002", "A003", "A004"] and outcomes.count(None) == 2
    assert Visit.objects.count() == 4
    assert Ticket.objects.filter(status=TicketStatus.CALLED).values("counter").distinct().count() == 4


def test_repeated_rounds_keep_calls_unique(queue, six_counters):
    for i in range(18):
        services.issue_ticket(queue.unit, queue.a, at=at(i))
    for round_ in range(3):
        def work(i, round_=round_):
            counter, officer = six_counters[i]
            ticket = services.call_next(counter, officer, at=at(30 + round_))
            services.start_serving(ticket, counter, officer, at=at(30.5 + round_))
            services.finish(ticket, counter, officer, at=at(30.9 + round_))
            return ticket.code

        outcomes = _race(6, work)
        assert all(isinstance(o, str) for o in outcomes), outcomes
    assert Visit.objects.count() == 18 and Visit.objects.values("ticket").distinct().count() == 18
    assert Ticket.objects.filter(status=TicketStatus.DONE).count() == 18


def test_kiosks_issuing_at_once_get_distinct_numbers(queue):
    outcomes = _race(8, lambda i: services.issue_ticket(queue.unit, queue.a if i % 2 else queue.b, at=at(1)).number)
    assert sorted(outcomes) == list(range(1, 9)), outcomes


def test_one_counter_pressed_twice_calls_once(queue):
    for i in range(2):
        services.issue_ticket(queue.unit, queue.a, at=at(i))
    outcomes = _race(2, lambda i: services.call_next(queue.c1, queue.officer, at=at(5)).code)
    codes = [o for o in outcomes if isinstance(o, str)]
    errors = [o for o in outcomes if not isinstance(o, str)]
    assert codes == ["A001"] and len(errors) == 1 and errors[0].code == "counter_busy", outcomes


def test_one_officer_taking_two_counters_at_once_ends_at_one(queue):
    targets = [queue.c2, queue.c3]
    outcomes = _race(2, lambda i: services.take_counter(targets[i], queue.officer))
    assert all(isinstance(o, (Counter, QueueError)) for o in outcomes), outcomes
    assert all(o.message == "Bạn vừa nhận một quầy khác; hãy tải lại trang." for o in outcomes if isinstance(o, QueueError))
    assert Counter.objects.filter(officer=queue.officer).count() == 1
