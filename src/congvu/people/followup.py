"""Where a corrective action stands, from its state and deadline: no Django imports, tested without a DB."""

from __future__ import annotations

import datetime as dt

OPEN, REPORTED, DONE = "open", "reported", "done"


def follow_up_status(state: str, deadline: dt.date, today: dt.date, reported_on: dt.date | None = None) -> str:
    """"done"; "reported" (awaiting the inspector) or "reported_late" when reported after the deadline;
    "overdue" when still open after the deadline; else "open". The deadline day itself is still on time."""
    if state == DONE:
        return "done"
    if state == REPORTED:
        return "reported_late" if reported_on is not None and reported_on > deadline else "reported"
    return "overdue" if today > deadline else "open"


def days_left(deadline: dt.date, today: dt.date) -> int:
    """Days until the deadline (negative once past it)."""
    return (deadline - today).days
