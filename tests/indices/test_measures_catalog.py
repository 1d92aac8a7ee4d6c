"""Decision 766 indicators 1.1–1.3 from the catalogue: procedures announced on time (working days before the
effective date, holidays skipped), published within 5 working days of the decision (congvu's publication
instant as the proxy), published with every component; and which procedures count for which unit."""

import datetime as dt

import pytest

from congvu.catalog import services
from congvu.catalog.models import ProcedureVersion
from congvu.catalog.records import ChannelRecord, DocumentRecord, FeeRecord, VersionRecord
from congvu.indices.measures import Measure
from congvu.indices.measures_catalog import procedure_levels_for, transparency_measures, versions_for_unit, working_days_before
from congvu.indices.periods import Period
from congvu.units import services as units
from congvu.units.models import UnitKind
from congvu.workcal.services import calendar_for
from tests.dossiers.conftest import local, place  # noqa: F401

pytestmark = pytest.mark.django_db


def record(code, level, decision_date, effective_from, **overrides):
    values = dict(
        code=code, name=f"Thủ tục {code}", field_name="Hộ tịch", field_code="ho-tich", levels=(level,), agency="Ủy ban nhân dân cấp xã",
        decision_number=f"{code}/QĐ-UBND", decision_date=decision_date, effective_from=effective_from, time_limit_value=5,
        time_limit_unit="working_days", time_limit_unit_confirmed=True, time_limit_raw="05 ngày làm việc",
        documents=(DocumentRecord("Tờ khai"),), results=("Giấy chứng nhận",), legal_basis=("Luật Hộ tịch 2014",),
        channels=(ChannelRecord("in_person", "Trực tiếp"),),
    )
    values.update(overrides)
    return VersionRecord(**values)


def load(*records, published_at=None):
    services.import_records(list(records), "json")
    versions = ProcedureVersion.objects.filter(procedure__code__in=[r.code for r in records])
    if published_at is not None:
        # The instant a version entered the catalogue is its row's creation time, which no service lets one
        # choose: set it as if the import had run then.
        versions.update(created_at=published_at)
    return versions


def test_levels_follow_the_unit_kind_and_inherit_down_the_tree(place):
    desk = units.add_unit("Bộ phận một cửa", UnitKind.ONE_STOP_DESK, "T01-A-MC", parent=place.a)
    assert procedure_levels_for(place.province) == {"province", "commune"}
    assert procedure_levels_for(place.dept) == {"province"}
    assert procedure_levels_for(place.a) == {"commune"}
    assert procedure_levels_for(place.centre) == {"commune"}  # the commune's centre: the commune's procedures
    assert procedure_levels_for(desk) == {"commune"}


def test_working_days_before_skip_the_hung_kings_holiday():
    calendar = calendar_for(None)
    # Effective Tue 28 Apr 2026; Mon 27 Apr is the Hùng Kings' day off: 5 working days before is Mon 20 Apr.
    assert working_days_before(calendar, dt.date(2026, 4, 28), 5) == dt.date(2026, 4, 20)
    assert working_days_before(calendar, dt.date(2026, 3, 9), 5) == dt.date(2026, 3, 2)


