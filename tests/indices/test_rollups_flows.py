"""The rules of `rollups` that need no database: when an open dossier becomes overdue, and what each fact adds to the
rollups."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from congvu.indices import rollups

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, hour=9):
    return dt.datetime(2026, 3, day, hour, tzinfo=HCM)


def row(**kw):
    base = {"received_at": at(2, 9), "original_due_at": at(9, 17), "due_at": at(9, 17)}
    return {**base, **kw}


def ev(action, when, due=None):
    return {"action": action, "at": when, "due": due.isoformat() if due else None}


def test_overdue_when_the_due_time_passes():
    assert rollups._overdue_at(row(), [], None, None, None) == at(9, 17)
    assert rollups._overdue_at(row(), [], None, None, at(6)) is None  # finished before: never overdue


def test_paused_before_due_is_not_overdue_and_resumes_with_the_moved_due_time():
    events = [ev("request_supplement", at(6, 14))]
    assert rollups._overdue_at(row(), events, None, None, None) is None  # still paused
    events.append(ev("receive_supplement", at(16, 14), due=at(17, 17)))
    assert rollups._overdue_at(row(), events, None, None, None) == at(17, 17)


def test_paused_after_due_stays_overdue_from_the_due_time():
    events = [ev("request_supplement", at(10, 9)), ev("receive_supplement", at(12, 9), due=at(11, 17))]
    assert rollups._overdue_at(row(), events, None, None, None) == at(9, 17)


def test_second_request_and_apology_make_it_overdue_earlier():
    assert rollups._overdue_at(row(), [], None, at(5, 11), None) == at(5, 11)
    apology = {"issued_at": at(5), "previous_due_at": at(9, 17)}
    assert rollups._overdue_at(row(due_at=at(13, 17)), [], apology, None, None) == at(9, 17)


def fact(**kw):
    base = {
        "unit_id": 7, "procedure_id": 3, "field_id": 2, "channel": "counter", "received_at": at(2), "finished_at": None,
        "outcome": "", "closure": "", "closed_at": None, "overdue_at": None, "apology_at": None, "complaint": False,
        "fee_bearing": False, "paid_online": False, "digitised_inputs": False, "digitised_result": False,
        "electronic_result": False, "reused": False, "shared": False, "synced": False, "processing_days": None,
    }
    return {**base, **kw}


def totals(f):
    out = {}
    rollups.add_flows(out, f)
    return out


def test_a_late_dossier_enters_and_leaves_the_overdue_stock():
    t = totals(fact(finished_at=at(11), outcome="late", overdue_at=at(9, 17), processing_days=Decimal("6.5")))
    day_row = t[("d", 7, dt.date(2026, 3, 11), 0, 0)]
    assert day_row == {"finished": 1, "finished_late": 1, "ended": 1, "with_result": 1, "processing_days": Decimal("6.5"), "left_overdue": 1}
    assert t[("d", 7, dt.date(2026, 3, 9), 0, 0)] == {"became_overdue": 1}
    month = t[("m", 7, dt.date(2026, 3, 1), 3, 2)]
    assert month["received"] == month["ended"] == month["became_overdue"] == month["left_overdue"] == 1


def test_withdrawn_leaves_the_stock_without_finishing_and_not_accepted_is_never_received():
    t = totals(fact(closure="withdrawn", closed_at=at(4)))
    assert t[("d", 7, dt.date(2026, 3, 4), 0, 0)] == {"withdrawn": 1, "ended": 1}
    t = totals(fact(received_at=None, closure="not_accepted", closed_at=at(4)))
    assert t == {k: {"not_accepted": 1} for k in t} and len(t) == 4


def test_a_day_is_the_day_in_vietnam():
    late_evening_utc = dt.datetime(2026, 3, 31, 18, 0, tzinfo=dt.UTC)  # 1 April 01:00 in Hà Nội
    t = totals(fact(received_at=late_evening_utc))
    assert ("m", 7, dt.date(2026, 4, 1), 0, 0) in t and ("d", 7, dt.date(2026, 4, 1), 0, 0) in t


def test_removing_a_fact_undoes_it():
    f = fact(finished_at=at(5), outcome="early", complaint=True)
    out = {}
    rollups.add_flows(out, f)
    rollups.add_flows(out, f, -1)
    assert all(not any(v.values()) for v in out.values())
