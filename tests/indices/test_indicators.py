"""Decision 766 from hand-built dossiers: the measures the rollups give each indicator, and the points the scheme in
force gives them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from congvu.dossiers import services as ds
from congvu.indices import selectors, services
from congvu.indices.measures import Measure
from congvu.indices.models import IndicatorScheme
from congvu.indices.periods import Period
from congvu.indices.scoring import default_scheme_data
from tests.dossiers.conftest import CITIZEN, catalogue, local, place, receive, staff  # noqa: F401
from tests.indices.test_rollups import boss, finish, started  # noqa: F401

MARCH = Period.month(2026, 3)


@pytest.fixture
def month(receive, place, staff, catalogue, boss):
    """Four dossiers handled by commune A in March: D1 early with an electronic result, D2 late, D3 open within
    time at the end of March (received 25 March), D4 refused. D2 got a feedback naming it (a complaint)."""
    from congvu.feedback import services as fb

    d1 = started(receive, local(2026, 3, 2, 9))
    d1 = ds.record_result(d1, None, [{"name": "Giấy khai sinh", "electronic": True}], at=local(2026, 3, 4, 9))
    d2 = finish(started(receive, local(2026, 3, 2, 9)), local(2026, 3, 11, 9))
    d3 = started(receive, local(2026, 3, 25, 9))
    d4 = ds.refuse(started(receive, local(2026, 3, 3, 9)), boss, "Không đủ điều kiện", at=local(2026, 3, 4, 9))
    fb.submit_feedback(fb.FeedbackInput(
        subject_kind="unit", unit=place.centre, nature="report", title="Trễ hẹn", content="Hồ sơ trễ hẹn trả kết quả.",
        sender_name="Nguyễn Văn An", sender_phone="0912345678", sender_email="an@example.vn", dossier_code=d2.code,
    ), at=local(2026, 3, 12, 9))
    services.refresh()
    return d1, d2, d3, d4


def test_index_measures_worked_by_hand(month, place):
    index = selectors.index_766(place.a, MARCH)
    m = {row.code: row.measure for row in index.indicators}
    # 2.1: D1 early, D4 refused (settled the day after receipt: early), D3 open within time; D2 late.
    assert m["2.1"] == Measure(3, 4)
    assert index.indicator("2.1").points == Decimal("15.00")  # 20 × 3/4
    assert m["3.3"] == Measure(0, 4)  # all at the counter
    assert m["4.1"] == Measure(1, 2)  # results of D1 (electronic) and D2; a refusal has no result
    # 5.4: finished D1, D2, D4; D2 is late and complained about: 100% − (1/3 + 1/3) = 1/3.
    assert m["5.4"] == Measure(1, 3)
    # 1.4: four dossiers received, none acknowledged by the national portal (no adapter in tests).
    assert m["1.4"] == Measure(0, 4) and index.indicator("1.4").points == 0 and "Cổng DVCQG" in index.indicator("1.4").rule_text
    # Not recorded by congvu: no measure, 0 points, and the rule says why.
    for code in ("4.5a", "4.5b", "4.6"):
        assert m[code] is None and index.indicator(code).points == 0
        assert "chưa ghi nhận" in index.indicator(code).rule_text or "chưa được" in index.indicator(code).rule_text
    assert index.indicator("2.2").points == 0 and index.indicator("2.2").value is not None  # monitoring only, in days
    assert index.unit == place.a and index.period == MARCH and index.scheme_name
    assert index.total == sum(g.points for g in index.groups)


def test_procedure_counts_and_payment(month, place, catalogue):
    from congvu.catalog.models import Procedure
    from congvu.catalog.selectors import version_in_force

    # By hand: every commune-level procedure in force on 31 March, and which of them are offered online or carry a fee.
    authority, online, fee = set(), set(), set()
    for procedure in Procedure.objects.all():
        v = version_in_force(procedure, MARCH.end)
        if v is None or v.status == "abolished" or not v.levels.filter(level="commune").exists():
            continue
        authority.add(procedure.pk)
        if v.online_submission or v.online_level in ("full", "partial"):
            online.add(procedure.pk)
        if v.fees.filter(amount_vnd__gt=0).exists():
            fee.add(procedure.pk)
    assert authority, "the starter catalogue has commune-level procedures"
    m = {row.code: row.measure for row in selectors.index_766(place.a, MARCH).indicators}
    assert m["3.1"] == Measure(len(online), len(authority))
    assert m["3.2"] == Measure(0, len(online))  # nothing was filed online in March
    assert m["3.5"] == Measure(len(fee & online), len(fee))
    assert m["3.5b"] == Measure(0, len(fee))
    assert m["3.6"].numerator == 0


def test_ranking_on_the_index_equals_each_units_index(month, place):
    rows = selectors.ranking(place.province, MARCH, "766.total")
    for row in rows:
        assert row.value == selectors.index_766(row.unit, MARCH).total
    assert [r.rank for r in rows] == sorted(r.rank for r in rows)
    rows = selectors.ranking(place.province, MARCH, "766.2.1")
    assert next(r for r in rows if r.unit == place.a).value == Decimal("15.00")


def test_batched_measures_of_a_ranking_equal_each_units_own(month, place):
    from congvu.indices.measures_catalog import transparency_measures, transparency_measures_many
    from congvu.indices.measures_feedback import feedback_measures, feedback_measures_many

    units = selectors.ranked_units(place.province, MARCH)
    assert place.a in units and len(units) > 2
    feedback = feedback_measures_many(units, MARCH)
    transparency = transparency_measures_many(units, MARCH)
    for unit in units:
        assert feedback[unit.pk] == feedback_measures(unit, MARCH)
        assert transparency[unit.pk] == transparency_measures(unit, MARCH)
    assert feedback[place.a.pk]["5.2"].denominator == 1  # the complaint about D2, made to A's service centre
    batched = selectors.indices_766(units, MARCH)
    for unit in units:
        alone = selectors.index_766(unit, MARCH)
        assert [(r.code, r.measure, r.points) for r in batched[unit.pk].indicators] == [(r.code, r.measure, r.points) for r in alone.indicators]


def test_metric_value_and_trend(month, place):
    assert selectors.metric_value("on_time_rate", place.a, MARCH) == Decimal("75.00")
    assert selectors.metric_value("received", place.a, MARCH) == 4
    assert selectors.metric_value("766.2.1", place.a, MARCH) == Decimal("15.00")
    assert selectors.metric_value("766.total", place.a, MARCH) == selectors.index_766(place.a, MARCH).total
    points = selectors.trend(place.a, MARCH.last_months(3), "received")
    assert [(p.key, v) for p, v in points] == [("2026-01", 0), ("2026-02", 0), ("2026-03", 4)]
    assert set(selectors.METRICS) >= {"766.total", "766.2.1", "766.5.4", "on_time_rate", "online_share", "satisfaction",
                                      "received", "open_overdue", "apologies", "finished_late"}
    with pytest.raises(KeyError):
        selectors.metric_value("no_such_metric", place.a, MARCH)


def test_trends_of_all_metrics_at_once_equal_each_months_own_figures(month, place, receive):
    from congvu.feedback import services as fb
    from congvu.feedback.scoring import Factor, Perception

    # April: one more dossier, left open past its due time at the end of April; D1 rated in March.
    started(receive, local(2026, 4, 1, 9))
    fb.submit_rating(month[0], {Factor.ACCESS: 5, Factor.PROCEDURE: 4, Factor.OFFICER: 5, Factor.RESULT: 2, Factor.FEEDBACK: None},
                     {Perception.TRIPS: 0, Perception.EXTRA_MONEY: 0, Perception.APPOINTMENT: 2},
                     at=local(2026, 3, 20, 10))
    services.refresh()
    metrics = ["received", "finished_late", "open_overdue", "on_time_rate", "online_share", "satisfaction", "766.total", "766.2.1", "766.5.2"]
    months = Period.month(2026, 5).last_months(4)  # February to May: before, during, after, and a month with nothing new
    got = selectors.trends(place.a, months, metrics, now=local(2026, 5, 20, 12))
    for metric in metrics:
        assert got[metric] == selectors.trend(place.a, months, metric, now=local(2026, 5, 20, 12)), metric
    assert [v for _m, v in got["received"]] == [0, 4, 1, 0]
    assert got["satisfaction"][1][1] is not None and got["satisfaction"][0][1] is None
    # A list of months that is not a run of calendar months falls back to month-by-month reading, same figures.
    odd = [Period.month(2026, 3), Period.parse("2026-04-01_2026-04-15")]
    assert selectors.trends(place.a, odd, ["received"])["received"] == selectors.trend(place.a, odd, "received")


def test_longest_overdue_lists_the_open_overdue_dossiers_oldest_first(month, place, receive):
    later = started(receive, local(2026, 4, 1, 9))
    services.refresh()
    now = local(2026, 6, 20, 12)
    behind = selectors.records_behind(place.a, Period.month(2026, 6), "open_overdue", now=now)
    rows, count = selectors.longest_overdue(place.a, Period.month(2026, 6), 5, now=now)
    assert count == behind.queryset.count() == 2  # D3 (received 25 March) and the April one, never finished
    assert rows == [month[2], later]
    assert selectors.longest_overdue(place.a, Period.month(2026, 6), 1, now=now) == ([month[2]], 2)


def test_complaint_arriving_later_is_picked_up(receive, place, staff):
    from congvu.feedback import services as fb

    d = finish(started(receive, local(2026, 3, 2, 9)), local(2026, 3, 4, 9))
    services.refresh()
    assert {r.code: r.measure for r in selectors.index_766(place.a, MARCH).indicators}["5.4"] == Measure(1, 1)
    fb.submit_feedback(fb.FeedbackInput(
        subject_kind="unit", unit=place.centre, nature="report", title="Thái độ", content="Cán bộ hướng dẫn chưa rõ.",
        sender_name="Nguyễn Văn An", sender_phone="0912345678", sender_email="an@example.vn", dossier_code=d.code,
    ), at=local(2026, 4, 2, 9))
    assert services.refresh() == 1
    assert {r.code: r.measure for r in selectors.index_766(place.a, MARCH).indicators}["5.4"] == Measure(0, 1)
    assert services.check() == []


def _seeded():
    """The migration's row (a transactional test elsewhere may have emptied the table: put it back as it was)."""
    import importlib

    from django.apps import apps

    importlib.import_module("congvu.indices.migrations.0002_default_scheme").install(apps, None)
    return IndicatorScheme.objects.get()


