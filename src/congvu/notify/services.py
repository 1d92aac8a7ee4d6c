"""Outbox: notifications are rows written in the transaction of the event that causes them."""

from __future__ import annotations


def dossier_event_recorded(dossier, event) -> None:
    """Called by the dossier core inside the transaction that appended `event` to `dossier`: queue the
    notifications that event causes."""


def enqueue(kind: str, *, key: str, context: dict, email: str = "", phone: str = "", dossier=None) -> list:
    """Queue the messages of `kind` (one per channel the recipient can be reached on) in the caller's
    transaction; `key` makes it idempotent (queueing the same key twice adds nothing). Returns the rows."""
    return []
