"""Keyset ("seek") pagination for the long staff lists.

OFFSET pagination reads and throws away every row before the page, and its page count needs a COUNT(*) of the
whole filtered set: at a province's millions of dossiers page 200 of a list took seconds. A keyset page
continues after the last row shown (its sort values and id, carried in the `after` parameter), so every page
costs what the first one does, whatever its depth.

NULLs sort as the largest value on both databases (PostgreSQL's default, so its plain b-tree indexes still
serve the order; SQLite is told explicitly). The last ordering field must be unique (the id).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next_cursor: str  # "" on the last page
    is_first: bool

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


def _fields(ordering: list[str]) -> list[tuple[str, bool]]:
    return [(f[1:], True) if f.startswith("-") else (f, False) for f in ordering]


def order_by(qs: QuerySet, ordering: list[str]) -> QuerySet:
    """`qs` in `ordering` with NULLs as the largest value on every database."""
    exprs = [F(name).desc(nulls_first=True) if desc else F(name).asc(nulls_last=True) for name, desc in _fields(ordering)]
    return qs.order_by(*exprs)


def _encode(values: list) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(qs: QuerySet, ordering: list[str], cursor: str) -> list | None:
    """The sort values a cursor carries, converted to the fields' types; None for anything malformed (a
    hand-edited link starts again at the first page rather than failing)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        fields = _fields(ordering)
        if not isinstance(values, list) or len(values) != len(fields):
            return None
        return [None if v is None else qs.model._meta.get_field(name).to_python(v) for v, (name, _d) in zip(values, fields, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, LookupError, Exception):  # noqa: BLE001 — see above
        return None


def _after(fields: list[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after `values` in the order of `fields` (NULL largest)."""
    (name, desc), value = fields[0], values[0]
    rest = _after(fields[1:], values[1:]) if len(fields) > 1 else None
    if value is None:
        same = Q(**{f"{name}__isnull": True})
        later = Q(**{f"{name}__isnull": False}) if desc else Q(pk__in=[])
    else:
        same = Q(**{name: value})
        later = Q(**{f"{name}__lt": value}) if desc else (Q(**{f"{name}__gt": value}) | Q(**{f"{name}__isnull": True}))
        if desc:
            # A plain bound the index can seek to (the OR below cannot be one).
            return Q(**{f"{name}__lte": value}) & (later | (same & rest) if rest is not None else later)
    return later | (same & rest) if rest is not None else later


def page(qs: QuerySet, ordering: list[str], cursor: str | None, size: int) -> KeysetPage:
    """One page of `qs` in `ordering`, after `cursor` (a KeysetPage.next_cursor) or from the start."""
    values = _decode(qs, ordering, cursor) if cursor else None
    ordered = order_by(qs, ordering)
    if values is not None:
        ordered = ordered.filter(_after(_fields(ordering), values))
    rows = list(ordered[: size + 1])
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode([getattr(last, name) for name, _desc in _fields(ordering)])
    return KeysetPage(rows, next_cursor, values is None)
