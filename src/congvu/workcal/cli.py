"""`congvu calendar …`: due dates and days off from the command line (messages in Vietnamese).

    congvu calendar due --from 2026-02-13T10:00 --days 1 [--unit CODE]   → 2026-02-23T17:00:00+07:00
    congvu calendar off 2026                                              → 2026-01-01<TAB>Tết Dương lịch …

The database gives the calendar administrators configured. Without one (not migrated, not reachable) the
shipped official data is used and stderr says so; --unit then cannot be honoured and is refused.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Callable, TextIO

from .core import CalendarError, DaySource, WorkCalendar
from .official import official_calendar
from .public_holidays import VN_FIRST_YEAR, VN_LAST_YEAR

EXIT_USAGE = 2

# Messages for the calendar's error codes, as people reading a terminal in a Vietnamese office need them.
_CALENDAR_MESSAGES = {
    "out_of_range": "Ngoài phạm vi lịch: lịch chỉ tính được cho các năm {first}–{last}.",
    "negative_limit": "Thời hạn không được là số âm.",
    "bad_days_limit": "Số ngày làm việc phải là số nguyên không âm.",
    "bad_hours_limit": "Số giờ làm việc phải là một số không âm.",
}


class UsageError(Exception):
    """Bad arguments: printed to stderr, exit code 2, nothing else happens."""


# argparse words its own errors in English; these are the ones people meet here, said in Vietnamese.
_ARGPARSE_MESSAGES = [
    (re.compile(r"invalid choice: '([^']*)'"), "Lệnh không hợp lệ: '{0}' (dùng due hoặc off)."),
    (re.compile(r"unrecognized arguments: (.*)"), "Tham số không nhận ra: {0}."),
    (re.compile(r"argument (\S+): expected one argument"), "Tham số {0} cần một giá trị."),
    (re.compile(r"the following arguments are required: (.*)"), "Thiếu tham số: {0}."),
]


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="Cách dùng: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, formatter_class=_Formatter, add_help=False, **kwargs)
        self._optionals.title = "tuỳ chọn"
        self._positionals.title = "tham số"
        self.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")

    def error(self, message: str):  # argparse's hook; raising keeps it from exiting the process
        for pattern, template in _ARGPARSE_MESSAGES:
            found = pattern.search(message)
            if found:
                raise UsageError(template.format(*found.groups()) + " Xem: congvu calendar --help")
        raise UsageError(f"Tham số không hợp lệ ({message}). Xem: congvu calendar --help")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="congvu calendar", description="Lịch ngày làm việc: tính hạn giải quyết, liệt kê ngày nghỉ.")
    sub = parser.add_subparsers(dest="action", metavar="{due,off}", parser_class=_Parser)
    due = sub.add_parser("due", help="tính thời hạn giải quyết (hẹn trả)")
    due.add_argument("--from", dest="start", metavar="THỜI_ĐIỂM", help="thời điểm tiếp nhận, ISO 8601 (không ghi múi giờ: giờ Việt Nam)")
    due.add_argument("--days", metavar="N", help="thời hạn N ngày làm việc")
    due.add_argument("--hours", metavar="N", help="thời hạn N giờ làm việc")
    due.add_argument("--unit", metavar="MÃ", help="mã đơn vị (lịch riêng của đơn vị)")
    off = sub.add_parser("off", help="liệt kê các ngày thứ Hai – thứ Sáu được nghỉ trong năm")
    off.add_argument("year", metavar="NĂM")
    off.add_argument("--unit", metavar="MÃ", help="mã đơn vị (lịch riêng của đơn vị)")
    return parser


def _parse_start(text: str | None) -> datetime:
    """The receipt instant as written; naive when no offset was given (localised once the calendar is known)."""
    if not text:
        raise UsageError("Thiếu thời điểm tiếp nhận: --from <thời điểm ISO 8601>, ví dụ --from 2026-02-13T10:30.")
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"Thời điểm tiếp nhận không hợp lệ: '{text}'. Dùng dạng ISO 8601, ví dụ 2026-02-13T10:30 "
            "hoặc 2026-02-13T10:30:00+07:00."
        ) from None


def _parse_days(text: str) -> int:
    if not re.fullmatch(r"\s*\+?\d+\s*", text):
        raise UsageError(f"Số ngày làm việc phải là số nguyên không âm, nhận được '{text}'.")
    return int(text)


def _parse_hours(text: str) -> Decimal:
    try:
        hours = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise UsageError(f"Số giờ làm việc phải là một số không âm (ví dụ 2 hoặc 1,5), nhận được '{text}'.") from None
    if not hours.is_finite() or hours < 0:
        raise UsageError(f"Số giờ làm việc phải là một số không âm (ví dụ 2 hoặc 1,5), nhận được '{text}'.")
    return hours


def _parse_year(text: str) -> int:
    if not re.fullmatch(r"\s*\d{1,4}\s*", text):
        raise UsageError(f"Năm không hợp lệ: '{text}'. Ghi năm bằng số, ví dụ 2026.")
    year = int(text)
    if not VN_FIRST_YEAR <= year <= VN_LAST_YEAR:
        raise UsageError(f"Năm {year} nằm ngoài phạm vi lịch ({VN_FIRST_YEAR}–{VN_LAST_YEAR}).")
    return year


def _database_calendar(unit_code: str | None, setup_django: Callable[[], None], err: TextIO) -> WorkCalendar:
    """The configured calendar, or the shipped one (with a note on stderr) when there is no usable database."""
    try:
        setup_django()
        from django.db import DatabaseError

        from .models import CalendarOverride, OfficeHours
    except Exception as exc:  # noqa: BLE001 - any failure to start Django means "no database here"
        return _fallback(unit_code, f"không khởi động được cấu hình ({exc.__class__.__name__}: {exc})", err)
    try:
        CalendarOverride.objects.exists()
        OfficeHours.objects.exists()
    except DatabaseError as exc:
        return _fallback(unit_code, f"cơ sở dữ liệu chưa sẵn sàng hoặc chưa chạy migrate ({exc.__class__.__name__})", err)
    from .services import calendar_for

    unit = None
    if unit_code is not None:
        from congvu.units.models import Unit

        unit = Unit.objects.filter(code=unit_code.strip()).first()
        if unit is None:
            raise UsageError(f"Không tìm thấy đơn vị có mã '{unit_code}'.")
    return calendar_for(unit)


def _fallback(unit_code: str | None, why: str, err: TextIO) -> WorkCalendar:
    if unit_code is not None:
        raise UsageError(f"Không dùng được --unit: {why}; lịch riêng của đơn vị nằm trong cơ sở dữ liệu.")
    print(f"Lưu ý: {why}; dùng lịch chính thức kèm theo phần mềm.", file=err)
    return official_calendar()


def _due(args: argparse.Namespace, setup_django, out: TextIO, err: TextIO) -> int:
    if (args.days is None) == (args.hours is None):
        raise UsageError("Cần đúng một trong hai tham số: --days N (ngày làm việc) hoặc --hours N (giờ làm việc).")
    days = _parse_days(args.days) if args.days is not None else None
    hours = _parse_hours(args.hours) if args.hours is not None else None
    start = _parse_start(args.start)
    calendar = _database_calendar(args.unit, setup_django, err)
    # A time without an offset is what a Vietnamese office clock shows: take it in the calendar's zone.
    start = start.replace(tzinfo=calendar.tz) if start.tzinfo is None else start.astimezone(calendar.tz)
    due = calendar.add_working_days(start, days) if days is not None else calendar.add_working_hours(start, hours)
    print(due.isoformat(), file=out)
    return 0


_WEEKLY_REST_REASON = "Không có giờ làm việc theo lịch của đơn vị"


def _off(args: argparse.Namespace, setup_django, out: TextIO, err: TextIO) -> int:
    year = _parse_year(args.year)
    calendar = _database_calendar(args.unit, setup_django, err)
    for info in calendar.non_working_weekdays(year):
        reason = info.reason or (_WEEKLY_REST_REASON if info.source is DaySource.WEEKLY_REST else "Ngày nghỉ")
        print(f"{info.day.isoformat()}\t{reason}", file=out)
    return 0


def main(argv: list[str], setup_django: Callable[[], None], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # --help prints and exits 0
            return int(done.code or 0)
        if args.action == "due":
            return _due(args, setup_django, out, err)
        if args.action == "off":
            return _off(args, setup_django, out, err)
        raise UsageError("Thiếu lệnh: dùng 'congvu calendar due …' hoặc 'congvu calendar off <năm>'.")
    except UsageError as problem:
        print(f"Lỗi: {problem}", file=err)
        return EXIT_USAGE
    except CalendarError as problem:
        template = _CALENDAR_MESSAGES.get(problem.code)
        message = template.format(**{"first": VN_FIRST_YEAR, "last": VN_LAST_YEAR, **problem.params}) if template else str(problem)
        print(f"Lỗi: {message}", file=err)
        return EXIT_USAGE


if __name__ == "__main__":
    from congvu.cli import _setup_django

    sys.exit(main(sys.argv[1:], _setup_django))
