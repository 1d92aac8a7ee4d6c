"""How the catalogue prints numbers: Vietnamese grouping and decimal comma ("50.000 đồng", "2,5 ngày làm việc").

Django's Vietnamese locale has no number grouping, and a fee must read the way it is written in the decisions.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

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
    text = f"{quantity(version.time_limit_value)} {version.get_time_limit_unit_display()}"
    if not version.time_limit_unit_confirmed:
        text += " " + _("(unit to be confirmed)")
    return text


def fee_text(fee) -> str:
    if fee.amount_vnd is None:
        return _("%(name)s: amount not known yet (published as “%(raw)s”)") % {"name": fee.name, "raw": fee.raw}
    return f"{fee.name}: {vnd(fee.amount_vnd)}"
