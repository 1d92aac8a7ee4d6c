"""Due dates by the rules of DOMAIN.md §3 (Civil Code 2015 art. 147–148), on the shipped calendar."""

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from congvu.workcal.core import CalendarError, OfficeHours, Override, OverrideKind, WorkCalendar
from congvu.workcal.official import DEFAULT_OFFICE_HOURS, OFFICIAL_OVERRIDES
from congvu.workcal.public_holidays import VietnamHolidays

from .conftest import VN, vn


def test_one_working_day_across_tet_2026(cal):
    # DOMAIN.md §3's worked example: received Friday 13 Feb 2026, the Tết break runs Sat 14 – Sun 22 Feb.
    due = cal.add_working_days(vn(2026, 2, 13, 10, 0), 1)
    assert due.isoformat() == "2026-02-23T17:00:00+07:00"


def test_receiving_day_is_not_counted(cal):
    assert cal.add_working_days(vn(2026, 3, 2, 7, 30), 1) == vn(2026, 3, 3, 17)
    assert cal.add_working_days(vn(2026, 3, 2, 16, 59), 3) == vn(2026, 3, 5, 17)


def test_zero_days_means_the_same_working_day(cal):
    assert cal.add_working_days(vn(2026, 3, 2, 9, 0), 0) == vn(2026, 3, 2, 17)
    # Received on a Sunday: the receiving day is Monday, so "on the spot" is Monday's close.
    assert cal.add_working_days(vn(2026, 3, 1, 9, 0), 0) == vn(2026, 3, 2, 17)


def test_received_after_hours_counts_from_the_next_working_morning(cal):
    # 17:30 Friday → received Monday 07:30, so 1 working day is due Tuesday.
    assert cal.next_working_instant(vn(2026, 3, 6, 17, 30)) == vn(2026, 3, 9, 7, 30)
    assert cal.add_working_days(vn(2026, 3, 6, 17, 30), 1) == vn(2026, 3, 10, 17)
    # Same Friday within hours: due Monday.
    assert cal.add_working_days(vn(2026, 3, 6, 16, 0), 1) == vn(2026, 3, 9, 17)
    # Received Friday 13 Feb 2026 after hours: the first working morning is after Tết.
    assert cal.add_working_days(vn(2026, 2, 13, 17, 30), 1) == vn(2026, 2, 24, 17)


def test_received_on_sunday(cal):
    assert cal.next_working_instant(vn(2026, 3, 8, 10, 0)) == vn(2026, 3, 9, 7, 30)
    assert cal.add_working_days(vn(2026, 3, 8, 10, 0), 2) == vn(2026, 3, 11, 17)
    assert cal.add_working_hours(vn(2026, 3, 8, 10, 0), 2) == vn(2026, 3, 9, 9, 30)


def test_closing_instant_is_the_last_working_instant(cal):
    assert cal.is_working_instant(vn(2026, 3, 2, 17, 0))
    assert not cal.is_working_instant(vn(2026, 3, 2, 17, 0, 1))
    assert cal.is_working_instant(vn(2026, 3, 2, 11, 30)) and not cal.is_working_instant(vn(2026, 3, 2, 12, 0))
    assert cal.add_working_days(vn(2026, 3, 2, 17, 0), 1) == vn(2026, 3, 3, 17)
    assert cal.add_working_days(vn(2026, 3, 2, 17, 0, 1), 1) == vn(2026, 3, 4, 17)


def test_received_at_lunch_stays_on_the_same_day(cal):
    assert cal.next_working_instant(vn(2026, 3, 2, 12, 15)) == vn(2026, 3, 2, 13, 30)
    assert cal.add_working_days(vn(2026, 3, 2, 12, 15), 1) == vn(2026, 3, 3, 17)


def test_hours_across_lunch(cal):
    # "Within 2 hours", received 10:30: one hour until 11:30, the second from 13:30.
    assert cal.add_working_hours(vn(2026, 3, 2, 10, 30), 2) == vn(2026, 3, 2, 14, 30)
    # Ending exactly at the lunch break is due at 11:30, not 13:30.
    assert cal.add_working_hours(vn(2026, 3, 2, 9, 30), 2) == vn(2026, 3, 2, 11, 30)


