"""The lookup page's cost: a fixed number of queries in every state, whatever the length of the dossier's
history, and the whole history even when an event lies outside the time bounds the page reads events in."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from congvu.dossiers.models import Dossier, DossierEvent
from congvu.dossiers.services import perform_action
from congvu.portal import ratelimit
from tests.portal.test_lookup import STATE_HEADLINES, make, path_of  # noqa: F401

pytestmark = pytest.mark.django_db

# The rate limit's one statement, the dossier with what its page shows, then its events, steps and results
# in one UNION ALL; a few states need one thing more.
BASE = 3
EXTRA = {
    "awaiting_supplement": 1,  # the open request and what it asks for
    "awaiting_payment": 1,  # the unpaid requests
    "not_accepted": 1,  # the version in force, to offer filing again
}


@pytest.fixture(autouse=True)
def _purged_just_now(monkeypatch):
    # The once-a-minute purge of old counters (test_ratelimit.py) would otherwise land in whichever test
    # this process runs first.
    monkeypatch.setitem(ratelimit._purged, "at", timezone.now())


def _queries(client, dossier) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path_of(dossier))
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.parametrize("state", sorted(STATE_HEADLINES))
def test_queries_per_state(client, make, state):
    count, html = _queries(client, make(state))
    assert STATE_HEADLINES[state] in html
    assert count == BASE + EXTRA.get(state, 0)


def test_queries_do_not_grow_with_the_history(client, make, staff):
    short = make("processing")
    long = make("processing")
    for _ in range(4):
        long = perform_action(long, "send_back", actor=staff.specialist, reason="Xem lại")
        long = perform_action(long, "forward", actor=staff.officer)
    assert long.event_count >= short.event_count + 8
    assert _queries(client, short)[0] == _queries(client, long)[0] == BASE


def test_an_event_outside_the_time_bounds_is_still_shown(client, make, staff):
    """An imported history may hold an event dated before the filing; the dossier's event_count reveals that
    the bounded read missed it, and the page reads the events again without bounds."""
    dossier = make("received")
    dossier.refresh_from_db()
    early = dossier.received_at - dt.timedelta(days=3)
    last_seq = dossier.events.order_by("-seq").values_list("seq", flat=True)[0]
    DossierEvent.objects.create(
        dossier=dossier, seq=last_seq + 1, action="start_processing", actor=staff.officer, at=early, to_state="processing",
    )
    Dossier.objects.filter(pk=dossier.pk).update(event_count=dossier.event_count + 1)
    dossier.refresh_from_db()
    count, html = _queries(client, dossier)
    assert timezone.localtime(early).strftime("%d/%m/%Y %H:%M") in html and "Bắt đầu giải quyết" in html
    assert count == BASE + 1
