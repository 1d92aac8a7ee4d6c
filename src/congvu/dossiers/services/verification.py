"""Rebuild a dossier's cached fields from its events and compare (used by `verify_dossiers`).

State: replayed through the state table (`states.replay`), so an event sequence the table forbids is drift too.
Event count, supplement count and "extended" are counted from the actions; every other cached field is the
last value the events' `data["set"]` gave it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.dateparse import parse_datetime

from congvu.dossiers import states
from congvu.dossiers.models import Dossier
from congvu.dossiers.services.transitions import CACHED_FIELDS, json_value, snapshot
from congvu.dossiers.states import Action


@dataclass
class Drift:
    field: str
    cached: object
    rebuilt: object


def _norm(value):
    if isinstance(value, str):
        parsed = parse_datetime(value) if len(value) >= 19 and value[4:5] == "-" and "T" in value else None
        if parsed is not None:
            return parsed
    return value


def rebuild(events) -> dict:
    rebuilt = snapshot(Dossier())
    actions = []
    for event in events:
        actions.append(Action(event.action))
        rebuilt.update((event.data or {}).get("set", {}))
    try:
        state = states.replay(actions)
        rebuilt["state"] = state.value if state else ""
    except (states.TransitionNotAllowed, ValueError) as exc:
        rebuilt["state"] = f"<invalid: {exc}>"
    rebuilt["event_count"] = len(actions)
    rebuilt["supplement_count"] = actions.count(Action.REQUEST_SUPPLEMENT)
    rebuilt["extended"] = Action.ISSUE_APOLOGY in actions
    seqs = [e.seq for e in events]
    rebuilt["_seq"] = seqs == list(range(1, len(seqs) + 1))
    return rebuilt


def drift_of(dossier: Dossier, events=None) -> list[Drift]:
    events = list(dossier.events.order_by("seq") if events is None else events)
    rebuilt = rebuild(events)
    cached = {**snapshot(dossier), "event_count": dossier.event_count, "_seq": True}
    found = []
    for field in (*CACHED_FIELDS, "event_count"):
        if _norm(json_value(cached[field])) != _norm(rebuilt[field]):
            found.append(Drift(field, cached[field], rebuilt[field]))
    if not rebuilt["_seq"]:
        found.append(Drift("seq", "1..n", [e.seq for e in events]))
    return found
