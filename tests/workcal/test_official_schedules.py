"""The shipped calendar agrees with the official schedules of 2024–2026 and with the lunar calendar."""

from datetime import date, timedelta

import holidays
import pytest
import vnlunar

from congvu.workcal.core import DaySource
from congvu.workcal.official import OFFICIAL_OVERRIDES, OFFICIAL_SCHEDULES


def days(first: date, last: date):
    while first <= last:
        yield first
        first += timedelta(days=1)


@pytest.mark.parametrize("schedule", OFFICIAL_SCHEDULES, ids=lambda s: s.occasion)
def test_official_break_is_off_and_bounded_by_working_days(cal, schedule):
    for day in days(schedule.first_day, schedule.last_day):
        assert not cal.is_working_day(day), f"{day} should be off ({schedule.occasion})"
    for day in schedule.weekdays_off:
        assert day.weekday() < 5 and not cal.is_working_day(day)
    for day in schedule.worked_weekend_days:
        assert day.weekday() >= 5 and cal.is_working_day(day), f"{day} is a swapped working day"
    # The break is exactly as long as decided: the days either side are ordinary working days.
    assert cal.is_working_day(schedule.first_day - timedelta(days=1))
    assert cal.is_working_day(schedule.last_day + timedelta(days=1))


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2024, 2, 8), date(2024, 2, 14)),  # Thu – Wed
        (date(2025, 1, 25), date(2025, 2, 2)),  # Sat – Sun, 9 days (VPCP 8726/VPCP-KGVX)
        (date(2026, 2, 14), date(2026, 2, 22)),  # Sat – Sun, 9 days
    ],
)
def test_tet_breaks(cal, first, last):
    assert [d for d in days(first - timedelta(days=3), last + timedelta(days=3)) if not cal.is_working_day(d)] == [
        d for d in days(first - timedelta(days=3), last + timedelta(days=3))
        if first <= d <= last or d.weekday() >= 5
    ]
    weekday_reasons = [cal.day_info(d).reason for d in days(first, last) if d.weekday() < 5]
    assert all("Tết" in reason for reason in weekday_reasons), weekday_reasons


@pytest.mark.parametrize("saturday", [date(2024, 5, 4), date(2025, 4, 26), date(2026, 1, 10), date(2026, 8, 22)])
def test_swapped_saturdays_are_full_working_days(cal, saturday):
    assert saturday.weekday() == 5
    assert cal.is_working_day(saturday)
    assert [(s.isoformat(), e.isoformat()) for s, e in cal.working_hours_on(saturday)] == [
        (f"{saturday}T07:30:00+07:00", f"{saturday}T11:30:00+07:00"),
        (f"{saturday}T13:30:00+07:00", f"{saturday}T17:00:00+07:00"),
    ]


@pytest.mark.parametrize("weekday_off", [date(2024, 4, 29), date(2025, 5, 2), date(2026, 1, 2), date(2026, 4, 27), date(2026, 8, 31)])
def test_decided_weekdays_off(cal, weekday_off):
    assert weekday_off.weekday() < 5 and not cal.is_working_day(weekday_off)


def test_new_year_2026_swap_cites_its_decision(cal):
    info = cal.day_info(date(2026, 1, 2))
    assert info.source is DaySource.OVERRIDE
    assert info.decision_number == "12729/VPCP-KGVX"
    assert "12729/VPCP-KGVX" in info.reason and "25/12/2025" in info.reason
    assert cal.day_info(date(2026, 1, 10)).decision_number == "12729/VPCP-KGVX"


@pytest.mark.parametrize("override", OFFICIAL_OVERRIDES, ids=lambda o: str(o.day))
def test_each_shipped_override_corrects_the_holidays_package(override):
    # Overrides are shipped only where `holidays` lacks or gets a decision wrong; when a release of the
    # package catches up, this fails and the override should go.
    table = holidays.country_holidays("VN", years=override.day.year)
    says_working = table.is_working_day(override.day)
    assert says_working == override.kind.is_off


def test_vietnam_culture_day_from_2026(cal):
    assert not cal.is_working_day(date(2026, 11, 24))
    assert cal.is_working_day(date(2025, 11, 24))


# Hùng Kings' day (Labour Code 2019 art. 112(1)(c)) is the 10th day of the 3rd lunar month on the
# Vietnamese calendar (UTC+7). When it falls on a weekend, art. 111(3) gives the next working day off.
@pytest.mark.parametrize("year", range(2020, 2036))
def test_hung_kings_day_follows_the_vietnamese_lunar_calendar(cal, year):
    d, m, y = vnlunar.convert_lunar_to_solar(10, 3, year, 0, 7.0)
    lunar_day = date(y, m, d)
    named = holidays.country_holidays("VN", years=year, language="vi", observed=False)
    assert "Hùng Vương" in named.get(lunar_day, ""), f"{lunar_day} is Hùng Kings' day per vnlunar"
    assert not cal.is_working_day(lunar_day)
    if lunar_day.weekday() < 5:
        assert "Hùng Vương" in cal.day_info(lunar_day).reason
        return
    compensation = lunar_day + timedelta(days=1)
    while compensation.weekday() >= 5 or compensation in named:
        compensation += timedelta(days=1)
    info = cal.day_info(compensation)
    assert not info.is_working
    assert "Hùng Vương" in info.reason and "nghỉ bù" in info.reason


def test_hung_kings_day_2026_on_sunday_gives_monday_off(cal):
    assert date(2026, 4, 26).weekday() == 6
    assert not cal.is_working_day(date(2026, 4, 27))
    assert cal.is_working_day(date(2026, 4, 28))


def test_lunar_new_year_matches_vnlunar(cal):
    for year in range(2020, 2031):
        d, m, y = vnlunar.convert_lunar_to_solar(1, 1, year, 0, 7.0)
        tet = date(y, m, d)
        assert not cal.is_working_day(tet)
        if tet.weekday() < 5:
            assert cal.day_info(tet).reason == "Tết Nguyên Đán"