def test_hours_across_days_weekends_and_holidays(cal):
    assert cal.add_working_hours(vn(2026, 3, 2, 16, 0), 2) == vn(2026, 3, 3, 8, 30)
    assert cal.add_working_hours(vn(2026, 3, 6, 16, 0), 8) == vn(2026, 3, 9, 16, 30)  # Fri 1 h, Mon 7 h
    assert cal.add_working_hours(vn(2026, 3, 6, 16, 0), 9) == vn(2026, 3, 10, 8, 0)  # Fri 1 h, Mon 7.5 h, Tue
    assert cal.add_working_hours(vn(2026, 2, 13, 16, 0), 1.5) == vn(2026, 2, 23, 8, 0)  # across Tết
    assert cal.add_working_hours(vn(2026, 2, 13, 16, 0), timedelta(minutes=90)) == vn(2026, 2, 23, 8, 0)
    assert cal.add_working_hours(vn(2026, 2, 13, 16, 0), Decimal("0.25")) == vn(2026, 2, 13, 16, 15)


def test_zero_hours_is_the_effective_receipt(cal):
    assert cal.add_working_hours(vn(2026, 3, 2, 7, 30), 0) == vn(2026, 3, 2, 7, 30)
    assert cal.add_working_hours(vn(2026, 3, 2, 18, 0), 0) == vn(2026, 3, 3, 7, 30)


def test_results_are_in_vietnam_time_whatever_the_input_zone(cal):
    received_utc = datetime(2026, 2, 13, 3, 0, tzinfo=timezone.utc)  # 10:00 in Hà Nội
    due = cal.add_working_days(received_utc, 1)
    assert due.isoformat() == "2026-02-23T17:00:00+07:00"
    # 11:00 UTC is 18:00 in Hà Nội: after hours although it is morning elsewhere.
    assert cal.next_working_instant(datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)) == vn(2026, 3, 3, 7, 30)


def test_pause_moves_the_due_time_by_the_office_time_paused(cal):
    received = vn(2026, 3, 2, 8, 0)  # Monday
    assert cal.add_working_days(received, 2) == vn(2026, 3, 4, 17)
    # Waiting for the citizen from Tuesday 9:00 to 16:00 stops the clock for 5 office hours (lunch is not
    # office time), so the Wednesday 17:00 due time moves to Thursday 14:30.
    pause = (vn(2026, 3, 3, 9, 0), vn(2026, 3, 3, 16, 0))
    assert cal.add_working_days(received, 2, pauses=[pause]) == vn(2026, 3, 5, 14, 30)
    assert cal.working_time_between(received, cal.add_working_days(received, 2, [pause]), [pause]) == (
        cal.working_time_between(received, vn(2026, 3, 4, 17))
    )
    # A pause over a weekend stops nothing.
    weekend = (vn(2026, 3, 7, 0, 0), vn(2026, 3, 8, 23, 0))
    assert cal.add_working_days(vn(2026, 3, 6, 9, 0), 1, pauses=[weekend]) == vn(2026, 3, 9, 17)


def test_pause_for_hour_limits_and_overlapping_pauses(cal):
    received = vn(2026, 3, 2, 8, 0)
    pauses = [(vn(2026, 3, 2, 9, 0), vn(2026, 3, 2, 10, 0)), (vn(2026, 3, 2, 9, 30), vn(2026, 3, 2, 10, 30))]
    # 2 hours from 08:00 with 09:00–10:30 paused: 08:00–09:00 then 10:30–11:30.
    assert cal.add_working_hours(received, 2, pauses) == vn(2026, 3, 2, 11, 30)
    # A pause that ended before receipt does not count.
    assert cal.add_working_hours(received, 2, [(vn(2026, 2, 27, 9), vn(2026, 2, 27, 10))]) == vn(2026, 3, 2, 10, 0)


def test_pause_beginning_after_the_due_time_changes_nothing(cal):
    # Due at 11:30; a supplement requested over lunch (after the due instant, though no office time has
    # passed since) cannot move a deadline that was already reached.
    received = vn(2026, 3, 2, 9, 30)
    assert cal.add_working_hours(received, 2, [(vn(2026, 3, 2, 12, 0), vn(2026, 3, 2, 15, 0))]) == vn(2026, 3, 2, 11, 30)
    assert cal.add_working_days(received, 0, [(vn(2026, 3, 2, 17, 30), vn(2026, 3, 3, 10, 0))]) == vn(2026, 3, 2, 17, 0)
    # One minute earlier it does.
    assert cal.add_working_hours(received, 2, [(vn(2026, 3, 2, 11, 29), vn(2026, 3, 2, 15, 0))]) == vn(2026, 3, 2, 15, 1)


