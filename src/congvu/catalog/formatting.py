"""How the catalogue prints numbers: Vietnamese grouping and decimal comma ("50.000 đồng", "2,5 ngày làm việc").

Django's Vietnamese locale has no number grouping, and a fee must read the way it is written in the decisions.
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from congvu.catalog import records


def group_thousands(amount: int) -> str:
    """50000 → "50.000"."""
    return f"{amount:,}".replace(",", ".")


def vnd(amount: int | None) -> str:
    if amount is None:
        return ""
    if amount == 0:
        return _("Free of charge")
    return _("%(amount)s VND") % {"amount": group_thousands(amount)}


def quantity(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    return records.format_quantity_vi(Decimal(value))


def time_limit_text(version) -> str:
    """The time limit with its unit, or what is missing about it ("3 ngày làm việc", "1 (chưa công bố đơn vị)")."""
    if version.time_limit_value is None:
        return _("Not published")
    if not version.time_limit_unit:
        return _("%(value)s (unit not published)") % {"value": version.time_limit_value}
    text = limit_phrase(version.time_limit_value, version.time_limit_unit)
    if not version.time_limit_unit_confirmed:
        text += " " + _("(unit to be confirmed)")
    return text


def limit_phrase(value: int, unit: str) -> str:
    """"3 ngày làm việc" / "1 working day": the number with its unit, plural where the language has one."""
    n = quantity(value)
    if unit == "working_days":
        return ngettext("%(n)s working day", "%(n)s working days", value) % {"n": n}
    if unit == "working_hours":
        return ngettext("%(n)s working hour", "%(n)s working hours", value) % {"n": n}
    return ngettext("%(n)s calendar day", "%(n)s calendar days", value) % {"n": n}


def fee_text(fee) -> str:
    if fee.amount_vnd is None:
        return _("%(name)s: amount not known yet (published as “%(raw)s”)") % {"name": fee.name, "raw": fee.raw}
    return f"{fee.name}: {vnd(fee.amount_vnd)}"
