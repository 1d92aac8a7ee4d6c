"""Two connections acting on one dossier at once, and intakes racing for codes (PostgreSQL only: SQLite
serialises writers for the whole database, so there is no race to observe)."""

import threading

import pytest
from django.db import connection, connections

from congvu.dossiers.models import Dossier
from congvu.dossiers.services import DossierError, perform_action
from tests.dossiers.conftest import local

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


def test_two_actions_at_once_one_wins(receive, staff):
    d = receive()
    version = d.lock_version
    actions = [("start_processing", {}), ("withdraw", {"reason": "Công dân xin rút."})]

    def work(i):
        name, params = actions[i]
        return perform_action(Dossier.objects.get(pk=d.pk), name, actor=staff.officer, expected_version=version, **params)

    outcomes = _race(2, work)
    errors = [o for o in outcomes if isinstance(o, DossierError)]
    wins = [o for o in outcomes if isinstance(o, Dossier)]
    assert len(wins) == 1 and len(errors) == 1, outcomes
    assert errors[0].code in ("conflict", "transition_not_allowed")
    d.refresh_from_db()
    assert d.event_count == 2 and d.lock_version == version + 1 and d.state == wins[0].state


def test_concurrent_intake_codes_unique(receive):
    outcomes = _race(6, lambda i: receive(at=local(2026, 3, 2, 9, i)).code)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert sorted(outcomes) == [f"H99.01.TT1-260302-{n:04d}" for n in range(1, 7)]