def test_working_time_between_measures_lateness(cal):
    due = vn(2026, 3, 2, 17, 0)
    assert cal.working_time_between(due, vn(2026, 3, 3, 9, 0)) == timedelta(hours=1, minutes=30)
    assert cal.working_time_between(vn(2026, 3, 3, 9, 0), due) == -timedelta(hours=1, minutes=30)
    assert cal.working_time_between(vn(2026, 3, 2, 17, 0), vn(2026, 3, 3, 7, 30)) == timedelta(0)
    assert cal.working_time_between(vn(2026, 2, 13, 7, 30), vn(2026, 2, 23, 17, 0)) == timedelta(hours=15)


def test_working_days_between(cal):
    received = vn(2026, 2, 13, 10, 0)
    assert cal.working_days_between(received, vn(2026, 2, 13, 16, 0)) == 0
    assert cal.working_days_between(received, vn(2026, 2, 23, 9, 0)) == 1
    assert cal.working_days_between(received, vn(2026, 2, 23, 17, 0)) == 1
    assert cal.working_days_between(received, vn(2026, 2, 24, 7, 31)) == 2
    assert cal.working_days_between(received, vn(2026, 2, 1, 7, 31)) == 0


def _unit_calendar(**kwargs) -> WorkCalendar:
    return WorkCalendar(kwargs.pop("hours", DEFAULT_OFFICE_HOURS), kwargs.pop("overrides", OFFICIAL_OVERRIDES),
                        holidays=VietnamHolidays(), years=(2025, 2027))


def test_unit_closure_is_a_day_off_for_that_unit():
    closure = Override(date(2026, 3, 3), OverrideKind.UNIT_CLOSURE, "Sửa chữa trụ sở", "15/QĐ-UBND", precedence=3)
    unit_cal = _unit_calendar(overrides=(*OFFICIAL_OVERRIDES, closure))
    assert not unit_cal.is_working_day(date(2026, 3, 3))
    assert unit_cal.day_info(date(2026, 3, 3)).reason == "Sửa chữa trụ sở (theo 15/QĐ-UBND)"
    assert unit_cal.add_working_days(vn(2026, 3, 2, 9, 0), 1) == vn(2026, 3, 4, 17)


def test_more_specific_override_wins():
    province_off = Override(date(2026, 3, 3), OverrideKind.DAY_OFF, "Nghỉ bầu cử", "1/QĐ-UBND", precedence=0)
    unit_works = Override(date(2026, 3, 3), OverrideKind.WORKING_DAY, "Trực tiếp nhận hồ sơ", "2/QĐ-UBND", precedence=2)
    assert _unit_calendar(overrides=(province_off, unit_works)).is_working_day(date(2026, 3, 3))
    assert _unit_calendar(overrides=(unit_works, province_off)).is_working_day(date(2026, 3, 3))
    # Same level: the day off wins whatever the order, since a contradiction must not open a closed office.
    same_level = Override(date(2026, 3, 3), OverrideKind.WORKING_DAY, "Trực", "3/QĐ-UBND", precedence=0)
    assert not _unit_calendar(overrides=(same_level, province_off)).is_working_day(date(2026, 3, 3))
    assert not _unit_calendar(overrides=(province_off, same_level)).is_working_day(date(2026, 3, 3))


def test_unit_open_on_saturday_morning():
    hours = OfficeHours.from_mapping(
        {**{d: [("07:30", "11:30"), ("13:30", "17:00")] for d in range(5)}, 5: [("07:30", "11:30")]}
    )
    unit_cal = _unit_calendar(hours=hours)
    assert unit_cal.is_working_day(date(2026, 3, 7))
    # Received Friday 16:30 with 1 working day: Saturday is that unit's next working day, due at 11:30.
    assert unit_cal.add_working_days(vn(2026, 3, 6, 16, 30), 1) == vn(2026, 3, 7, 11, 30)
    assert unit_cal.add_working_hours(vn(2026, 3, 6, 16, 30), 1) == vn(2026, 3, 7, 8, 0)
    # A Saturday that is a public holiday stays closed (mùng 4 Tết 2025), and a swapped Saturday is a full day.
    assert not unit_cal.is_working_day(date(2025, 2, 1))
    assert unit_cal.working_hours_on(date(2026, 1, 10))[-1][1] == vn(2026, 1, 10, 17, 0)
    # The 2 Jan 2026 swap still gives Friday off.
    assert not unit_cal.is_working_day(date(2026, 1, 2))


