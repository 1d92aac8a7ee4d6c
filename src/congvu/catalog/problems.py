"""Problems found in an import file, reported in Vietnamese to the person who runs the import.

A problem names where it is (the row, the procedure code when known, the field) and what is wrong, e.g.
"Dòng 7 (mã 1.001193), trường time_limit.value: phải là số nguyên không âm". The importer collects every
problem of a file before writing anything, so one run lists all that must be fixed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Enough to fix a file in one pass without flooding a terminal when a whole file is of the wrong kind.
MAX_PROBLEMS = 50
# The database's integer columns (PositiveIntegerField) stop here; a larger count is a typo, not a procedure.
INT_MAX = 2_147_483_647


@dataclass(frozen=True)
class Problem:
    row: int | None
    code: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Dòng {self.row}" + (f" (mã {self.code})" if self.code else ""))
        elif self.code:
            where.append(f"Mã {self.code}")
        if self.field:
            where.append(f"trường {self.field}")
        return (", ".join(where) + ": " if where else "") + self.message


class CatalogFormatError(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems[:MAX_PROBLEMS]
        self.truncated = len(problems) > MAX_PROBLEMS
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.truncated:
            lines.append(f"… và còn lỗi khác (chỉ hiện {MAX_PROBLEMS} lỗi đầu tiên).")
        return "\n".join(lines)


class ProblemList:
    """Collects problems; `raise_if_any` ends the validation pass."""

    def __init__(self):
        self.items: list[Problem] = []

    def add(self, row, code, field, message) -> None:
        self.items.append(Problem(row, code, field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise CatalogFormatError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


MISSING = object()


class RecordReader:
    """Typed reads from one record (a dict), reporting each problem against the record's row and code.

    Every getter returns a usable default after reporting, so validation goes on and finds every problem."""

    def __init__(self, problems: ProblemList, row: int, record: dict, code: str | None = None):
        self.problems = problems
        self.row = row
        self.record = record
        self.code = code

    def fail(self, field: str, message: str) -> None:
        self.problems.add(self.row, self.code, field, message)

    def get(self, source: dict, key: str, path: str, required: bool):
        if key not in source:
            if required:
                self.fail(path, "thiếu trường bắt buộc")
            return MISSING
        return source[key]

    def text(self, source: dict, key: str, path: str | None = None, *, required=True, nullable=True, non_empty=False, max_length: int | None = None) -> str:
        path = path or key
        value = self.get(source, key, path, required)
        if value is MISSING:
            return ""
        if value is None:
            if not nullable:
                self.fail(path, "không được để trống (null)")
            return ""
        if not isinstance(value, str):
            self.fail(path, f"phải là chuỗi ký tự, nhận được {_kind(value)}")
            return ""
        if non_empty and not value.strip():
            self.fail(path, "không được để trống")
        if "\x00" in value:
            # PostgreSQL cannot store NUL in text; it only ever comes from a damaged file.
            self.fail(path, "chứa ký tự NUL (\\x00), tệp có thể bị hỏng")
        if max_length is not None and len(value) > max_length:
            self.fail(path, f"dài quá {max_length} ký tự ({len(value)} ký tự)")
        return value

    def url(self, source: dict, key: str, path: str | None = None, *, required=True) -> str:
        # Shown as a link on public pages: only web addresses, never javascript: or data: URLs.
        path = path or key
        value = self.text(source, key, path, required=required, max_length=500)
        if value and not value.lower().startswith(("https://", "http://")):
            self.fail(path, f"phải là địa chỉ web bắt đầu bằng https:// hoặc http:// (nhận được {value[:60]!r})")
        return value

    def non_negative_int(self, source: dict, key: str, path: str | None = None, *, required=True, nullable=False, maximum: int = INT_MAX) -> int | None:
        path = path or key
        value = self.get(source, key, path, required)
        if value is MISSING:
            return None if nullable else 0
        if value is None:
            if not nullable:
                self.fail(path, "phải là số nguyên không âm, không được để trống")
                return 0
            return None
        # JSON true/false are ints in Python; a boolean where a count belongs is a mistake, not 1 or 0.
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(path, f"phải là số nguyên không âm (nhận được {value!r})")
            return None if nullable else 0
        if value > maximum:
            self.fail(path, f"quá lớn (tối đa {maximum}, nhận được {value})")
            return None if nullable else 0
        return value

    def boolean(self, source: dict, key: str, path: str | None = None, *, required=True, default=False) -> bool:
        path = path or key
        value = self.get(source, key, path, required)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.fail(path, f"phải là true hoặc false (nhận được {value!r})")
            return default
        return value

    def choice(self, source: dict, key: str, allowed, path: str | None = None, *, required=True, nullable=False):
        path = path or key
        value = self.get(source, key, path, required)
        if value is MISSING or value is None:
            if value is None and not nullable:
                self.fail(path, "không được để trống (null)")
            return None
        if value not in allowed:
            self.fail(path, f"giá trị không hợp lệ {value!r} (chấp nhận: {', '.join(a for a in allowed if a)})")
            return None
        return value

    def string_list(self, source: dict, key: str, path: str | None = None, *, required=True) -> tuple[str, ...]:
        path = path or key
        value = self.get(source, key, path, required)
        if value is MISSING or value is None:
            return ()
        if not isinstance(value, list):
            self.fail(path, f"phải là danh sách, nhận được {_kind(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{path}[{i}]", "phải là chuỗi ký tự khác rỗng")
                continue
            if "\x00" in item:
                self.fail(f"{path}[{i}]", "chứa ký tự NUL (\\x00), tệp có thể bị hỏng")
                continue
            out.append(item)
        return tuple(out)

    def object_list(self, source: dict, key: str, path: str | None = None, *, required=True) -> list[tuple[int, dict]]:
        path = path or key
        value = self.get(source, key, path, required)
        if value is MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"phải là danh sách, nhận được {_kind(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{path}[{i}]", f"phải là một đối tượng, nhận được {_kind(item)}")
                continue
            out.append((i, item))
        return out

    def date(self, source: dict, key: str, path: str | None = None, *, required=True) -> dt.date | None:
        path = path or key
        value = self.get(source, key, path, required)
        if value is MISSING or value is None or value == "":
            return None
        if not isinstance(value, str):
            self.fail(path, f"phải là ngày dạng YYYY-MM-DD, nhận được {_kind(value)}")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(path, f"phải là ngày dạng YYYY-MM-DD (nhận được {value!r})")
            return None

    def decimal(self, source: dict, key: str, path: str | None = None) -> Decimal:
        path = path or key
        value = self.get(source, key, path, True)
        if value is MISSING:
            return Decimal(0)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self.fail(path, f"phải là số (ghi dạng chuỗi, ví dụ \"0.5\"), nhận được {_kind(value)}")
            return Decimal(0)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(path, f"phải là số (nhận được {value!r})")
            return Decimal(0)
        if not number.is_finite() or number <= 0:
            self.fail(path, f"phải là số dương (nhận được {value!r})")
            return Decimal(0)
        if number.as_tuple().exponent < -2:
            self.fail(path, f"tối đa 2 chữ số thập phân (nhận được {value!r})")
        elif number >= 100_000:
            self.fail(path, f"quá lớn (nhận được {value!r})")
        return number

    def unknown_keys(self, source: dict, known, path_prefix: str = "") -> None:
        # Rejecting what we do not know keeps the promise that an import loses no published value.
        for key in source:
            if key not in known:
                self.fail(f"{path_prefix}{key}", "trường không được hỗ trợ (không biết lưu vào đâu; hãy bỏ hoặc báo nhóm phát triển)")


def _kind(value) -> str:
    return {
        dict: "một đối tượng", list: "một danh sách", str: "một chuỗi", bool: "true/false", int: "một số",
        float: "một số thập phân", type(None): "null",
    }.get(type(value), type(value).__name__)
