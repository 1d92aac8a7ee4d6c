"""Working-day calendar and deadline arithmetic, in pure Python (no Django).

Every deadline in congvu is computed here, from data passed in: the office hours of a unit, the public
holidays (a `HolidaySource`, in practice `public_holidays.VietnamHolidays` over the `holidays` package) and
the override entries decided by documents (extra days off, swapped working days, a unit's own closures).

The rules (DOMAIN.md §3):

* A working day is a day that is not a public holiday or decided day off and has office hours; a swapped
  working day (a Saturday worked in exchange for a weekday off) is a working day.
* Civil Code 2015 art. 147: a period in days does not count the day of the event; it starts on the next day.
  Art. 148: it ends at the end of its last day, and a last day that falls on a day off moves to the next
  working day. So N working days from receipt end at the close of office hours on the N-th working day after
  the receiving day; N = 0 ("on the spot") ends at the close of the receiving day itself.
* A dossier received outside office hours counts as received at the next working instant (Decree 61/2018
  art. 15 as carried into Decree 118/2025: the one-stop desk receives within office hours), so one received
  after the close of a working day has the following working day as its receiving day.
* Time limits in hours count office time only, from the effective receipt instant.
* Waiting for the citizen pauses the clock: the due time moves by the office time that was paused.

Implementation: time is mapped onto one axis of cumulative office time in microseconds ("W"). A table built
per range of years holds, for each day, its office intervals, the office time before it (`cum`), and the
working-day ordinals, so a due date is an array lookup (days) or a bisection (hours). Integers keep the
arithmetic exact, which is what makes the round-trip properties (add then measure gives back the limit) hold.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Iterable, Mapping, Protocol, Sequence
from zoneinfo import ZoneInfo

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

_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3600 * _US_PER_SECOND
# How many years the first table covers around today. Anything outside is added on demand; this only sets
# how much work construction does up front.
_INITIAL_SPAN_BEFORE = 3
_INITIAL_SPAN_AFTER = 4


class CalendarError(ValueError):
    """Bad input to the calendar. `code` is stable (for messages at the edges), `params` fill them in."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class OverrideKind(str, Enum):
    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"
    UNIT_CLOSURE = "unit_closure"

    @property
    def is_off(self) -> bool:
        return self is not OverrideKind.WORKING_DAY


@dataclass(frozen=True, slots=True)
class Override:
    """One decided exception to the regular calendar, with the document that decided it.

    `precedence` orders entries for the same day: the highest wins (the Django layer gives installation-wide
    entries 0 and a unit's entries its depth in the unit tree, so the most specific decision applies). At
    equal precedence a day off beats a working day: closing is the safe reading of contradictory data.
    """

    day: date
    kind: OverrideKind
    reason: str
    decision_number: str = ""
    decision_date: date | None = None
    precedence: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise CalendarError("bad_override", f"override day must be a date, got {self.day!r}")
        if not isinstance(self.kind, OverrideKind):
            object.__setattr__(self, "kind", OverrideKind(self.kind))
        if not self.reason or not self.reason.strip():
            raise CalendarError("bad_override", f"override on {self.day} has no reason")

    @property
    def label(self) -> str:
        """The reason, followed by the deciding document when there is one (shown to people)."""
        if not self.decision_number:
            return self.reason
        when = f" ngày {self.decision_date:%d/%m/%Y}" if self.decision_date else ""
        return f"{self.reason} (theo {self.decision_number}{when})"


class DaySource(str, Enum):
    """Why a day is what it is."""

    OVERRIDE = "override"
    HOLIDAY = "holiday"
    SWAPPED = "swapped"  # a weekend day the holiday source lists as worked
    WEEKLY_REST = "weekly_rest"  # no office hours on that weekday
    REGULAR = "regular"


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: date
    is_working: bool
    source: DaySource
    reason: str = ""
    decision_number: str = ""
    hours: tuple[tuple[time, time], ...] = ()


class HolidaySource(Protocol):
    """Where public holidays come from. Both mappings give a Vietnamese name per date of that year."""

    first_year: int
    last_year: int

    def days_off(self, year: int) -> Mapping[date, str]: ...

    def working_weekend_days(self, year: int) -> Mapping[date, str]: ...


