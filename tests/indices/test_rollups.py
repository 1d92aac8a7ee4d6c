"""The rollups against hand-worked figures: dossiers built through the real services at chosen instants, then
`services.refresh()`, then the selectors. A 5-working-day dossier received Monday 2 March 2026 at 09:00 is due
Monday 9 March at 17:00 (the receiving day is not counted)."""

import pytest

from congvu.dossiers import services as ds
from congvu.indices import selectors, services
from congvu.indices.measures import Measure
from congvu.indices.models import DossierFact, Rollup
from congvu.indices.periods import Period
from tests.dossiers.conftest import CITIZEN, catalogue, local, place, receive, staff  # noqa: F401

MARCH = Period.month(2026, 3)
APRIL = Period.month(2026, 4)
RESULT = [{"name": "Giấy khai sinh"}]


def started(receive, at):
    d = receive(at=at)
    return ds.start_processing(d, None, at=at.replace(hour=at.hour + 1))


def finish(d, at):
    return ds.record_result(d, None, RESULT, at=at)


def snapshot():
    rows = Rollup.objects.order_by("grain", "unit_id", "day", "procedure_id", "field_id").values()
    return [{k: v for k, v in r.items() if k != "id"} for r in rows if any(v for k, v in r.items() if k not in ("id", "grain", "unit_id", "day", "procedure_id", "field_id"))]


def facts():
    return list(DossierFact.objects.order_by("pk").values())