def test_default_scheme_installed_and_validated(db):
    row = _seeded()
    assert row.definition == default_scheme_data()
    row.full_clean()
    broken = IndicatorScheme(effective_from=dt.date(2027, 1, 1), name="Sai", definition={**default_scheme_data(), "total": 90})
    with pytest.raises(ValidationError) as caught:
        broken.full_clean()
    assert "definition" in caught.value.message_dict
    with pytest.raises(ValidationError):
        IndicatorScheme(effective_from=dt.date(2027, 1, 1), name="Sai", definition=[1, 2]).full_clean()


def test_scheme_in_force_on_the_last_day(month, place):
    data = default_scheme_data()
    data["name"] = "Bộ chỉ số thử từ 15/3"
    IndicatorScheme.objects.create(effective_from=dt.date(2026, 3, 15), name=data["name"], definition=data)
    assert selectors.index_766(place.a, MARCH).scheme_name == "Bộ chỉ số thử từ 15/3"
    assert selectors.index_766(place.a, Period.month(2026, 2)).scheme_name != "Bộ chỉ số thử từ 15/3"


def test_admin_refuses_a_scheme_that_does_not_add_up(client, boss):
    import json

    _seeded()
    client.force_login(boss)
    url = "/admin/indices/indicatorscheme/add/"
    assert client.get(url).status_code == 200
    bad = {**default_scheme_data(), "total": 90}
    response = client.post(url, {"effective_from": "2027-01-01", "name": "Sai", "legal_basis": "", "definition": json.dumps(bad)})
    assert response.status_code == 200 and IndicatorScheme.objects.count() == 1
    assert "khác tổng điểm 90" in str(response.context["adminform"].form.errors)
    response = client.post(url, {"effective_from": "2027-01-01", "name": "Sai", "legal_basis": "", "definition": "{không phải json"})
    assert "Định nghĩa không phải JSON hợp lệ." in str(response.context["adminform"].form.errors)
    good = default_scheme_data()
    response = client.post(url, {"effective_from": "2027-01-01", "name": "Mới", "legal_basis": "QĐ thử", "definition": json.dumps(good)})
    assert response.status_code == 302 and IndicatorScheme.objects.count() == 2