def test_announced_on_time_published_on_time_and_complete(place):
    load(
        record("1.000001", "commune", dt.date(2026, 3, 2), dt.date(2026, 3, 9)),  # on time: exactly 5 working days before
        record("1.000002", "commune", dt.date(2026, 3, 3), dt.date(2026, 3, 9)),  # late: 4 working days before
        record("1.000003", "province", dt.date(2026, 3, 10), dt.date(2026, 4, 1)),  # a province procedure, on time
        record("1.000004", "commune", dt.date(2026, 2, 2), dt.date(2026, 3, 1)),  # announced in February
        record("1.000005", "commune", None, dt.date(2026, 3, 20)),  # no decision date: cannot be judged, left out
        published_at=local(2026, 3, 6, 16),
    )
    # Published 6 Mar 16:00: within 5 working days of a 2 or 3 March decision (9 and 10 Mar), not of 10 Feb's.
    load(record("1.000006", "commune", dt.date(2026, 3, 20), dt.date(2026, 4, 28), legal_basis=()), published_at=local(2026, 3, 30, 9))
    load(record("1.000007", "commune", dt.date(2026, 4, 21), dt.date(2026, 4, 28),  # 4 working days before (27 Apr off)
                fees=(FeeRecord("Lệ phí", None, raw="Theo Nghị quyết HĐND tỉnh"),)), published_at=local(2026, 4, 29, 9))
    march = Period.month(2026, 3)
    measures = transparency_measures(place.a, march)
    # Announced in March for the commune: 1.000001, 1.000002 and 1.000006 (20 Mar for 28 Apr: well before 20 Apr).
    assert measures["1.1"] == Measure(2, 3)
    # 1.000006 was published 30 Mar, after Fri 27 Mar (5 working days after Fri 20 Mar).
    assert measures["1.2"] == Measure(2, 3)
    assert transparency_measures(place.dept, march)["1.1"] == Measure(1, 1)
    assert transparency_measures(place.province, march)["1.1"] == Measure(3, 4)  # both levels
    april = transparency_measures(place.a, Period.month(2026, 4))
    # 1.000007: 21 Apr for 28 Apr is late (20 Apr at the latest); published 29 Apr = 5 working days after 21 Apr
    # (22, 23, 24, 28, 29: 27 Apr is off), so on time.
    assert april["1.1"] == Measure(0, 1) and april["1.2"] == Measure(1, 1)
    # 1.3 on 30 April, commune level: 1.000001, 2, 4, 5 are complete; 6 has no legal basis; 7 has a fee without amount.
    assert april["1.3"] == Measure(4, 6)
    assert transparency_measures(place.dept, Period.month(2026, 4))["1.3"] == Measure(1, 1)
    assert set(versions_for_unit(place.dept).values_list("procedure__code", flat=True)) == {"1.000003"}


def test_month_by_month_from_one_read_equals_each_months_own_figures(place):
    """The dashboard's trend reads the catalogue history once and takes each month end's snapshot in memory; it
    must give what reading the catalogue at each month end gives, through new versions and an abolition."""
    from congvu.catalog.selectors import current_versions, in_force_on
    from congvu.indices import selectors
    from congvu.indices.measures_catalog import catalogue_history, transparency_measures_by_month

    load(
        record("1.000001", "commune", dt.date(2026, 3, 2), dt.date(2026, 3, 9)),
        record("1.000002", "commune", dt.date(2026, 3, 3), dt.date(2026, 3, 9), legal_basis=()),
        record("1.000003", "province", dt.date(2026, 3, 10), dt.date(2026, 4, 1)),
        record("1.000004", "commune", dt.date(2026, 2, 2), dt.date(2026, 3, 1), fees=(FeeRecord("Lệ phí", 50000),)),
        published_at=local(2026, 3, 6, 16),
    )
    # 1.000002 amended from 1 May (now complete, online); 1.000004 abolished from 1 June.
    load(record("1.000002", "commune", dt.date(2026, 4, 10), dt.date(2026, 5, 1), online_submission=True), published_at=local(2026, 4, 13, 9))
    services.abolish_procedure(ProcedureVersion.objects.get(procedure__code="1.000004").procedure, effective_from=dt.date(2026, 6, 1),
                               decision_number="9/QĐ-UBND", decision_date=dt.date(2026, 5, 15), reason="Bãi bỏ")
    assert ProcedureVersion.objects.filter(procedure__code="1.000002").count() == 2
    months = Period.month(2026, 7).last_months(6)  # February to July
    for unit in (place.a, place.dept, place.province):
        history = catalogue_history(unit)
        by_month = transparency_measures_by_month(unit, months, history)
        for month in months:
            assert by_month[month.key] == transparency_measures(unit, month), (unit, month.key)
            assert sorted(map(repr, selectors._catalog_rows_at(history, month.end))) == sorted(map(repr, selectors._catalog_rows(unit, month))), (unit, month.key)
            assert {r["pk"] for r in in_force_on(history, month.end)} == set(current_versions(month.end).values_list("pk", flat=True))
    june = transparency_measures_by_month(place.a, months)["2026-06"]
    assert june["1.3"] == Measure(2, 2)  # 1.000001 and the amended 1.000002; 1.000004 abolished
