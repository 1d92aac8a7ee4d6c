"""Several dossiers taken through their whole lives and synced through the fake adapter: every record and
history item valid (the fake checks each against the field list), every national status 1–10 reached, the
history of each dossier on the portal in order, once."""

import pytest

from congvu.dossiers.models import Dossier
from congvu.dossiers.services import accept_online, perform_action, reject_online, submit_online
from congvu.sync.models import PortalChange, PortalSync, SyncState
from tests.dossiers.conftest import CITIZEN
from tests.sync.sync_fixtures import (  # noqa: F401 - fixtures
    catalogue, drain, full_life, history_sent, local, ops, place, portal, receive, service_count, staff,
)

pytestmark = pytest.mark.django_db


def _lives(receive, staff, place, catalogue):
    """Dossiers that between them pass through every national status (1–10)."""
    returned = full_life(receive(at=local(2026, 3, 2, 9)), staff, day=3)  # 2, 4, 5, 9, 10
    d = perform_action(receive(at=local(2026, 3, 2, 10)), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 11))
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, 2, 12))
    paying = perform_action(d, "request_payment", actor=staff.specialist, amount_vnd=50000, description="Lệ phí", at=local(2026, 3, 3, 9))  # 6
    withdrawn = perform_action(receive(at=local(2026, 3, 2, 11)), "withdraw", actor=staff.officer, reason="Công dân xin rút", at=local(2026, 3, 3, 9))  # 7
    stopped = perform_action(
        perform_action(receive(at=local(2026, 3, 2, 12)), "start_processing", actor=staff.officer, at=local(2026, 3, 2, 13)),
        "stop", actor=staff.leader, reason="Dừng theo đề nghị", at=local(2026, 3, 3, 9),
    )  # 8
    online = submit_online(place.centre, catalogue.five, dict(CITIZEN), at=local(2026, 3, 2, 8))  # 1
    refused = submit_online(place.centre, catalogue.five, dict(CITIZEN), at=local(2026, 3, 2, 8, 30))
    return returned, paying, withdrawn, stopped, online, refused


def test_the_lifecycle_of_several_dossiers_reaches_the_portal_in_order(receive, staff, place, catalogue, portal):
    dossiers = _lives(receive, staff, place, catalogue)
    online, refused = dossiers[-2:]
    drain()
    accept_online(online, staff.officer, at=local(2026, 3, 2, 9))  # 1 → 2 on the portal
    reject_online(refused, staff.officer, "Hồ sơ không đúng thẩm quyền", at=local(2026, 3, 2, 9))  # 1 → 3
    drain()
    assert portal.problems == []
    codes = set()
    for d in Dossier.objects.all():
        sync = PortalSync.objects.get(dossier=d)
        assert sync.state == SyncState.ACKNOWLEDGED and sync.acked_seq == d.event_count
        items = portal.history[d.code]
        assert items == history_sent(portal, d.code)  # each item sent once, all accepted
        assert len(items) == d.event_count
        assert [i["ThoiDiemXuLy"] for i in items] == sorted(i["ThoiDiemXuLy"] for i in items)
        assert portal.dossiers[d.code]["TrangThaiHoSo"] == str(d.dossier_state.national_code)
        codes |= {i["TrangThai"] for i in items} | {portal.dossiers[d.code]["TrangThaiHoSo"]}
        # The record of a dossier always reached the portal before any of its history.
        bodies = [b for b in portal.received if b.get("service") in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC")
                  and any(x.get("MaHoSo") == d.code for x in b.get("data", []))]
        assert bodies[0]["service"] == "DongBoHoSoMC"
    assert {str(n) for n in range(1, 11)} <= codes
    assert not PortalChange.objects.exclude(state="acknowledged").exists()
    # One record per batch at most: never more record sends than events.
    assert service_count(portal)["DongBoHoSoMC"] <= sum(d.event_count for d in Dossier.objects.all())


def test_a_returned_dossier_record_carries_its_dates(receive, staff, portal):
    d = full_life(receive(at=local(2026, 3, 2, 9)), staff, day=3)
    drain()
    record = portal.dossiers[d.code]
    assert record["TrangThaiHoSo"] == "10"
    assert record["NgayTiepNhan"] == "20260302090000" and record["NgayTra"] == "20260304100000"
    assert [i["TrangThai"] for i in portal.history[d.code]][-1] == "10"


def test_a_dossier_filed_on_the_national_portal_goes_back_under_its_national_code(place, catalogue, staff, portal):
    from congvu.sync.services import register_inbound

    d = submit_online(place.centre, catalogue.five, dict(CITIZEN), at=local(2026, 3, 2, 8))
    register_inbound(d, national_code="G22.99-260302-0042", payload={})
    portal.dossiers["G22.99-260302-0042"] = {"MaHoSo": "G22.99-260302-0042"}  # it was filed there
    accept_online(d, staff.officer, at=local(2026, 3, 2, 9))
    drain()
    assert "TraCuuHoSo" not in ops(portal)  # we know the portal has it
    record = portal.dossiers["G22.99-260302-0042"]
    assert record["NoiNopHoSo"] == "1" and record["TrangThaiHoSo"] == "2"
    assert [b["isUpdating"] for b in portal.received if b.get("service") == "DongBoHoSoMC"] == ["True"]
    assert [i["TrangThai"] for i in portal.history["G22.99-260302-0042"]] == ["1", "2"]
    assert d.code not in portal.dossiers and portal.problems == []


def test_sync_counts_for_indicator_1_4(receive, staff, place, catalogue, portal):
    import datetime as dt

    from congvu.sync.selectors import sync_counts

    synced = receive(at=local(2026, 3, 2, 9))
    drain()
    receive(at=local(2026, 3, 3, 9))  # not synced yet
    receive(at=local(2026, 4, 1, 9))  # next month
    start, end = local(2026, 3, 1), local(2026, 4, 1)
    assert sync_counts([place.centre.pk], start, end) == (1, 2)
    assert sync_counts([place.b.pk], start, end) == (0, 0)
    drain()
    assert sync_counts([place.centre.pk, place.b.pk], start, end) == (2, 2)
    assert sync_counts([place.centre.pk], start, end + dt.timedelta(days=1)) == (3, 3)
    assert synced.pk