@pytest.fixture
def boss(db):
    """Closures and apologies are signed by someone; a superuser may act anywhere."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("giamdoc", "gd@example.vn", "Rong-xanh-2025!")


@pytest.fixture
def march(receive):
    """D1 early, D2 late, D3 open and overdue at the end of March, D4 received 25 March and finished 1 April on time."""
    d1 = finish(started(receive, local(2026, 3, 2, 9)), local(2026, 3, 5, 10))
    d2 = finish(started(receive, local(2026, 3, 2, 9)), local(2026, 3, 10, 10))
    d3 = started(receive, local(2026, 3, 3, 9))
    d4 = started(receive, local(2026, 3, 25, 9))
    assert d4.due_at == local(2026, 4, 1, 17)
    services.refresh()
    return d1, d2, d3, d4


def test_on_time_late_open_and_spanning_two_months(march, place):
    d1, d2, d3, d4 = march
    s = selectors.summary(place.a, MARCH)
    assert (s.received, s.carried_over, s.finished, s.finished_early, s.finished_on_time, s.finished_late) == (4, 0, 2, 1, 0, 1)
    assert (s.in_process, s.open_within, s.open_overdue) == (2, 1, 1)  # D3 past 10 March 17:00, D4 due 1 April
    assert s.on_time == Measure(1 + 1, 2 + 2)  # (early + within) / (finished + in process)
    assert s.online == Measure(0, 4)

    finish(d4, local(2026, 4, 1, 10))  # on the due day: on time, not early
    services.refresh()
    s = selectors.summary(place.a, APRIL)
    assert (s.carried_over, s.received, s.finished, s.finished_on_time, s.open_overdue, s.open_within) == (2, 0, 1, 1, 1, 0)
    assert s.on_time == Measure(1, 2)
    # March is unchanged: D4 was in process at the end of March.
    assert selectors.summary(place.a, MARCH).on_time == Measure(2, 4)
    # The quarter is March (nothing in January and February) plus nothing after.
    q1 = selectors.summary(place.a, Period.quarter(2026, 1))
    assert (q1.received, q1.finished, q1.in_process) == (4, 2, 2)


def test_custom_range_cuts_days(march, place):
    # 3–5 March: D1 and D2 carried over from 2 March, D3 received, D1 finished early; D2 and D3 still within time.
    s = selectors.summary(place.a, Period.parse("2026-03-03_2026-03-05"))
    assert (s.carried_over, s.received, s.finished, s.finished_early, s.in_process, s.open_overdue) == (2, 1, 1, 1, 2, 0)
    assert s.on_time == Measure(3, 3)
    # 10 March alone: D2 finished late at 10:00; D3 became overdue only at 17:00 on 10 March, counted at the day's end.
    s = selectors.summary(place.a, Period.parse("2026-03-10_2026-03-10"))
    assert (s.carried_over, s.finished_late, s.open_overdue, s.open_within) == (2, 1, 1, 0)


def test_open_dossier_is_evaluated_now(receive, place):
    d = started(receive, local(2026, 3, 2, 9))
    services.refresh()
    before_due = selectors.summary(place.a, MARCH, now=local(2026, 3, 9, 16, 59))
    after_due = selectors.summary(place.a, MARCH, now=local(2026, 3, 9, 17, 1))
    assert (before_due.open_within, before_due.open_overdue) == (1, 0)
    assert (after_due.open_within, after_due.open_overdue) == (0, 1)
    assert d.due_at == local(2026, 3, 9, 17)


def test_paused_clock_is_not_late(receive, place):
    # Supplement asked on Friday 6 March 14:00 (4 working days after receipt: the clock pauses, no restart),
    # received back Monday 16 March 14:00: six working days paused, due moves from 9 March to 17 March 17:00.
    d = started(receive, local(2026, 3, 2, 9))
    d = ds.request_supplement(d, None, ["Giấy chứng sinh"], at=local(2026, 3, 6, 14))
    services.refresh()
    s = selectors.summary(place.a, Period.parse("2026-03-01_2026-03-12"))
    assert (s.open_within, s.open_overdue) == (1, 0)  # past the old due time, but paused before it
    d = ds.receive_supplement(d, None, at=local(2026, 3, 16, 14))
    assert d.due_at == local(2026, 3, 17, 17)
    finish(d, local(2026, 3, 17, 9))
    services.refresh()
    s = selectors.summary(place.a, MARCH)
    assert (s.finished, s.finished_on_time, s.finished_late, s.open_overdue) == (1, 1, 0, 0)
    assert s.on_time == Measure(1, 1)
    # Processing time: 2 March 09:00 → 17 March 09:00 is 11 working days of office time, less 6 paused.
    assert s.average_days is not None and 4 <= s.average_days <= 6


def test_paused_after_due_stays_overdue(receive, place):
    d = started(receive, local(2026, 3, 2, 9))
    ds.request_supplement(d, None, ["Giấy chứng sinh"], at=local(2026, 3, 10, 9))  # the due time passed the evening before
    services.refresh()
    s = selectors.summary(place.a, Period.parse("2026-03-01_2026-03-12"))
    assert (s.open_within, s.open_overdue) == (0, 1)
    assert DossierFact.objects.get().overdue_at == local(2026, 3, 9, 17)


def test_two_supplements_are_late(receive, place):
    d = started(receive, local(2026, 3, 2, 9))
    d = ds.request_supplement(d, None, ["Tờ khai"], at=local(2026, 3, 6, 9))
    d = ds.receive_supplement(d, None, at=local(2026, 3, 6, 10))
    d = ds.request_supplement(d, None, ["Bản sao"], at=local(2026, 3, 6, 11))
    services.refresh()
    s = selectors.summary(place.a, Period.parse("2026-03-01_2026-03-06"))
    assert (s.open_within, s.open_overdue) == (0, 1)  # overdue from the second request, though due 9 March
    d = ds.receive_supplement(d, None, at=local(2026, 3, 6, 14))
    finish(d, local(2026, 3, 9, 9))
    services.refresh()
    s = selectors.summary(place.a, MARCH)
    assert (s.finished, s.finished_late) == (1, 1)
    assert s.on_time == Measure(0, 1)


def test_apology_is_late(receive, place, boss):
    d = started(receive, local(2026, 3, 2, 9))
    d = ds.issue_apology(d, boss, "Chờ xác minh", local(2026, 3, 13, 17), at=local(2026, 3, 5, 9))
    services.refresh()
    s = selectors.summary(place.a, Period.parse("2026-03-01_2026-03-10"))
    assert (s.apologies, s.open_overdue, s.open_within) == (1, 1, 0)  # overdue once the first appointment passed
    finish(d, local(2026, 3, 12, 9))  # before the new appointment, still late
    services.refresh()
    s = selectors.summary(place.a, MARCH)
    assert (s.finished_late, s.apologies) == (1, 1) and s.on_time == Measure(0, 1)


@pytest.mark.parametrize("close, counts", [
    (ds.withdraw, {"withdrawn": 1, "refused": 0, "stopped": 0, "finished": 0}),
    (ds.refuse, {"withdrawn": 0, "refused": 1, "stopped": 0, "finished": 1}),
    (ds.stop, {"withdrawn": 0, "refused": 0, "stopped": 1, "finished": 1}),
])
def test_closures(receive, place, boss, close, counts):
    d = started(receive, local(2026, 3, 2, 9))
    close(d, boss, "Theo đề nghị", at=local(2026, 3, 4, 9))
    services.refresh()
    s = selectors.summary(place.a, MARCH)
    assert {k: getattr(s, k) for k in counts} == counts
    assert (s.received, s.in_process) == (1, 0)
    # Withdrawn leaves the denominator; refused and stopped are settled (early here).
    assert s.on_time == (Measure(0, 0) if close is ds.withdraw else Measure(1, 1))


def test_merged_unit_counts_toward_its_successor(receive, place, staff, catalogue):
    from congvu.units.services import merge_units

    a_dossier = finish(started(receive, local(2026, 3, 2, 9)), local(2026, 3, 5, 10))
    b_dossier = ds.receive_dossier(staff.other, place.b, catalogue.five, dict(CITIZEN), checked_document_ids=[
        doc.pk for doc in catalogue.five.documents.all() if doc.group == "submit"], at=local(2026, 3, 3, 9))
    assert a_dossier.handling_unit == place.a and b_dossier.handling_unit == place.b
    services.refresh()
    merge_units([place.b], place.a, last_day=APRIL.start.replace(day=15))
    place.b.refresh_from_db()
    s = selectors.summary(place.a, MARCH)
    assert (s.received, s.finished, s.in_process) == (2, 1, 1)
    assert selectors.summary(place.b, MARCH).received == 1
    # In April the province's active children no longer include the merged commune; its dossier counts for A.
    rows = selectors.ranking(place.province, APRIL, "open_overdue")
    assert place.b not in [r.unit for r in rows]
    assert next(r for r in rows if r.unit == place.a).value == 1  # B's dossier, overdue since 10 March
    by_unit = selectors.report_rows(place.province, MARCH, by="unit")
    a_row = next(r for r in by_unit if r.key == place.a.code)
    assert (a_row.received, a_row.finished, a_row.open_within, a_row.open_overdue) == (2, 1, 0, 1)


def test_ranking_ties_share_a_rank(receive, place, staff, catalogue):
    finish(started(receive, local(2026, 3, 2, 9)), local(2026, 3, 5, 10))
    b = ds.receive_dossier(staff.other, place.b, catalogue.five, dict(CITIZEN), checked_document_ids=[
        doc.pk for doc in catalogue.five.documents.all() if doc.group == "submit"], at=local(2026, 3, 3, 9))
    finish(ds.start_processing(b, None, at=local(2026, 3, 3, 10)), local(2026, 3, 4, 10))
    services.refresh()
    rows = selectors.ranking(place.province, MARCH, "on_time_rate")
    ranked = {r.unit.code: (r.rank, r.value) for r in rows}
    assert ranked[place.a.code] == (1, 100) and ranked[place.b.code] == (1, 100)
    assert ranked[place.dept.code] == (None, None) and rows[-1].unit == place.dept  # nothing to measure: last
    rows = selectors.ranking(place.province, MARCH, "received")
    assert [(r.rank, r.value) for r in rows] == [(1, 1), (1, 1), (3, 0)]


def test_drill_down_matches_the_counts(march, place):
    s = selectors.summary(place.a, MARCH)
    for metric in ("received", "finished", "finished_early", "finished_late", "open_within", "open_overdue", "carried_over", "in_process"):
        behind = selectors.records_behind(place.a, MARCH, metric)
        assert behind.kind == "dossiers" and behind.queryset.count() == getattr(s, metric), metric
    num = selectors.records_behind(place.a, MARCH, "on_time_rate", "numerator").queryset
    den = selectors.records_behind(place.a, MARCH, "766.2.1", "denominator").queryset
    assert (num.count(), den.count()) == (s.on_time.numerator, s.on_time.denominator)
    d1, _d2, _d3, d4 = march
    assert set(num) == {d1, d4}


def test_report_rows_by_field_and_procedure(march, place, catalogue):
    for by in ("field", "procedure"):
        rows = selectors.report_rows(place.a, MARCH, by=by)
        assert len(rows) == 1
        row = rows[0]
        assert (row.received, row.received_counter_post, row.finished_early, row.finished_late, row.open_within, row.open_overdue) == (4, 4, 1, 1, 1, 1)
    assert rows[0].label.startswith(catalogue.five.procedure.code)
    # A custom range cut inside months gives the same figures as the summary.
    period = Period.parse("2026-03-03_2026-04-01")
    s = selectors.summary(place.a, period)
    row = selectors.report_rows(place.a, period, by="procedure")[0]
    assert (row.carried_over, row.received, row.finished, row.open_within, row.open_overdue) == (
        s.carried_over, s.received, s.finished, s.open_within, s.open_overdue)


def test_refresh_is_idempotent_and_equals_rebuild(march, receive, place, boss):
    _d1, _d2, d3, d4 = march
    d5 = started(receive, local(2026, 4, 2, 9))
    ds.request_supplement(d5, None, ["Tờ khai"], at=local(2026, 4, 8, 9))
    ds.withdraw(d3, boss, "Người dân rút", at=local(2026, 4, 3, 9))
    d6 = started(receive, local(2026, 4, 6, 9))
    ds.issue_apology(d6, boss, "Chờ xác minh", local(2026, 4, 20, 17), at=local(2026, 4, 7, 9))
    finish(d4, local(2026, 4, 2, 9))
    assert services.refresh(limit=2) == 2  # the rest waits for the next call
    services.refresh()
    assert services.refresh() == 0
    before = snapshot(), facts()
    assert services.check() == []
    services.rebuild()
    assert (snapshot(), facts()) == before
    assert services.check() == []
    assert selectors.data_as_of() is not None


def test_check_finds_a_tampered_rollup(march):
    row = Rollup.objects.filter(received__gt=0).first()
    Rollup.objects.filter(pk=row.pk).update(received=row.received + 1)
    problems = services.check()
    assert len(problems) == 1 and "tổng hợp" in problems[0]


def test_commands(march, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("refresh_indices")
    assert "0 hồ sơ" in capsys.readouterr().out  # the fixture refreshed already
    call_command("rebuild_indices", "--check")
    assert "khớp" in capsys.readouterr().out
    Rollup.objects.filter(grain="m", procedure_id=0).update(received=0)
    with pytest.raises(CommandError):
        call_command("rebuild_indices", "--check")
    call_command("rebuild_indices")
    call_command("rebuild_indices", "--check")
    with pytest.raises(CommandError):
        call_command("refresh_indices", "--limit", "0")


def test_an_event_committed_after_later_ids_is_not_missed(receive, place):
    """On PostgreSQL a transaction may take an event id and commit after a later id was read: the next refresh
    re-reads a margin of ids below its watermark and recomputes the dossiers whose fact is behind their events."""
    from congvu.indices.models import RefreshCheckpoint

    d = started(receive, local(2026, 3, 2, 9))
    services.refresh()
    late = finish(d, local(2026, 3, 4, 9)).events.order_by("-id").first()
    # As if ids up to late.id + 50 had already been read when this event's transaction committed.
    RefreshCheckpoint.objects.update(last_event_id=late.id + 50)
    assert services.refresh() == 1
    assert selectors.summary(place.a, MARCH).finished_early == 1
    assert services.refresh() == 0  # recognised as counted: the margin is re-read, nothing recomputed
    assert services.check() == []