def test_office_hours_are_data():
    short = OfficeHours.from_mapping({d: [(time(8), time(12))] for d in range(5)})
    unit_cal = _unit_calendar(hours=short)
    assert unit_cal.add_working_days(vn(2026, 3, 2, 9), 1) == vn(2026, 3, 3, 12)
    assert unit_cal.add_working_hours(vn(2026, 3, 2, 11), 2) == vn(2026, 3, 3, 9)
    assert unit_cal.next_working_instant(vn(2026, 3, 2, 13)) == vn(2026, 3, 3, 8)


@pytest.mark.parametrize(
    "mapping",
    [
        {0: [("11:00", "10:00")]},
        {0: [("07:30", "11:30"), ("11:00", "17:00")]},
        {},
        {7: [("07:30", "11:30")]},
        {0: [("7h30", "11:30")]},
    ],
)
def test_bad_office_hours_are_refused(mapping):
    with pytest.raises(CalendarError) as error:
        OfficeHours.from_mapping(mapping)
    assert error.value.code == "bad_hours"


def test_years_outside_the_table_are_computed_on_demand(cal):
    assert cal.add_working_days(vn(2040, 2, 10, 9, 0), 1) == vn(2040, 2, 20, 17, 0)  # Tết 2040 is 12 Feb
    assert not cal.is_working_day(date(1999, 9, 2))
    assert cal.add_working_days(vn(2030, 12, 31, 9, 0), 3) == vn(2031, 1, 6, 17, 0)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: c.add_working_days(datetime(2026, 3, 2, 9), 1), "naive_datetime"),
        (lambda c: c.add_working_days("2026-03-02", 1), "not_datetime"),
        (lambda c: c.add_working_days(vn(2026, 3, 2), -1), "negative_limit"),
        (lambda c: c.add_working_days(vn(2026, 3, 2), 1.5), "bad_days_limit"),
        (lambda c: c.add_working_days(vn(2026, 3, 2), True), "bad_days_limit"),
        (lambda c: c.add_working_hours(vn(2026, 3, 2), -0.5), "negative_limit"),
        (lambda c: c.add_working_hours(vn(2026, 3, 2), float("nan")), "bad_hours_limit"),
        (lambda c: c.add_working_hours(vn(2026, 3, 2), "2"), "bad_hours_limit"),
        (lambda c: c.add_working_hours(vn(2026, 3, 2), 1, [(vn(2026, 3, 3), vn(2026, 3, 2))]), "bad_pause"),
        (lambda c: c.add_working_hours(vn(2026, 3, 2), 1, [vn(2026, 3, 3)]), "bad_pause"),
        (lambda c: c.add_working_days(vn(2100, 12, 30, 9), 30), "out_of_range"),
        (lambda c: c.is_working_day(vn(2026, 3, 2)), "not_date"),
        (lambda c: c.non_working_weekdays(3000), "out_of_range"),
        (lambda c: c.working_time_between(vn(2026, 3, 2), datetime(2026, 3, 3)), "naive_datetime"),
    ],
)
def test_bad_input_is_refused_clearly(cal, call, code):
    with pytest.raises(CalendarError) as error:
        call(cal)
    assert error.value.code == code


def test_non_working_weekdays_2026(cal):
    listed = {info.day: info for info in cal.non_working_weekdays(2026)}
    assert sorted(listed) == [
        date(2026, 1, 1), date(2026, 1, 2),
        date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20),
        date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1),
        date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2),
        date(2026, 11, 24),
    ]
    assert all(info.reason for info in listed.values())


def test_unknown_time_zone_is_refused():
    with pytest.raises(CalendarError) as error:
        WorkCalendar(DEFAULT_OFFICE_HOURS, holidays=VietnamHolidays(), tz="Asia/Sai_Gon", years=(2026, 2026))
    assert error.value.code == "bad_time_zone"


def test_calendar_in_another_zone_computes_in_that_zone():
    # The zone is configuration (CONGVU_TIME_ZONE): office hours are read on that zone's clock.
    tokyo = WorkCalendar(DEFAULT_OFFICE_HOURS, OFFICIAL_OVERRIDES, holidays=VietnamHolidays(), tz="Asia/Tokyo", years=(2026, 2026))
    due = tokyo.add_working_hours(vn(2026, 3, 2, 7, 30), 1)  # 09:30 in Tokyo
    assert due.isoformat() == "2026-03-02T10:30:00+09:00"
