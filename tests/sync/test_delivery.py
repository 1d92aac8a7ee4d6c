"""Delivery of the sync queue through the fake adapter: the change written in the event's transaction, the
order of calls per dossier, "already exists" → update, an unchanged record not sent again, retries with
backoff, giving up, resending, the lease of a dead worker, and concurrent workers never sending twice."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from congvu.dossiers.models import Dossier
from congvu.dossiers.services import perform_action
from congvu.sync import delivery, services
from congvu.sync.models import ChangeKind, ChangeState, PortalChange, PortalSync, ResendRecord, SyncState
from tests.sync.sync_fixtures import (  # noqa: F401 - fixtures
    catalogue, drain, fast_retries, history_sent, local, no_adapter, ops, place, portal, receive, service_count, staff,
)

pytestmark = pytest.mark.django_db


def later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_each_event_queues_a_change_in_its_own_transaction(receive, staff):
    d = receive()
    assert list(PortalChange.objects.filter(dossier=d).values_list("seq", "kind", "state")) == [(1, ChangeKind.EVENT, ChangeState.PENDING)]
    sync = PortalSync.objects.get(dossier=d)
    assert sync.state == SyncState.PENDING and sync.next_attempt_at is not None
    with pytest.raises(RuntimeError), transaction.atomic():
        perform_action(d, "start_processing", actor=staff.officer)
        raise RuntimeError("rolled back")
    assert PortalChange.objects.filter(dossier=d).count() == 1  # the rolled-back event left no change behind
    perform_action(d, "start_processing", actor=staff.officer)
    assert list(PortalChange.objects.filter(dossier=d).values_list("seq", flat=True)) == [1, 2]


def test_nothing_is_sent_while_sync_is_not_configured(receive, no_adapter):
    d = receive()
    assert delivery.deliver_due() == []
    assert PortalChange.objects.get(dossier=d).state == ChangeState.PENDING
    assert PortalSync.objects.get(dossier=d).state == SyncState.PENDING


def test_a_new_dossier_is_looked_up_created_then_its_history_sent(receive, staff, portal):
    d = receive()
    [outcome] = delivery.deliver_due()
    assert outcome.ok and outcome.record == "created" and outcome.history_items == 1
    assert ops(portal) == ["auth", "TraCuuHoSo", "DongBoHoSoMC", "CapNhatTienDoHoSoMC"]
    assert portal.received[2]["isUpdating"] == "False" and portal.received[2]["data"][0]["MaHoSo"] == d.code
    assert portal.dossiers[d.code]["TrangThaiHoSo"] == "2" and len(portal.history[d.code]) == 1
    sync = PortalSync.objects.get(dossier=d)
    assert (sync.state, sync.on_portal, sync.acked_seq, sync.attempts) == (SyncState.ACKNOWLEDGED, True, 1, 0)
    assert sync.last_payload_hash and sync.last_acked_at and sync.next_attempt_at is None
    assert PortalChange.objects.get(dossier=d).state == ChangeState.ACKNOWLEDGED
    # The next change: no look-up (we know), an update, and only the new history item.
    perform_action(d, "start_processing", actor=staff.officer)
    [outcome] = delivery.deliver_due()
    assert outcome.record == "updated" and outcome.history_items == 1
    assert ops(portal)[4:] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"] and portal.received[4]["isUpdating"] == "True"
    assert [i["TrangThai"] for i in portal.history[d.code]] == ["2", "4"]
    assert portal.problems == []


def test_already_exists_switches_to_update_at_once(receive, portal):
    d = receive()
    delivery.deliver_due()
    # We lost what we knew (say, a restored backup): the portal answers "already exists" and we update.
    PortalSync.objects.filter(dossier=d).update(on_portal=False, last_payload_hash="", state=SyncState.PENDING, next_attempt_at=timezone.now())
    PortalChange.objects.create(dossier=d, kind=ChangeKind.EVENT, seq=0)
    [outcome] = delivery.deliver_due()
    assert outcome.ok and outcome.record == "updated"
    assert ops(portal)[-2:] == ["DongBoHoSoMC", "DongBoHoSoMC"]
    assert [b["isUpdating"] for b in portal.received[-2:]] == ["False", "True"]
    assert history_sent(portal, d.code) == portal.history[d.code]  # the acknowledged item was not sent again


def test_an_unchanged_record_is_not_sent_again(receive, portal):
    d = receive()
    delivery.deliver_due()
    before = len(portal.received)
    PortalChange.objects.create(dossier=d, kind=ChangeKind.EVENT, seq=0)  # a change that alters nothing we send
    PortalSync.objects.filter(dossier=d).update(next_attempt_at=timezone.now())
    [outcome] = delivery.deliver_due()
    assert outcome.ok and outcome.record == "unchanged" and outcome.history_items == 0
    assert len(portal.received) == before


def test_error_answers_retry_with_backoff_then_succeed(receive, portal, fast_retries):
    d = receive()
    portal.fail_next(2, code="-1", message="Lỗi hệ thống")
    [first] = delivery.deliver_due()
    assert not first.ok and not first.failed and first.error_code == "-1" and "Lỗi hệ thống" in first.error
    sync = PortalSync.objects.get(dossier=d)
    assert sync.state == SyncState.PENDING and sync.attempts == 1 and sync.error_code == "-1"
    assert 9 <= (sync.next_attempt_at - timezone.now()).total_seconds() <= 10  # backoff 10 s
    assert delivery.deliver_due() == []  # not due yet
    clock = later(11)
    [second] = delivery.deliver_due(now=clock)
    assert not second.ok
    assert 19 <= (PortalSync.objects.get(dossier=d).next_attempt_at - clock).total_seconds() <= 20.5  # doubled
    [third] = delivery.deliver_due(now=clock + dt.timedelta(seconds=21))
    assert third.ok
    sync.refresh_from_db()
    assert (sync.state, sync.attempts, sync.error_code, sync.error_message) == (SyncState.ACKNOWLEDGED, 0, "", "")
    assert len(portal.history[d.code]) == 1 and len(history_sent(portal, d.code)) == 1


def test_gives_up_after_the_maximum_then_an_administrator_resends(receive, staff, portal, fast_retries):
    d = receive()
    portal.fail_next(3, code="-1", message="Dữ liệu không hợp lệ: thử nghiệm")
    outcomes = drain(step=100)
    assert [o.failed for o in outcomes] == [False, False, True]
    sync = PortalSync.objects.get(dossier=d)
    assert sync.state == SyncState.FAILED and sync.next_attempt_at is None and "thử nghiệm" in sync.error_message
    assert PortalChange.objects.get(dossier=d).state == ChangeState.FAILED
    # A new event on a failed dossier is queued but does not retry by itself.
    perform_action(d, "start_processing", actor=staff.officer)
    assert delivery.deliver_due(now=later(10_000)) == []
    services.resend(d, by=staff.leader)
    assert ResendRecord.objects.get(dossier=d).by == staff.leader
    [outcome] = delivery.deliver_due()
    assert outcome.ok and outcome.history_items == 2
    assert [i["TrangThai"] for i in portal.history[d.code]] == ["2", "4"]
    assert PortalSync.objects.get(dossier=d).state == SyncState.ACKNOWLEDGED


def test_resend_of_a_synced_dossier_sends_everything_again(receive, staff, portal):
    d = perform_action(receive(), "start_processing", actor=staff.officer)
    delivery.deliver_due()
    services.resend(d, by=staff.leader)
    [outcome] = delivery.deliver_due()
    assert outcome.ok and outcome.looked_up and outcome.record == "updated" and outcome.history_items == 2
    assert ResendRecord.objects.get().full_resend


def test_network_errors_keep_retrying_past_the_maximum(receive, portal, fast_retries):
    d = receive()
    portal.go_down()
    outcomes = drain(rounds=6, step=100)
    assert len(outcomes) >= 5 and all(o.transient and not o.failed for o in outcomes)
    sync = PortalSync.objects.get(dossier=d)
    assert sync.state == SyncState.PENDING and sync.error_code == "network" and sync.attempts >= 5
    portal.come_back()
    [outcome] = delivery.deliver_due(now=later(10_000))
    assert outcome.ok and PortalSync.objects.get(dossier=d).state == SyncState.ACKNOWLEDGED


def test_a_worker_that_dies_leaves_the_dossier_to_the_next_one(receive, portal, fast_retries):
    d = receive()
    claimed = delivery.claim_next()  # ... and the worker dies before sending
    assert claimed.dossier_id == d.pk and PortalSync.objects.get(dossier=d).state == SyncState.SENT
    assert delivery.deliver_due() == []  # leased: nobody else takes it
    [outcome] = delivery.deliver_due(now=later(31))  # the lease ran out
    assert outcome.ok and len(history_sent(portal, d.code)) == 1


def test_a_late_worker_cannot_overwrite_the_one_that_took_over(receive, portal, fast_retries):
    d = receive()
    stale = delivery.claim_next()
    fresh = delivery.claim_next(now=later(31))
    assert fresh.claim_token != stale.claim_token
    lost = delivery.send_claimed(stale, delivery.make_client())
    assert lost.lease_lost and not lost.ok
    assert delivery.send_claimed(fresh, delivery.make_client()).ok
    assert PortalSync.objects.get(dossier=d).state == SyncState.ACKNOWLEDGED


def test_one_dossier_is_never_claimed_by_two_workers(receive, portal):
    first, second = receive(), receive()
    a = delivery.claim_next()
    b = delivery.claim_next()
    assert {a.dossier_id, b.dossier_id} == {first.pk, second.pk}
    assert delivery.claim_next() is None


def test_changes_queued_while_sending_are_sent_next(receive, staff, portal):
    d = receive()
    claimed = delivery.claim_next()
    adapter = delivery.make_client()

    class ActsWhileSending:
        def call(self, service, fields_, **kwargs):
            if service == "TraCuuHoSo":  # the worker has read the dossier's changes: a new event arrives now
                perform_action(d, "start_processing", actor=staff.officer)
                assert PortalSync.objects.get(dossier=d).claim_token == claimed.claim_token  # the lease holds
            return adapter.call(service, fields_, **kwargs)

    outcome = delivery.send_claimed(claimed, ActsWhileSending())
    assert outcome.ok and outcome.history_items == 1
    assert PortalSync.objects.get(dossier=d).state == SyncState.PENDING  # due again at once
    [outcome] = delivery.deliver_due()
    assert outcome.ok and [i["TrangThai"] for i in portal.history[d.code]] == ["2", "4"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent transactions need PostgreSQL")
def test_concurrent_workers_never_send_a_change_twice(receive, staff, portal):
    dossiers = [receive() for _ in range(12)]
    for d in dossiers[:6]:
        perform_action(d, "start_processing", actor=staff.officer)
    barrier = threading.Barrier(3)
    errors = []

    def work():
        try:
            barrier.wait()
            for _ in range(5):
                delivery.deliver_due(limit=1000)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = service_count(portal)
    assert counts["DongBoHoSoMC"] == 12
    for d in Dossier.objects.all():
        sent = history_sent(portal, d.code)
        assert len(sent) == d.event_count and len(portal.history[d.code]) == d.event_count
    assert set(PortalSync.objects.values_list("state", flat=True)) == {SyncState.ACKNOWLEDGED}
