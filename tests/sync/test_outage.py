"""The adapter down for a while, dossiers moving on meanwhile, then back: everything catches up, in order, and
nothing reaches the portal twice (counted in the fake's received bodies)."""

import pytest

from congvu.dossiers.models import Dossier
from congvu.dossiers.services import perform_action
from congvu.sync import delivery
from congvu.sync.models import PortalSync, SyncState
from tests.sync.sync_fixtures import (  # noqa: F401 - fixtures
    catalogue, drain, fast_retries, full_life, history_sent, local, place, portal, receive, service_count, staff,
)

pytestmark = pytest.mark.django_db


def test_outage_then_catch_up_without_duplicates(receive, staff, portal, fast_retries):
    synced = receive(at=local(2026, 3, 2, 8))
    drain()
    portal.go_down()
    # During the outage: the synced dossier moves on, new ones arrive, one goes through its whole life.
    perform_action(synced, "start_processing", actor=staff.officer, at=local(2026, 3, 2, 9))
    others = [receive(at=local(2026, 3, 2, 10 + n)) for n in range(3)]
    full_life(others[0], staff, day=3)
    outcomes = drain(rounds=8, step=100)
    assert outcomes and all(o.transient and not o.ok for o in outcomes)
    assert set(PortalSync.objects.values_list("state", flat=True)) == {SyncState.PENDING}
    assert all(s.error_code == "network" for s in PortalSync.objects.exclude(dossier=synced))
    portal.come_back()
    drain(rounds=3, step=10_000)
    assert set(PortalSync.objects.values_list("state", flat=True)) == {SyncState.ACKNOWLEDGED}
    for d in Dossier.objects.all():
        assert history_sent(portal, d.code) == portal.history[d.code]
        assert len(portal.history[d.code]) == d.event_count
        assert portal.dossiers[d.code]["TrangThaiHoSo"] == str(d.dossier_state.national_code)
    # Four dossiers created once each; the synced one updated once, the others sent once after the outage.
    counts = service_count(portal)
    assert counts["DongBoHoSoMC"] == 5 and counts["TraCuuHoSo"] == 4
    assert portal.problems == []


def test_a_failure_midway_resumes_after_the_acknowledged_items(receive, staff, portal, fast_retries, monkeypatch):
    from congvu.sync import fields

    original_chunks = fields.chunks
    monkeypatch.setattr(fields, "chunks", lambda items: original_chunks(items, 3))
    d = full_life(receive(at=local(2026, 3, 2, 8)), staff, day=3)  # 8 events: chunks of 3, 3, 2
    adapter = delivery.make_client()
    history_calls = []

    class SecondChunkRefused:
        def call(self, service, fields_, **kwargs):
            if service == fields.HISTORY_SERVICE:
                history_calls.append(len(fields_["data"]))
                if len(history_calls) == 2:
                    portal.fail_next(1, code="-1", message="Lỗi hệ thống")
            return adapter.call(service, fields_, **kwargs)

    [first] = delivery.deliver_due(adapter=SecondChunkRefused())
    assert not first.ok and first.history_items == 3
    assert PortalSync.objects.get(dossier=d).acked_seq == 3
    [second] = delivery.deliver_due(now=delivery.timezone.now() + delivery.dt.timedelta(seconds=11), adapter=SecondChunkRefused())
    assert second.ok and second.record == "unchanged" and second.history_items == 5
    assert history_calls == [3, 3, 3, 2]
    sent = history_sent(portal, d.code)
    assert len(sent) == 8 + 3  # the refused chunk went twice, nothing acknowledged was sent again
    assert len(portal.history[d.code]) == d.event_count == 8