def _parse_time(value: time | str) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise CalendarError("bad_hours", f"office hours are wall-clock times, got an aware time {value}")
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise CalendarError("bad_hours", f"not a time of day: {value!r}") from None
    raise CalendarError("bad_hours", f"not a time of day: {value!r}")


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


@dataclass(frozen=True)
class OfficeHours:
    """Office hours per weekday (0 = Monday … 6 = Sunday), each a sorted tuple of (start, end) intervals.

    `swap_weekday` is the weekday whose hours a swapped working day follows (a Saturday worked in exchange
    for a weekday off is worked as a full regular day); by default the first weekday that has hours.
    """

    weekly: tuple[tuple[tuple[time, time], ...], ...]
    swap_weekday: int | None = None

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise CalendarError("bad_hours", "office hours need exactly 7 weekdays (Monday first)")
        normalised = []
        for weekday, intervals in enumerate(self.weekly):
            day = tuple(sorted((_parse_time(s), _parse_time(e)) for s, e in intervals))
            for start, end in day:
                if not start < end:
                    raise CalendarError("bad_hours", f"weekday {weekday}: interval {start}–{end} ends before it starts")
            for (_, end), (start, _) in zip(day, day[1:]):
                if start < end:
                    raise CalendarError("bad_hours", f"weekday {weekday}: intervals overlap at {start}")
            normalised.append(day)
        object.__setattr__(self, "weekly", tuple(normalised))
        if not any(normalised):
            raise CalendarError("bad_hours", "office hours are empty on every weekday")
        swap = self.swap_weekday
        if swap is None:
            swap = next(i for i, day in enumerate(normalised) if day)
        elif not (0 <= swap <= 6 and normalised[swap]):
            raise CalendarError("bad_hours", f"swap weekday {swap} has no office hours")
        object.__setattr__(self, "swap_weekday", swap)

    @classmethod
    def from_mapping(cls, mapping: Mapping[int, Iterable[tuple[time | str, time | str]]], swap_weekday: int | None = None) -> OfficeHours:
        """`{0: [("07:30", "11:30"), ("13:30", "17:00")], …}`; weekdays not in the mapping are closed."""
        for key in mapping:
            if not (isinstance(key, int) and 0 <= key <= 6):
                raise CalendarError("bad_hours", f"weekday must be 0 (Monday) … 6 (Sunday), got {key!r}")
        return cls(tuple(tuple(mapping.get(i, ())) for i in range(7)), swap_weekday)

    def for_weekday(self, weekday: int) -> tuple[tuple[time, time], ...]:
        return self.weekly[weekday]

    @property
    def swap_hours(self) -> tuple[tuple[time, time], ...]:
        return self.weekly[self.swap_weekday]  # type: ignore[index]


class _Extend(Exception):
    """Internal: the table must cover `year` before the operation can finish."""

    def __init__(self, year: int) -> None:
        self.year = year


class _Table:
    """Precomputed days for [first_year, last_year]. Index i is the day `base + i` (proleptic ordinal)."""

    __slots__ = ("first_year", "last_year", "base", "n", "ivs", "cum", "wpos", "wdays", "nextw", "ends", "midnights", "info")

    def __init__(self, first_year: int, last_year: int) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.base = date(first_year, 1, 1).toordinal()
        self.n = date(last_year, 12, 31).toordinal() - self.base + 1
        self.ivs: list[tuple[tuple[int, int], ...]] = []
        self.cum: list[int] = [0]  # office time before day i; length n + 1
        self.wpos: list[int] = []  # number of working days before day i
        self.wdays: list[int] = []  # indices of working days, ascending
        self.nextw: list[int] = []  # first working day index >= i, or n; length n + 1
        self.ends: list[datetime | None] = []  # close of office hours of day i (aware), None if not working
        self.midnights: list[datetime] = []  # aware local midnight of day i
        self.info: list[DayInfo] = []


