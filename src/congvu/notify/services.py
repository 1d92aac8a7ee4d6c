"""Outbox: notifications are rows written in the transaction of the event that causes them."""

from __future__ import annotations


def dossier_event_recorded(dossier, event) -> None:
    """Called by the dossier core inside the transaction that appended `event` to `dossier`: queue the
    notifications that event causes (none yet)."""
