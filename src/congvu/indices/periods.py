"""Reporting periods: a month, a quarter, a year or any range of days, in Vietnam's calendar.

Pure Python (no Django): indicators, rollups, reports and URLs all name a period the same way, by its key —
"2026-03" (a month), "2026-Q1" (a quarter), "2026" (a year), "2026-01-05_2026-02-10" (a custom range, both
days included). A period's instants run from midnight of its first day to midnight after its last day in the
reporting time zone, so a dossier received at 23:30 on 31 March belongs to March whatever the server's clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"

MONTH, QUARTER, YEAR, RANGE = "month", "quarter", "year", "range"
KINDS = (MONTH, QUARTER, YEAR, RANGE)

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_KEY = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR_KEY = re.compile(r"^(\d{4})$")
_RANGE_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})$")

# A custom range longer than this is refused: nobody reports on a decade, and an unbounded range is an easy
# way to make a dashboard do needless work.
MAX_RANGE_DAYS = 3 * 366


class PeriodError(ValueError):
    """The text does not name a period; the message is Vietnamese, for the person who typed it."""


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # last day, included
    kind: str = RANGE

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError("Ngày kết thúc phải sau ngày bắt đầu.")
        if self.kind not in KINDS:
            raise PeriodError(f"Loại kỳ không hợp lệ: {self.kind}.")

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise PeriodError("Tháng phải từ 1 đến 12.")
        start = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        return cls(start, following - dt.timedelta(days=1), MONTH)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise PeriodError("Quý phải từ 1 đến 4.")
        first = cls.month(year, 3 * quarter - 2)
        last = cls.month(year, 3 * quarter)
        return cls(first.start, last.end, QUARTER)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), YEAR)

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Period:
        if end < start:
            raise PeriodError("Ngày kết thúc phải sau ngày bắt đầu.")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise PeriodError("Khoảng thời gian tối đa là 3 năm.")
        return cls(start, end, RANGE)

    @classmethod
    def containing(cls, day: dt.date, kind: str = MONTH) -> Period:
        if kind == MONTH:
            return cls.month(day.year, day.month)
        if kind == QUARTER:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == YEAR:
            return cls.year(day.year)
        raise PeriodError(f"Loại kỳ không hợp lệ: {kind}.")

    @classmethod
    def parse(cls, text: str) -> Period:
        """The period a key names; PeriodError with a Vietnamese message otherwise."""
        text = (text or "").strip()
        try:
            if m := _MONTH_KEY.match(text):
                return cls.month(int(m[1]), int(m[2]))
            if m := _QUARTER_KEY.match(text):
                return cls.quarter(int(m[1]), int(m[2]))
            if m := _YEAR_KEY.match(text):
                return cls.year(int(m[1]))
            if m := _RANGE_KEY.match(text):
                return cls.between(dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2]))
        except ValueError as exc:  # a day that does not exist (2026-02-30), a year 0
            if isinstance(exc, PeriodError):
                raise
            raise PeriodError("Ngày không hợp lệ.") from None
        raise PeriodError("Kỳ báo cáo không hợp lệ: dùng dạng 2026-03 (tháng), 2026-Q1 (quý), 2026 (năm) hoặc 2026-01-05_2026-02-10.")

    # -- naming --------------------------------------------------------------------------------------
    @property
    def key(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == YEAR:
            return f"{self.start.year}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """How a Vietnamese report names the period."""
        if self.kind == MONTH:
            return f"Tháng {self.start.month}/{self.start.year}"
        if self.kind == QUARTER:
            return f"Quý {_ROMAN[(self.start.month - 1) // 3 + 1]}/{self.start.year}"
        if self.kind == YEAR:
            return f"Năm {self.start.year}"
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    def __str__(self) -> str:
        return self.label

    # -- arithmetic ----------------------------------------------------------------------------------
    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        """The period of the same kind just before (a range: the same number of days before)."""
        if self.kind == MONTH:
            return Period.containing(self.start - dt.timedelta(days=1), MONTH)
        if self.kind == QUARTER:
            return Period.containing(self.start - dt.timedelta(days=1), QUARTER)
        if self.kind == YEAR:
            return Period.year(self.start.year - 1)
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1), RANGE)

    def next(self) -> Period:
        if self.kind in (MONTH, QUARTER, YEAR):
            return Period.containing(self.end + dt.timedelta(days=1), self.kind)
        return Period(self.end + dt.timedelta(days=1), self.end + dt.timedelta(days=self.days), RANGE)

    def months(self) -> list[Period]:
        """The calendar months the period touches, in order (the first and last may be partial)."""
        out = []
        current = Period.containing(self.start, MONTH)
        while current.start <= self.end:
            out.append(current)
            current = current.next()
        return out

    def last_months(self, count: int) -> list[Period]:
        """`count` whole months ending with the month that holds the period's last day, oldest first (for
        trend charts)."""
        current = Period.containing(self.end, MONTH)
        out = [current]
        while len(out) < count:
            current = current.previous()
            out.append(current)
        return list(reversed(out))

    def start_instant(self, time_zone: str = DEFAULT_TIME_ZONE) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), ZoneInfo(time_zone))

    def end_instant(self, time_zone: str = DEFAULT_TIME_ZONE) -> dt.datetime:
        """Midnight after the last day: the period is [start_instant, end_instant)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), ZoneInfo(time_zone))