def _amount_us(hours: object) -> int:
    """Convert an hour limit (number of hours or a timedelta) to whole microseconds, refusing nonsense."""
    if isinstance(hours, timedelta):
        value = hours // timedelta(microseconds=1)
    elif isinstance(hours, bool) or not isinstance(hours, (int, float, Decimal, Fraction)):
        raise CalendarError("bad_hours_limit", f"hour limit must be a number of hours or a timedelta, got {hours!r}")
    elif isinstance(hours, int):
        value = hours * _US_PER_HOUR
    else:
        if hours != hours or hours in (float("inf"), float("-inf")):
            raise CalendarError("bad_hours_limit", f"hour limit must be finite, got {hours!r}")
        value = round(Fraction(hours) * _US_PER_HOUR)
    if value < 0:
        raise CalendarError("negative_limit", f"a time limit cannot be negative: {hours!r}")
    return value


def _check_days(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int):
        raise CalendarError("bad_days_limit", f"day limit must be a whole number of working days, got {days!r}")
    if days < 0:
        raise CalendarError("negative_limit", f"a time limit cannot be negative: {days!r}")
    return days


def _check_instant(dt: object, what: str = "instant") -> datetime:
    if not isinstance(dt, datetime):
        raise CalendarError("not_datetime", f"{what} must be a datetime, got {dt!r}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise CalendarError("naive_datetime", f"{what} must be timezone-aware, got naive {dt.isoformat()}")
    return dt


def _check_pauses(pauses: Iterable[tuple[datetime, datetime]]) -> tuple[tuple[datetime, datetime], ...]:
    checked = []
    for pause in pauses:
        try:
            start, end = pause
        except (TypeError, ValueError):
            raise CalendarError("bad_pause", f"a pause is a (start, end) pair, got {pause!r}") from None
        _check_instant(start, "pause start")
        _check_instant(end, "pause end")
        if end < start:
            raise CalendarError("bad_pause", f"pause ends before it starts: {start.isoformat()} – {end.isoformat()}")
        checked.append((start, end))
    return tuple(checked)


class WorkCalendar:
    """An immutable working calendar. All methods take and return aware datetimes; results are in `tz`.

    Build one per unit (the Django layer caches them) and share it freely between threads: the only
    internal change after construction is extending the precomputed range, which swaps one reference.
    """

    __slots__ = ("_hours", "_overrides", "_source", "_tz", "_t", "_lock")

    def __init__(
        self,
        office_hours: OfficeHours,
        overrides: Iterable[Override] = (),
        *,
        holidays: HolidaySource,
        tz: str | tzinfo = "Asia/Ho_Chi_Minh",
        years: tuple[int, int] | None = None,
    ) -> None:
        if not isinstance(office_hours, OfficeHours):
            raise CalendarError("bad_hours", "office_hours must be an OfficeHours")
        self._hours = office_hours
        self._source = holidays
        try:
            self._tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        except (KeyError, ValueError):
            raise CalendarError("bad_time_zone", f"unknown time zone {tz!r}") from None
        resolved: dict[date, Override] = {}
        for entry in overrides:
            if not isinstance(entry, Override):
                raise CalendarError("bad_override", f"not an Override: {entry!r}")
            current = resolved.get(entry.day)
            if current is None or (entry.precedence, entry.kind.is_off) > (current.precedence, current.kind.is_off):
                resolved[entry.day] = entry
        self._overrides = resolved
        self._lock = threading.Lock()
        if years is None:
            today = date.today().year
            years = (today - _INITIAL_SPAN_BEFORE, today + _INITIAL_SPAN_AFTER)
        first = max(years[0], holidays.first_year)
        last = min(years[1], holidays.last_year)
        if first > last:
            raise CalendarError("out_of_range", f"years {years} are outside {holidays.first_year}–{holidays.last_year}")
        self._t = self._build(first, last)

    # ----------------------------------------------------------------------------------------- properties
    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def office_hours(self) -> OfficeHours:
        return self._hours

    @property
    def overrides(self) -> tuple[Override, ...]:
        """The entries in effect (one per day, after precedence), sorted by day."""
        return tuple(self._overrides[d] for d in sorted(self._overrides))

    @property
    def supported_years(self) -> tuple[int, int]:
        return self._source.first_year, self._source.last_year

    # ------------------------------------------------------------------------------------------ building
    def _resolve(self, day: date, holidays_off: Mapping[date, str], swapped: Mapping[date, str]) -> DayInfo:
        entry = self._overrides.get(day)
        if entry is not None:
            if entry.kind.is_off:
                return DayInfo(day, False, DaySource.OVERRIDE, entry.label, entry.decision_number)
            own = self._hours.for_weekday(day.weekday())
            # A worked Saturday or Sunday (Decision 188/1999/QĐ-TTg makes both weekly rest days) replaces a
            # full weekday off, so it follows the regular schedule even where a unit opens Saturday mornings.
            hours = own if own and day.weekday() < 5 else self._hours.swap_hours
            return DayInfo(day, True, DaySource.OVERRIDE, entry.label, entry.decision_number, hours)
        name = holidays_off.get(day)
        if name:
            return DayInfo(day, False, DaySource.HOLIDAY, name)
        name = swapped.get(day)
        if name:
            return DayInfo(day, True, DaySource.SWAPPED, name, "", self._hours.swap_hours)
        hours = self._hours.for_weekday(day.weekday())
        if not hours:
            return DayInfo(day, False, DaySource.WEEKLY_REST)
        return DayInfo(day, True, DaySource.REGULAR, "", "", hours)

    def _build(self, first_year: int, last_year: int) -> _Table:
        t = _Table(first_year, last_year)
        tz = self._tz
        day_of: dict[int, tuple[Mapping[date, str], Mapping[date, str]]] = {
            y: (self._source.days_off(y), self._source.working_weekend_days(y)) for y in range(first_year, last_year + 1)
        }
        cum = 0
        for i in range(t.n):
            day = date.fromordinal(t.base + i)
            off, swapped = day_of[day.year]
            info = self._resolve(day, off, swapped)
            intervals = tuple((_time_us(s), _time_us(e)) for s, e in info.hours) if info.is_working else ()
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
            t.info.append(info)
            t.ivs.append(intervals)
            t.midnights.append(midnight)
            t.wpos.append(len(t.wdays))
            if intervals:
                t.wdays.append(i)
                t.ends.append(midnight + timedelta(microseconds=intervals[-1][1]))
                cum += sum(e - s for s, e in intervals)
            else:
                t.ends.append(None)
            t.cum.append(cum)
        t.wpos.append(len(t.wdays))
        nextw = [t.n] * (t.n + 1)
        following = t.n
        for i in range(t.n - 1, -1, -1):
            if t.ivs[i]:
                following = i
            nextw[i] = following
        t.nextw = nextw
        return t

    def _extend(self, year: int) -> None:
        first, last = self._source.first_year, self._source.last_year
        if not first <= year <= last:
            raise CalendarError(
                "out_of_range", f"the calendar covers {first}–{last}; {year} is outside it", year=year, first=first, last=last
            )
        with self._lock:
            t = self._t
            if t.first_year <= year <= t.last_year:
                return
            # Grow by at least a few years at a time so a stream of far dates does not rebuild per call.
            new_first = min(t.first_year, max(first, year - 2))
            new_last = max(t.last_year, min(last, year + 2))
            self._t = self._build(new_first, new_last)

    def _run(self, op, *args):
        while True:
            t = self._t
            try:
                return op(t, *args)
            except _Extend as need:
                self._extend(need.year)

    # ----------------------------------------------------------------------------------- axis primitives
    def _locate(self, t: _Table, dt: datetime) -> tuple[int, int]:
        local = dt.astimezone(self._tz)
        i = local.toordinal() - t.base
        if i < 0 or i >= t.n:
            raise _Extend(local.year)
        return i, ((local.hour * 60 + local.minute) * 60 + local.second) * _US_PER_SECOND + local.microsecond

    @staticmethod
    def _effective(t: _Table, i: int, us: int) -> tuple[int, int]:
        """The first working instant at or after (i, us); the close of an interval counts as inside it."""
        for s, e in t.ivs[i]:
            if us <= e:
                return i, (s if us < s else us)
        j = t.nextw[i + 1]
        if j >= t.n:
            raise _Extend(t.last_year + 1)
        return j, t.ivs[j][0][0]

    @staticmethod
    def _w(t: _Table, i: int, us: int) -> int:
        """Office time elapsed from the start of the table to (i, us)."""
        w = t.cum[i]
        for s, e in t.ivs[i]:
            if us <= s:
                break
            w += (e if us >= e else us) - s
        return w

    def _w_of(self, t: _Table, dt: datetime) -> int:
        i, us = self._locate(t, dt)
        return self._w(t, i, us)

    @staticmethod
    def _at(t: _Table, w: int) -> datetime:
        """The earliest instant at which `w` of office time has elapsed (w > 0)."""
        j = bisect_left(t.cum, w)
        if j > t.n:
            raise _Extend(t.last_year + 1)
        i = j - 1
        rem = w - t.cum[i]
        for s, e in t.ivs[i]:
            if rem <= e - s:
                return t.midnights[i] + timedelta(microseconds=s + rem)
            rem -= e - s
        raise AssertionError("cumulative table is inconsistent")  # unreachable: cum[j] >= w was found

    def _pause_spans(self, t: _Table, pauses: Sequence[tuple[datetime, datetime]], floor: int) -> list[tuple[int, int]]:
        """Pauses as merged, sorted spans of the office-time axis, clipped to start no earlier than `floor`."""
        spans = []
        for start, end in pauses:
            ws, we = max(self._w_of(t, start), floor), self._w_of(t, end)
            if we > ws:
                spans.append((ws, we))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for ws, we in spans:
            if merged and ws <= merged[-1][1]:
                if we > merged[-1][1]:
                    merged[-1] = (merged[-1][0], we)
            else:
                merged.append((ws, we))
        return merged

    @staticmethod
    def _shift_past_pauses(target: int, spans: list[tuple[int, int]]) -> int:
        # The clock stops during each pause that begins before the budget is spent, so the target moves
        # on by the pause's office time; a pause beginning exactly when it is spent no longer matters.
        for ws, we in spans:
            if ws >= target:
                break
            target += we - ws
        return target

    def _paused_within(self, spans: list[tuple[int, int]], lo: int, hi: int) -> int:
        return sum(max(0, min(we, hi) - max(ws, lo)) for ws, we in spans)

    # ----------------------------------------------------------------------------------- public queries
    def day_info(self, day: date) -> DayInfo:
        """What the calendar says about one day, and why."""
        if not isinstance(day, date) or isinstance(day, datetime):
            raise CalendarError("not_date", f"expected a date, got {day!r}")

        def op(t: _Table) -> DayInfo:
            i = day.toordinal() - t.base
            if i < 0 or i >= t.n:
                raise _Extend(day.year)
            return t.info[i]

        return self._run(op)

    def is_working_day(self, day: date) -> bool:
        return self.day_info(day).is_working

    def working_hours_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The office intervals of a day as aware datetimes (empty on a day off)."""
        info = self.day_info(day)
        return tuple(
            (datetime.combine(day, s, tzinfo=self._tz), datetime.combine(day, e, tzinfo=self._tz)) for s, e in info.hours
        ) if info.is_working else ()

    def non_working_weekdays(self, year: int) -> list[DayInfo]:
        """Monday–Friday days of `year` that are not working days, in date order."""
        if isinstance(year, bool) or not isinstance(year, int):
            raise CalendarError("bad_year", f"year must be an integer, got {year!r}")
        first, last = self.supported_years
        if not first <= year <= last:
            raise CalendarError("out_of_range", f"the calendar covers {first}–{last}; {year} is outside it", year=year, first=first, last=last)
        day, end, found = date(year, 1, 1), date(year, 12, 31), []
        while day <= end:
            if day.weekday() < 5:
                info = self.day_info(day)
                if not info.is_working:
                    found.append(info)
            day += timedelta(days=1)
        return found

    def is_working_instant(self, dt: datetime) -> bool:
        """True inside office hours of a working day; both ends of an interval are inside (17:00 is the
        last working instant of a 13:30–17:00 afternoon)."""
        _check_instant(dt)

        def op(t: _Table) -> bool:
            i, us = self._locate(t, dt)
            return any(s <= us <= e for s, e in t.ivs[i])

        return self._run(op)

    def next_working_instant(self, dt: datetime) -> datetime:
        """`dt` itself when it is a working instant, else the opening of the next office interval."""
        _check_instant(dt)

        def op(t: _Table) -> datetime:
            i, us = self._effective(t, *self._locate(t, dt))
            return t.midnights[i] + timedelta(microseconds=us)

        return self._run(op)

    def add_working_days(self, start: datetime, days: int, pauses: Iterable[tuple[datetime, datetime]] = ()) -> datetime:
        """Due instant of a limit of `days` working days for a dossier received at `start`.

        Civil Code 2015 art. 147–148: the receiving day is not counted; the period ends at the close of
        office hours of the `days`-th working day after it (days = 0: the close of the receiving day).
        Pauses push the due instant on by the office time they cover after receipt.
        """
        _check_instant(start, "start")
        n = _check_days(days)
        spans_in = _check_pauses(pauses)

        def op(t: _Table) -> datetime:
            i, us = self._effective(t, *self._locate(t, start))
            k = t.wpos[i] + n
            if k >= len(t.wdays):
                raise _Extend(t.last_year + 1 + (k - len(t.wdays)) // 240)
            due_day = t.wdays[k]
            if not spans_in:
                return t.ends[due_day]  # type: ignore[return-value]
            w0 = self._w(t, i, us)
            target = self._shift_past_pauses(t.cum[due_day + 1], self._pause_spans(t, spans_in, w0))
            return self._at(t, target)

        return self._run(op)

    def add_working_hours(
        self, start: datetime, hours: float | int | Decimal | Fraction | timedelta, pauses: Iterable[tuple[datetime, datetime]] = ()
    ) -> datetime:
        """Due instant of a limit of `hours` office hours (a number or a timedelta) counted from the
        effective receipt instant. The result is the earliest instant at which that much office time has
        elapsed, so a limit that ends exactly at a closing time is due at the closing time."""
        _check_instant(start, "start")
        amount = _amount_us(hours)
        spans_in = _check_pauses(pauses)

        def op(t: _Table) -> datetime:
            i, us = self._effective(t, *self._locate(t, start))
            w0 = self._w(t, i, us)
            target = w0 + amount
            if spans_in:
                target = self._shift_past_pauses(target, self._pause_spans(t, spans_in, w0))
            if target == w0:
                return t.midnights[i] + timedelta(microseconds=us)
            return self._at(t, target)

        return self._run(op)

    def working_time_between(self, a: datetime, b: datetime, pauses: Iterable[tuple[datetime, datetime]] = ()) -> timedelta:
        """Office time from `a` to `b`, less the paused office time; negative when `b` is before `a`.
        Used for lateness: working_time_between(due, finished) > 0 means late by that much office time."""
        _check_instant(a)
        _check_instant(b)
        spans_in = _check_pauses(pauses)

        def op(t: _Table) -> int:
            lo, hi = self._w_of(t, a), self._w_of(t, b)
            sign = 1
            if hi < lo:
                lo, hi, sign = hi, lo, -1
            return sign * (hi - lo - self._paused_within(self._pause_spans(t, spans_in, lo), lo, hi))

        return timedelta(microseconds=self._run(op))

    def working_days_between(self, start: datetime, end: datetime, pauses: Iterable[tuple[datetime, datetime]] = ()) -> int:
        """The days counterpart of `working_time_between`: the smallest N such that an N-working-day limit
        from `start` leaves at least the (unpaused) office time that elapsed until `end`. So
        working_days_between(s, add_working_days(s, N, p), p) == N, and 0 means "within the receiving day"."""
        _check_instant(start, "start")
        _check_instant(end, "end")
        spans_in = _check_pauses(pauses)

        def op(t: _Table) -> int:
            i, us = self._effective(t, *self._locate(t, start))
            w0 = self._w(t, i, us)
            w_end = self._w_of(t, end)
            if w_end <= w0:
                return 0
            net = w_end - w0 - self._paused_within(self._pause_spans(t, spans_in, w0), w0, w_end)
            if net <= 0:
                return 0
            j = bisect_left(t.cum, w0 + net)
            if j > t.n:
                raise _Extend(t.last_year + 1)
            return t.wpos[j - 1] - t.wpos[i]

        return self._run(op)
