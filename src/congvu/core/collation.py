"""Sorting Vietnamese names in the database.

PostgreSQL's default (C) collation puts "Á" and "Đ" after "Z"; its ICU collation `vi-VN-x-icu` sorts as a
Vietnamese reader expects. SQLite has no ICU, so there we sort by the folded search column, which is
alphabetical on the base letters and close enough for a list a person scans.
"""

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

VIETNAMESE_ICU = "vi-VN-x-icu"


def vietnamese_order(field: str, folded_field: str | None = None, descending: bool = False):
    """An order_by() expression for `field` in Vietnamese alphabetical order on either database."""
    if connection.vendor == "postgresql":
        expression = Collate(F(field), VIETNAMESE_ICU)
    else:
        expression = F(folded_field or field)
    return expression.desc() if descending else expression.asc()
