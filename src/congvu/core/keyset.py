"""Keyset ("seek") pagination for the long staff lists.

OFFSET pagination reads and throws away every row before the page, and its page count needs a COUNT(*) of the
whole filtered set: at a province's millions of dossiers page 200 of a list took seconds. A keyset page
continues after the last row shown (its sort values and id, carried in the `after` parameter), so every page
costs what the first one does, whatever its depth.

NULLs sort as the largest value on both databases (PostgreSQL's default, so its plain b-tree indexes still
serve the order; SQLite is told explicitly). The last ordering field must be unique (the id), or unique
together with the ones before it. A field may lie across a relation ("dossier__code"): the rows must then carry
the related object (select_related), as the pages do anyway to show it.
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


def _field(model, name: str):
    """The model field `name` designates, following relations ("dossier__code")."""
    *path, last = name.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(last)


def _value(row, name: str):
    for part in name.split("__"):
        row = getattr(row, part)
        if row is None:
            return None
    return row


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
        return [None if v is None else _field(qs.model, name).to_python(v) for v, (name, _d) in zip(values, fields, strict=True)]
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


def _read(qs: QuerySet, ordering: list[str], values: list | None, limit: int) -> list:
    """Up to `limit` rows of `qs` in `ordering` after `values` (from the start when None).

    After a non-NULL value of an ascending first field, the rows that follow are the larger values and then the
    NULLs: asking for both at once is an OR no index can seek with, so PostgreSQL walked the index from the
    start of the list and joined every row it passed (page 21 of a unit's worklist read 1,100 steps). The
    larger values are read with a plain `>=` bound the index seeks to, and the NULLs only when the page is not
    full yet."""
    ordered = order_by(qs, ordering)
    if values is None:
        return list(ordered[:limit])
    fields = _fields(ordering)
    after = _after(fields, values)
    (name, desc), value = fields[0], values[0]
    if desc or value is None:
        return list(ordered.filter(after)[:limit])
    rows = list(ordered.filter(after, **{f"{name}__gte": value})[:limit])
    if len(rows) < limit and _field(qs.model, name).null:
        rows.extend(ordered.filter(**{f"{name}__isnull": True})[: limit - len(rows)])
    return rows


def page(qs: QuerySet, ordering: list[str], cursor: str | None, size: int) -> KeysetPage:
    """One page of `qs` in `ordering`, after `cursor` (a KeysetPage.next_cursor) or from the start."""
    values = _decode(qs, ordering, cursor) if cursor else None
    rows = _read(qs, ordering, values, size + 1)
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode([_value(last, name) for name, _desc in _fields(ordering)])
    return KeysetPage(rows, next_cursor, values is None)


def page_of_union(querysets: list[QuerySet], ordering: list[str], cursor: str | None, size: int) -> KeysetPage:
    """One page of the union of disjoint querysets of one model, as `page` would give it for their OR. Each
    part is read as its own keyset page (an ordered index scan that stops after size + 1 rows) and the parts
    are merged in the database's order: PostgreSQL answers an OR of two indexed conditions with a bitmap of every matching row sorted
    in full, which for a unit's ten thousand open steps cost more than the two scans together."""
    if not querysets:
        return KeysetPage([], "", True)
    values = _decode(querysets[0], ordering, cursor) if cursor else None
    fields = _fields(ordering)
    rows, nonempty = [], 0
    for qs in querysets:
        part = _read(qs, ordering, values, size + 1)
        rows.extend(part)
        nonempty += bool(part)
    if nonempty > 1:
        # The database orders the merged rows: a text field (a code) sorts by the database's collation, which
        # Python's comparison need not match, and the next page's bound is applied by the database.
        model = querysets[0].model
        rank = {pk: i for i, pk in enumerate(order_by(model._base_manager.filter(pk__in=[r.pk for r in rows]), ordering).values_list("pk", flat=True))}
        rows.sort(key=lambda row: rank[row.pk])
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = _encode([_value(rows[-1], name) for name, _desc in fields])
    return KeysetPage(rows, next_cursor, values is None)
