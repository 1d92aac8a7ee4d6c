"""Several delivery workers on one PostgreSQL database: SELECT … FOR UPDATE SKIP LOCKED gives each row to
exactly one of them (SQLite serialises writers for the whole database, so there is no race to observe)."""

import threading

import pytest
from django.db import connection, connections

from congvu.notify import delivery, services
from congvu.notify.models import OutboxMessage, Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL"),
]


def test_concurrent_workers_never_take_the_same_row(demo_mailbox, monkeypatch):
    for n in range(40):
        services.enqueue("feedback_answered", key=f"fb-{n}", context={}, email=f"nguoi{n}@example.vn")
    taken: list[int] = []
    lock = threading.Lock()
    original = delivery.claim_next

    def recording_claim(now=None, policy=None):
        message = original(now, policy)
        if message is not None:
            with lock:
                taken.append(message.pk)
        return message

    monkeypatch.setattr(delivery, "claim_next", recording_claim)
    barrier = threading.Barrier(4)
    errors = []

    def work():
        try:
            barrier.wait()
            delivery.deliver_due(limit=1000)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(taken) == sorted(OutboxMessage.objects.values_list("pk", flat=True))  # each once
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}