def test_sync_share_counts_what_the_portal_acknowledged(month, place, receive):
    """1.4 = acknowledged by the national portal (or filed there) ÷ received, per handling unit, as a dossier flow:
    the refresh picks up an acknowledgement that came after the dossier's last event; the ranking's and the trend's
    batches give what one unit and one month give."""
    from django.utils import timezone

    from congvu.sync.models import Origin, PortalSync, SyncState

    d1, d2, d3, d4 = month
    PortalSync.objects.filter(dossier=d1).update(state=SyncState.ACKNOWLEDGED, last_acked_at=timezone.now(), updated_at=timezone.now())
    PortalSync.objects.filter(dossier=d2).update(origin=Origin.NATIONAL_PORTAL, state=SyncState.ACKNOWLEDGED, updated_at=timezone.now())
    started(receive, local(2026, 4, 2, 9))  # April: one more, not synced
    services.refresh()
    index = selectors.index_766(place.a, MARCH)
    assert index.indicator("1.4").measure == Measure(2, 4) and index.indicator("1.4").points == Decimal("3.00")
    assert selectors.index_766(place.province, MARCH).indicator("1.4").measure == Measure(2, 4)
    months = Period.month(2026, 4).last_months(3)
    got = selectors.trends(place.a, months, ["766.1.4"], now=local(2026, 5, 20, 12))
    assert got["766.1.4"] == selectors.trend(place.a, months, "766.1.4", now=local(2026, 5, 20, 12))
    batched = selectors.indices_766([place.a, place.b, place.dept], MARCH)
    assert batched[place.a.pk].indicator("1.4").measure == Measure(2, 4) and batched[place.b.pk].indicator("1.4").measure == Measure(0, 0)
    assert selectors.index_766(place.a, Period.month(2026, 4)).indicator("1.4").measure == Measure(0, 1)
    assert services.check() == []  # the refreshed facts and rollups equal a fresh computation
