"""The shipped calendar data: default office hours and the official holiday schedules (pure Python).

Two kinds of data live here, on purpose apart:

* `OFFICIAL_SCHEDULES` records what each official schedule for public employees decided (DOMAIN.md §3), with
  its document numbers. It is the reference the tests hold the calendar to, year after year, whatever the
  `holidays` package does in a future release.
* `OFFICIAL_OVERRIDES` are the override entries the calendar layers on `holidays` because the package lacks
  them or gets them wrong. Checked against `holidays` 0.108, which already has every schedule below except
  the New Year 2026 swap, so that swap is the only override shipped. The Django app loads these entries
  into the database (data migration) where administrators see and edit them and add next year's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo

from .core import OfficeHours, Override, OverrideKind, WorkCalendar
from .public_holidays import VietnamHolidays

VN_TIME_ZONE = "Asia/Ho_Chi_Minh"

# 07:30–11:30 and 13:30–17:00, Monday to Friday: 7.5 office hours a day, the hours most one-stop desks post.
# Decision 188/1999/QĐ-TTg sets the 40-hour week with Saturday and Sunday as weekly rest days; each unit
# posts its own hours (some open Saturday mornings), which the Django layer stores per unit.
DEFAULT_OFFICE_HOURS_SPEC: dict[int, tuple[tuple[str, str], ...]] = {
    weekday: (("07:30", "11:30"), ("13:30", "17:00")) for weekday in range(5)
}
DEFAULT_OFFICE_HOURS = OfficeHours.from_mapping(DEFAULT_OFFICE_HOURS_SPEC)


@dataclass(frozen=True)
class OfficialSchedule:
    """One official holiday break for public employees as decided, with every weekday it takes off."""

    occasion: str
    documents: tuple[str, ...]
    first_day: date
    last_day: date
    weekdays_off: tuple[date, ...]
    worked_weekend_days: tuple[date, ...] = ()
    document_date: date | None = None

    @property
    def year(self) -> int:
        return self.first_day.year


OFFICIAL_SCHEDULES: tuple[OfficialSchedule, ...] = (
    # Lunar New Year on Sat 10 Feb 2024: five Labour Code days (29 Tết – mùng 3) plus the two weekday
    # compensations of art. 111(3) for the Saturday and Sunday, so Thu 8 – Wed 14 Feb.
    OfficialSchedule(
        "Tết Nguyên Đán Giáp Thìn 2024", (),
        date(2024, 2, 8), date(2024, 2, 14),
        (date(2024, 2, 8), date(2024, 2, 9), date(2024, 2, 12), date(2024, 2, 13), date(2024, 2, 14)),
    ),
    OfficialSchedule(
        "Ngày Chiến thắng và Quốc tế Lao động 2024", ("2450/VPCP-KGVX",),
        date(2024, 4, 27), date(2024, 5, 1),
        (date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)),
        (date(2024, 5, 4),),
        date(2024, 4, 12),
    ),
    OfficialSchedule(
        "Tết Nguyên Đán Ất Tỵ 2025", ("8726/VPCP-KGVX", "6150/TB-BLĐTBXH"),
        date(2025, 1, 25), date(2025, 2, 2),
        (date(2025, 1, 27), date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31)),
    ),
    OfficialSchedule(
        "Ngày Chiến thắng và Quốc tế Lao động 2025", (),
        date(2025, 4, 30), date(2025, 5, 4),
        (date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2)),
        (date(2025, 4, 26),),
    ),
    OfficialSchedule(
        "Quốc khánh 2025", (),
        date(2025, 8, 30), date(2025, 9, 2),
        (date(2025, 9, 1), date(2025, 9, 2)),
    ),
    OfficialSchedule(
        "Tết Dương lịch 2026", ("12729/VPCP-KGVX",),
        date(2026, 1, 1), date(2026, 1, 4),
        (date(2026, 1, 1), date(2026, 1, 2)),
        (date(2026, 1, 10),),
        date(2025, 12, 25),
    ),
    OfficialSchedule(
        "Tết Nguyên Đán Bính Ngọ 2026", (),
        date(2026, 2, 14), date(2026, 2, 22),
        (date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20)),
    ),
    # Hùng Kings' day falls on Sunday 26 Apr 2026; Labour Code art. 111(3) gives the next working day off.
    OfficialSchedule(
        "Giỗ Tổ Hùng Vương 2026", (),
        date(2026, 4, 25), date(2026, 4, 27),
        (date(2026, 4, 27),),
    ),
    OfficialSchedule(
        "Quốc khánh 2026", ("9441/TB-BNV",),
        date(2026, 8, 29), date(2026, 9, 2),
        (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)),
        (date(2026, 8, 22),),
    ),
    OfficialSchedule(
        "Ngày Văn hóa Việt Nam 2026", ("28/2026/QH16",),
        date(2026, 11, 24), date(2026, 11, 24),
        (date(2026, 11, 24),),
    ),
)

# What `holidays` 0.108 lacks: VPCP 12729/VPCP-KGVX of 25 Dec 2025 moved the working Friday 2 Jan 2026 to
# Saturday 10 Jan 2026 so that New Year ran Thursday 1 – Sunday 4 Jan.
OFFICIAL_OVERRIDES: tuple[Override, ...] = (
    Override(
        date(2026, 1, 2), OverrideKind.DAY_OFF,
        "Nghỉ Tết Dương lịch, hoán đổi với ngày làm việc thứ Bảy 10/01/2026",
        "12729/VPCP-KGVX", date(2025, 12, 25),
    ),
    Override(
        date(2026, 1, 10), OverrideKind.WORKING_DAY,
        "Làm việc bù cho ngày nghỉ thứ Sáu 02/01/2026",
        "12729/VPCP-KGVX", date(2025, 12, 25),
    ),
)


def official_calendar(
    office_hours: OfficeHours | None = None,
    overrides: tuple[Override, ...] | None = None,
    *,
    tz: str | tzinfo = VN_TIME_ZONE,
    years: tuple[int, int] | None = None,
) -> WorkCalendar:
    """The calendar from shipped data only: Vietnamese public holidays, the official overrides and the
    default office hours (each replaceable). Used where no database is at hand (CLI fallback, bench)."""
    return WorkCalendar(
        DEFAULT_OFFICE_HOURS if office_hours is None else office_hours,
        OFFICIAL_OVERRIDES if overrides is None else overrides,
        holidays=VietnamHolidays(),
        tz=tz,
        years=years,
    )
