"""Properties every due date must have, checked on random receipts, limits and pauses (hypothesis)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from congvu.workcal.core import OfficeHours, Override, OverrideKind, WorkCalendar
from congvu.workcal.official import DEFAULT_OFFICE_HOURS_SPEC, OFFICIAL_OVERRIDES, official_calendar
from congvu.workcal.public_holidays import VietnamHolidays

from .conftest import VN

OFFICIAL = official_calendar(years=(2024, 2028))
# A unit open Saturday mornings, closed two days for repairs: a calendar unlike the default one.
SATURDAY_UNIT = WorkCalendar(
    OfficeHours.from_mapping({**DEFAULT_OFFICE_HOURS_SPEC, 5: (("07:30", "11:30"),)}),
    (
        *OFFICIAL_OVERRIDES,
        Override(date(2025, 6, 3), OverrideKind.UNIT_CLOSURE, "Sửa chữa trụ sở", "7/QĐ-UBND", precedence=2),
        Override(date(2025, 6, 4), OverrideKind.UNIT_CLOSURE, "Sửa chữa trụ sở", "7/QĐ-UBND", precedence=2),
    ),
    holidays=VietnamHolidays(),
    years=(2024, 2028),
)
CALENDARS = pytest.mark.parametrize("cal", [OFFICIAL, SATURDAY_UNIT], ids=["official", "saturday-unit"])

instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31, 23, 59), timezones=st.sampled_from([VN, timezone.utc])
)
day_limits = st.integers(min_value=0, max_value=60)
hour_limits = st.integers(min_value=0, max_value=200 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))


@st.composite
def pauses(draw, start):
    """Up to three pauses in the weeks after (or just before) receipt, possibly overlapping."""
    found = []
    for _ in range(draw(st.integers(0, 3))):
        begin = start + timedelta(minutes=draw(st.integers(-600, 60 * 24 * 30)))
        found.append((begin, begin + timedelta(minutes=draw(st.integers(0, 60 * 24 * 7)))))
    return found


@CALENDARS
@settings(max_examples=300, deadline=None)
@given(start=instants, n=day_limits, data=st.data())
def test_day_limits(cal, start, n, data):
    stops = data.draw(pauses(start))
    due = cal.add_working_days(start, n, stops)
    assert due.tzinfo is cal.tz
    assert cal.is_working_instant(due) and cal.is_working_day(due.date())
    assert due >= cal.next_working_instant(start)
    # The round trip: the days used up to the due time are exactly the limit.
    assert cal.working_days_between(start, due, stops) == n
    if not stops:
        # Art. 148: the period ends at the close of office hours of its last day.
        assert not cal.is_working_instant(due + timedelta(microseconds=1))
        assert due.date() > cal.next_working_instant(start).date() or n == 0
    assert due >= cal.add_working_days(start, n)


@CALENDARS
@settings(max_examples=300, deadline=None)
@given(start=instants, amount=hour_limits, data=st.data())
def test_hour_limits(cal, start, amount, data):
    stops = data.draw(pauses(start))
    due = cal.add_working_hours(start, amount, stops)
    assert cal.is_working_instant(due)
    assert cal.working_time_between(start, due, stops) == amount
    assert cal.working_time_between(start, cal.add_working_hours(start, amount), ()) == amount
    assert due >= cal.add_working_hours(start, amount)


@CALENDARS
@settings(max_examples=200, deadline=None)
@given(start=instants, a=day_limits, b=day_limits)
def test_days_are_monotonic(cal, start, a, b):
    low, high = sorted((a, b))
    assert cal.add_working_days(start, low) <= cal.add_working_days(start, high)
    if low < high:
        assert cal.add_working_days(start, low) < cal.add_working_days(start, high)


@CALENDARS
@settings(max_examples=200, deadline=None)
@given(start=instants, a=hour_limits, b=hour_limits)
def test_hours_are_monotonic(cal, start, a, b):
    low, high = sorted((a, b))
    assert cal.add_working_hours(start, low) <= cal.add_working_hours(start, high)


@CALENDARS
@settings(max_examples=200, deadline=None)
@given(start=instants, n=st.integers(min_value=0, max_value=40))
def test_day_limit_ends_on_the_nth_working_day(cal, start, n):
    # An independent count, one day at a time, against the table lookup.
    day = cal.next_working_instant(start).date()
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        counted += cal.is_working_day(day)
    assert cal.add_working_days(start, n).date() == day


@CALENDARS
@settings(max_examples=200, deadline=None)
@given(a=instants, b=instants)
def test_working_time_is_antisymmetric_and_additive(cal, a, b):
    assert cal.working_time_between(a, b) == -cal.working_time_between(b, a)
    middle = min(a, b) + (max(a, b) - min(a, b)) / 2
    lo, hi = min(a, b), max(a, b)
    assert cal.working_time_between(lo, hi) == cal.working_time_between(lo, middle) + cal.working_time_between(middle, hi)
