"""congvu.workcal: the working-day calendar and deadline arithmetic.

The core (`core`, `public_holidays`, `official`) is pure Python and imports no Django, so deadline rules can
be used and tested anywhere; the Django layer of this app (`models`, `services`, `admin`, `cli`) stores the
overrides and office hours administrators edit and builds calendars from them.

    from congvu.workcal.official import official_calendar
    cal = official_calendar()
    cal.add_working_days(received_at, 5)
"""

from .core import CalendarError, DayInfo, DaySource, HolidaySource, OfficeHours, Override, OverrideKind, WorkCalendar

__all__ = [
    "CalendarError",
    "DayInfo",
    "DaySource",
    "HolidaySource",
    "OfficeHours",
    "Override",
    "OverrideKind",
    "WorkCalendar",
]
