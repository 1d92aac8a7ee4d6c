"""Vietnam's public holidays, read from the `holidays` package (pure Python, no Django).

`holidays` carries Labour Code 2019 art. 112 (1 Jan; five days of Lunar New Year computed on the Vietnamese
lunar calendar; Hùng Kings' day, 10th of the 3rd lunar month; 30 Apr; 1 May; 2 Sep and an adjacent day;
24 Nov from 2026), the compensatory weekday when a holiday falls on a weekend (art. 111(3)), and some
yearly swaps decided by the Government (`special_public_holidays`, with the worked weekend days in
`weekend_workdays`). What it lacks is layered on top as override data (`official.py`).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

import holidays as _holidays

from .core import CalendarError

# The observed-day rules in `holidays` start in 1995 and its lunar tables end in 2100; outside that range it
# silently returns fewer holidays, which would give wrong deadlines, so the source refuses those years.
VN_FIRST_YEAR = 1995
VN_LAST_YEAR = 2100

SWAPPED_DAY_NAME = "Ngày làm việc bù"


@lru_cache(maxsize=256)
def _year(year: int, language: str) -> tuple[Mapping[date, str], Mapping[date, str]]:
    table = _holidays.country_holidays("VN", years=year, language=language)
    days_off = {day: name for day, name in table.items() if day.year == year}
    swapped = {}
    for day in sorted(d for d in getattr(table, "weekend_workdays", ()) if d.year == year):
        # `holidays` names the weekday off "Ngày nghỉ (thay cho ngày dd/mm/yyyy)"; name the worked day after it.
        stamp = f"{day:%d/%m/%Y}"
        paired = next((d for d, name in days_off.items() if stamp in name), None)
        swapped[day] = f"{SWAPPED_DAY_NAME} cho ngày nghỉ {paired:%d/%m/%Y}" if paired else SWAPPED_DAY_NAME
    return MappingProxyType(days_off), MappingProxyType(swapped)


class VietnamHolidays:
    """`HolidaySource` for Vietnam; names in Vietnamese by default."""

    first_year = VN_FIRST_YEAR
    last_year = VN_LAST_YEAR

    def __init__(self, language: str = "vi") -> None:
        self.language = language

    def _check(self, year: int) -> None:
        if not self.first_year <= year <= self.last_year:
            raise CalendarError(
                "out_of_range",
                f"Vietnamese holidays are known for {self.first_year}–{self.last_year}; {year} is outside",
                year=year, first=self.first_year, last=self.last_year,
            )

    def days_off(self, year: int) -> Mapping[date, str]:
        self._check(year)
        return _year(year, self.language)[0]

    def working_weekend_days(self, year: int) -> Mapping[date, str]:
        self._check(year)
        return _year(year, self.language)[1]
