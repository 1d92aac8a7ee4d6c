"""How a dossier counts: its fact row, the flows it adds to the rollup tables, and the stocks derived from them.

Definitions (Decision 766 as DOMAIN.md §4 and INDEX766.md state it; every instant is read in Vietnam's time zone):

- A dossier counts toward its **handling unit** (the competent body), and a unit's figures include its subtree and
  the units merged into it (`scoping.unit_q`).
- **Received** at `received_at` (an online filing counts when an officer accepts it; one never accepted is only
  counted as *not accepted*, on the day of the refusal to accept).
- **Finished** at `finished_at` for a result (result ready), a refusal or a stop; classed early / on time / late as the
  dossiers app classed it (late when finished after the due time, after an apology, or with more than one
  supplement request; the due time already excludes the time the clock was paused). Refused and stopped dossiers are
  finished (Decision 766 counts them settled). **Withdrawn** dossiers leave at the withdrawal and are neither
  finished nor late.
- **Ended** = finished or withdrawn: the instant the dossier leaves the open stock.
- **Became overdue** at `overdue_at`, the first instant the open dossier was past due: the earliest of
  (a) its due time while the clock ran — replaying the pauses (supplement and payment requests) from the events: a
  dossier paused before its due time is not overdue during the pause, and its due time moves on when it resumes;
  one paused when already past due stays overdue; (b) the second supplement request (more than one request is late
  by rule); (c) the due time an apology replaced (an apology is issued at least a working day before the due time
  and the dossier counts as late: it becomes overdue when the original appointment passes). Only kept when before
  the dossier ended; once overdue, a dossier stays overdue until it ends. The instant may lie in the future for an
  open dossier: it is counted only once the instant has passed, so nothing has to be refreshed when time passes.
- **Stocks** at an instant e come from flows: open(e) = received before e − ended before e; overdue(e) = became
  overdue before e − ended-after-being-overdue before e; within deadline(e) = open(e) − overdue(e). An open dossier is
  evaluated at min(period end, now). *Carried over* into a period = open at its start; *in process* = open at its end.
- **On time (2.1)** = (finished early + finished on time in the period + open within deadline at its end) ÷
  (finished in the period + open at its end). A dossier received in March and finished in April is in March's
  denominator as in process and in April's as finished.
- **Processing time (2.2)** = office time from the clock start to the result, less the paused office time, in working
  days of 8 hours, averaged over dossiers finished with a result.
- **Complaint** = a feedback naming the dossier or a dislike rating of it. 5.4 = 100% − (late % + complaint %) over
  the dossiers finished in the period, floored at 0.
- Cohorts: shares of dossiers filed online, fee-bearing, paid online, reusing documents (4.3) and shared with the
  holder's store (4.4) count dossiers *received* in the period; electronic result (4.1) and digitised inputs and
  result (4.2) count dossiers *finished with a result* in the period.
- **Fee-bearing** = its procedure version lists a fee with an amount, or a payment was requested; **paid online** = a
  payment confirmed as paid online. **Digitised inputs** = at least one submitted document has a file;
  **digitised result** = a result has a file; **electronic result** = a result marked electronic.

Rollup rows: for each flow, the unit's day row and month row for all procedures (procedure 0) and for the dossier's
procedure and field. A period reads whole months from month rows and the rest from day rows. Facts are recomputed from the raw rows, never patched, so recomputing one dossier and applying
the difference of its flows is idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.db.models.fields.json import KT

from congvu.indices.models import COUNTERS, ClosureKind, Grain, Outcome
from congvu.indices.periods import DEFAULT_TIME_ZONE

TZ = ZoneInfo(DEFAULT_TIME_ZONE)
HOURS_PER_WORKING_DAY = 8
FINISHED_STATES = ("result_ready", "returned", "stopped", "refused")
PAUSES = ("request_supplement", "request_payment")
RESUMES = ("receive_supplement", "confirm_payment")
ZERO = Decimal(0)
ALL_COUNTERS = (*COUNTERS, "processing_days")

# The fact columns (DossierFact fields besides the key) in a fixed order, for comparisons.
FACT_FIELDS = (
    "events_seen", "unit_id", "procedure_id", "field_id", "channel", "received_at", "finished_at", "outcome", "closure",
    "closed_at", "overdue_at", "supplement_count", "apology_at", "complaint", "fee_bearing", "paid_online",
    "digitised_inputs", "digitised_result", "electronic_result", "reused", "shared", "synced", "processing_days",
)


def local_day(instant: dt.datetime) -> dt.date:
    return instant.astimezone(TZ).date()


# ------------------------------------------------------------------------------------------------ facts


def compute_facts(dossier_ids=None, *, span: tuple[int, int] | None = None, calendars: _Calendars | None = None) -> dict[int, dict]:
    """The fact of each dossier in `dossier_ids` (or with an id in the inclusive `span`, how a rebuild reads: a
    range is cheaper to send and plan than thousands of ids), from the raw rows, with a fixed number of queries
    per call. `calendars` may be shared between calls (working calendars by receiving unit)."""
    from congvu.dossiers.models import (
        Apology, Closure, Dossier, DossierDocument, DossierEvent, DossierResult, PaymentRequest, SupplementRequest,
    )
    from congvu.catalog.models import Fee
    from congvu.feedback.models import Feedback, Rating
    from congvu.sync.models import PortalSync

    if span is not None:
        lo, hi = span

        def of(field: str = "dossier_id") -> dict:
            return {f"{field}__gte": lo, f"{field}__lte": hi}
    else:
        ids = list(dossier_ids or ())
        if not ids:
            return {}

        def of(field: str = "dossier_id") -> dict:
            return {f"{field}__in": ids}
    rows = list(Dossier.objects.filter(**of("pk")).values(
        "pk", "event_count", "handling_unit_id", "receiving_unit_id", "procedure_version_id", "procedure_version__procedure_id",
        "procedure_version__field_id", "channel", "state", "received_at", "clock_started_at", "original_due_at", "due_at",
        "paused_at", "finished_at", "timeliness", "supplement_count", "applicant__personal_id",
    ))
    closures = {c["dossier_id"]: c for c in Closure.objects.filter(**of()).values("dossier_id", "kind", "at")}
    apologies = {a["dossier_id"]: a for a in Apology.objects.filter(**of()).values("dossier_id", "issued_at", "previous_due_at")}
    second_requests = dict(SupplementRequest.objects.filter(**of(), number=2).values_list("dossier_id", "requested_at"))
    events = defaultdict(list)
    for e in (DossierEvent.objects.filter(**of(), action__in=(*PAUSES, *RESUMES, "not_accept"))
              .order_by("dossier_id", "seq").values("dossier_id", "action", "at", due=KT("data__set__due_at"))):
        events[e["dossier_id"]].append(e)
    versions = {r["procedure_version_id"] for r in rows}
    fee_versions = set(Fee.objects.filter(version_id__in=versions, amount_vnd__gt=0).values_list("version_id", flat=True))
    payment_requested = set(PaymentRequest.objects.filter(**of(), amount_vnd__gt=0).values_list("dossier_id", flat=True))
    paid_online = set(PaymentRequest.objects.filter(**of(), paid_online=True, paid_at__isnull=False).values_list("dossier_id", flat=True))
    with_files = set(DossierDocument.objects.filter(**of(), file__isnull=False).values_list("dossier_id", flat=True))
    reused = set(DossierDocument.objects.filter(**of(), reused_from__isnull=False).values_list("dossier_id", flat=True))
    result_files = set(DossierResult.objects.filter(**of(), file__isnull=False).values_list("dossier_id", flat=True))
    electronic = set(DossierResult.objects.filter(**of(), electronic=True).values_list("dossier_id", flat=True))
    complained = set(Rating.objects.filter(**of(), dislike=True).values_list("dossier_id", flat=True))
    complained |= set(Feedback.objects.filter(**of()).values_list("dossier_id", flat=True))
    synced = set(PortalSync.objects.filter(synced_q(), **of()).values_list("dossier_id", flat=True))
    calendars = calendars or _Calendars()

    facts = {}
    for r in rows:
        pk = r["pk"]
        closure = closures.get(pk)
        finished = r["state"] in FINISHED_STATES and r["finished_at"] is not None
        kind = ""
        closed_at = None
        if r["state"] == "not_accepted":
            kind = ClosureKind.NOT_ACCEPTED
            closed_at = next((e["at"] for e in events[pk] if e["action"] == "not_accept"), None)
        elif closure is not None:
            kind = closure["kind"]
            if kind == ClosureKind.WITHDRAWN:
                closed_at = closure["at"]
        received_at = r["received_at"]
        finished_at = r["finished_at"] if finished and received_at else None
        ended_at = finished_at or (closed_at if kind == ClosureKind.WITHDRAWN and received_at else None)
        apology = apologies.get(pk)
        has_result = finished_at is not None and kind not in (ClosureKind.REFUSED, ClosureKind.STOPPED)
        pauses = _pauses(events[pk], ended_at)
        facts[pk] = {
            "events_seen": r["event_count"],
            "unit_id": r["handling_unit_id"],
            "procedure_id": r["procedure_version__procedure_id"],
            "field_id": r["procedure_version__field_id"],
            "channel": r["channel"],
            "received_at": received_at,
            "finished_at": finished_at,
            "outcome": (r["timeliness"] or "") if finished_at else "",
            "closure": kind,
            "closed_at": closed_at,
            "overdue_at": _overdue_at(r, events[pk], apology, second_requests.get(pk), ended_at) if received_at else None,
            "supplement_count": r["supplement_count"],
            "apology_at": apology["issued_at"] if apology and received_at else None,
            "complaint": pk in complained,
            "fee_bearing": r["procedure_version_id"] in fee_versions or pk in payment_requested,
            "paid_online": pk in paid_online,
            "digitised_inputs": pk in with_files,
            "digitised_result": pk in result_files,
            "electronic_result": pk in electronic,
            "reused": pk in reused,
            "shared": pk in reused or (pk in result_files and bool(r["applicant__personal_id"])),
            "synced": pk in synced,
            "processing_days": _processing_days(calendars, r, pauses, finished_at) if has_result else None,
        }
    return facts


class _Calendars:
    """Working calendars by receiving unit, built once per batch."""

    def __init__(self):
        self._by_unit = {}

    def of(self, unit_id):
        if unit_id not in self._by_unit:
            from congvu.units.models import Unit
            from congvu.workcal.services import calendar_for

            self._by_unit[unit_id] = calendar_for(Unit.objects.only("pk", "path", "depth").get(pk=unit_id))
        return self._by_unit[unit_id]


def _parse(value):
    if not value:
        return None
    instant = dt.datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def _pauses(events, ended_at) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) of each pause of the clock; one still running ends at the dossier's end or stays open
    (end None)."""
    spans, start = [], None
    for e in events:
        if e["action"] in PAUSES and start is None:
            start = e["at"]
        elif e["action"] in RESUMES and start is not None:
            spans.append((start, e["at"]))
            start = None
    if start is not None:
        spans.append((start, ended_at))
    return spans


def _overdue_at(r, events, apology, second_request, ended_at):
    candidates = []
    due = r["original_due_at"] or r["due_at"]
    segment_start, paused, past_due_when_paused = r["received_at"], False, False
    for e in events:
        if e["action"] in PAUSES and not paused:
            if due is not None and due < e["at"]:
                past_due_when_paused = True
                break
            paused = True
        elif e["action"] in RESUMES and paused:
            paused = False
            segment_start = e["at"]
            due = _parse(e["due"]) or due
    if due is not None and (past_due_when_paused or not paused):
        candidates.append(max(segment_start, due))
    if second_request is not None:
        candidates.append(second_request)
    if apology is not None:
        candidates.append(apology["previous_due_at"])
    if not candidates:
        return None
    first = min(candidates)
    if ended_at is not None and first >= ended_at:
        return None
    return first


def _processing_days(calendars, r, pauses, finished_at) -> Decimal | None:
    start = r["clock_started_at"] or r["received_at"]
    if start is None or finished_at is None:
        return None
    clipped = [(max(a, start), min(b or finished_at, finished_at)) for a, b in pauses]
    clipped = [(a, b) for a, b in clipped if a < b]
    calendar = calendars.of(r["receiving_unit_id"])
    worked = calendar.working_time_between(start, finished_at, clipped) if finished_at > start else dt.timedelta(0)
    days = Decimal(worked.total_seconds()) / Decimal(HOURS_PER_WORKING_DAY * 3600)
    return max(days, ZERO).quantize(Decimal("0.01"))


# ------------------------------------------------------------------------------------------------ flows


def flows(fact: dict | None) -> list[tuple[dt.datetime, dict]]:
    """What the dossier adds to the rollups: (instant, {counter: amount}) for each thing that happened to it."""
    if not fact:
        return []
    out = []
    received_at, finished_at, overdue_at = fact["received_at"], fact["finished_at"], fact["overdue_at"]
    if fact["closure"] == ClosureKind.NOT_ACCEPTED and fact["closed_at"] is not None:
        out.append((fact["closed_at"], {"not_accepted": 1}))
    if received_at is None:
        return out
    online = fact["channel"] == "online"
    out.append((received_at, {
        "received": 1, "received_online": int(online), "received_counter_post": int(not online), "reused": int(fact["reused"]),
        "shared": int(fact["shared"]), "fee_bearing": int(fact["fee_bearing"]), "paid_online": int(fact["paid_online"] and fact["fee_bearing"]),
        "synced": int(fact["synced"]),
    }))
    ended_at = None
    if finished_at is not None:
        ended_at = finished_at
        outcome = fact["outcome"] or Outcome.ON_TIME
        with_result = fact["closure"] not in (ClosureKind.REFUSED, ClosureKind.STOPPED)
        out.append((finished_at, {
            "finished": 1, f"finished_{outcome}": 1, "ended": 1, "refused": int(fact["closure"] == ClosureKind.REFUSED),
            "stopped": int(fact["closure"] == ClosureKind.STOPPED), "finished_complaint": int(fact["complaint"]),
            "with_result": int(with_result), "electronic_result": int(with_result and fact["electronic_result"]),
            "digitised": int(with_result and fact["digitised_inputs"] and fact["digitised_result"]),
            "processing_days": (fact["processing_days"] or ZERO) if with_result else ZERO,
        }))
    elif fact["closure"] == ClosureKind.WITHDRAWN and fact["closed_at"] is not None:
        ended_at = fact["closed_at"]
        out.append((ended_at, {"withdrawn": 1, "ended": 1}))
    if overdue_at is not None:
        out.append((overdue_at, {"became_overdue": 1}))
        if ended_at is not None:
            out.append((ended_at, {"left_overdue": 1}))
    if fact["apology_at"] is not None:
        out.append((fact["apology_at"], {"apologies": 1}))
    return out


def rollup_keys(fact: dict, instant: dt.datetime) -> list[tuple]:
    """(grain, unit, day, procedure, field) of the rows a flow at `instant` adds to."""
    day = local_day(instant)
    month = day.replace(day=1)
    unit = fact["unit_id"]
    procedure, field = fact["procedure_id"], fact["field_id"]
    return [(Grain.DAY, unit, day, 0, 0), (Grain.MONTH, unit, month, 0, 0),
            (Grain.DAY, unit, day, procedure, field), (Grain.MONTH, unit, month, procedure, field)]


def add_flows(totals: dict, fact: dict | None, sign: int = 1) -> None:
    """Add (or with sign -1 take away) the fact's flows to `totals`: {rollup key: {counter: amount}}."""
    for instant, amounts in flows(fact):
        for key in rollup_keys(fact, instant):
            row = totals.setdefault(key, {})
            for name, amount in amounts.items():
                if amount:
                    row[name] = row.get(name, 0) + sign * amount


def counters_in(facts, start: dt.datetime | None, end: dt.datetime, key=None) -> dict:
    """Sum the flows of `facts` whose instant lies in [start, end) (start None: since the beginning), grouped by
    `key(fact)` (None: one group, keyed None). How a part of a day is counted (the rollups hold whole days)."""
    out: dict = {}
    for fact in facts:
        for instant, amounts in flows(fact):
            if (start is None or instant >= start) and instant < end:
                row = out.setdefault(key(fact) if key else None, {})
                for name, amount in amounts.items():
                    if amount:
                        row[name] = row.get(name, 0) + amount
    return out


def facts_touching(unit_ids, start: dt.datetime, end: dt.datetime):
    """The stored facts of the units with any flow instant in [start, end) (for parts of days)."""
    from congvu.indices.models import DossierFact

    window = Q()
    for name in ("received_at", "finished_at", "closed_at", "overdue_at", "apology_at"):
        window |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
    return DossierFact.objects.filter(window, unit_id__in=unit_ids).values("pk", *FACT_FIELDS)


# ------------------------------------------------------------------------------------------------ set-based rebuild

# `flows()` again, as SQL over the fact table: one SELECT per kind of flow, each giving (unit, procedure, field,
# instant, counters). A rebuild sums them in the database; `services.check` compares the result with `flows()`
# applied in Python, so the two statements of the rules are held to agree.
_WITH_RESULT = "f.closure NOT IN ('refused', 'stopped')"


def synced_q() -> Q:
    """Sync rows of dossiers on the national portal (indicator 1.4): acknowledged once, or filed there."""
    from congvu.sync.models import Origin

    return Q(last_acked_at__isnull=False) | Q(origin=Origin.NATIONAL_PORTAL)


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _flow_selects() -> list[tuple[str, str, dict[str, str]]]:
    """(instant column, condition, {counter: SQL amount}) for each kind of flow."""
    received = "f.received_at IS NOT NULL"
    withdrawn_end = f"{received} AND f.finished_at IS NULL AND f.closure = 'withdrawn' AND f.closed_at IS NOT NULL"
    return [
        ("f.closed_at", "f.closure = 'not_accepted' AND f.closed_at IS NOT NULL", {"not_accepted": "1"}),
        ("f.received_at", received, {
            "received": "1", "received_online": _flag("f.channel = 'online'"), "received_counter_post": _flag("f.channel <> 'online'"),
            "reused": _flag("f.reused"), "shared": _flag("f.shared"), "fee_bearing": _flag("f.fee_bearing"),
            "paid_online": _flag("f.paid_online AND f.fee_bearing"), "synced": _flag("f.synced"),
        }),
        ("f.finished_at", f"{received} AND f.finished_at IS NOT NULL", {
            "finished": "1", "finished_early": _flag("f.outcome = 'early'"), "finished_on_time": _flag("f.outcome IN ('on_time', '')"),
            "finished_late": _flag("f.outcome = 'late'"), "ended": "1", "refused": _flag("f.closure = 'refused'"),
            "stopped": _flag("f.closure = 'stopped'"), "finished_complaint": _flag("f.complaint"), "with_result": _flag(_WITH_RESULT),
            "electronic_result": _flag(f"{_WITH_RESULT} AND f.electronic_result"),
            "digitised": _flag(f"{_WITH_RESULT} AND f.digitised_inputs AND f.digitised_result"),
            "processing_days": f"CASE WHEN {_WITH_RESULT} THEN COALESCE(f.processing_days, 0) ELSE 0 END",
        }),
        ("f.closed_at", withdrawn_end, {"withdrawn": "1", "ended": "1"}),
        ("f.overdue_at", f"{received} AND f.overdue_at IS NOT NULL", {"became_overdue": "1"}),
        ("f.finished_at", f"{received} AND f.overdue_at IS NOT NULL AND f.finished_at IS NOT NULL", {"left_overdue": "1"}),
        ("f.closed_at", f"{withdrawn_end} AND f.overdue_at IS NOT NULL", {"left_overdue": "1"}),
        ("f.apology_at", f"{received} AND f.apology_at IS NOT NULL", {"apologies": "1"}),
    ]


def rebuild_rollups_sql(connection, fact_table: str, rollup_table: str) -> None:
    """Fill the (empty) rollup table from the fact table in one statement."""
    if connection.vendor == "postgresql":
        def day(col):
            return f"({col} AT TIME ZONE '{DEFAULT_TIME_ZONE}')::date"
        month = "date_trunc('month', d.day)::date"
    else:  # SQLite keeps UTC text; Vietnam has had no daylight saving time since 1975
        offset = int(dt.datetime(2026, 1, 1, tzinfo=TZ).utcoffset().total_seconds() // 3600)

        def day(col):
            return f"date({col}, '{offset:+d} hours')"
        month = "date(d.day, 'start of month')"
    names = list(ALL_COUNTERS)
    selects = []
    for instant, condition, amounts in _flow_selects():
        cols = ", ".join(f"{amounts.get(n, '0')} AS {n}" for n in names)
        selects.append(f"SELECT f.unit_id, f.procedure_id, f.field_id, {day(instant)} AS day, {cols} FROM {fact_table} f WHERE {condition}")
    sums = ", ".join(f"SUM(d.{n})" for n in names)
    columns = ", ".join(names)
    sql = f"""
        INSERT INTO {rollup_table} (grain, unit_id, day, procedure_id, field_id, {columns})
        WITH flows AS ({' UNION ALL '.join(selects)}),
        d AS (SELECT unit_id, procedure_id, field_id, day, {', '.join(f'SUM({n}) AS {n}' for n in names)}
              FROM flows GROUP BY unit_id, procedure_id, field_id, day)
        SELECT 'd', d.unit_id, d.day, d.procedure_id, d.field_id, {', '.join(f'd.{n}' for n in names)} FROM d
        UNION ALL SELECT 'd', d.unit_id, d.day, 0, 0, {sums} FROM d GROUP BY d.unit_id, d.day
        UNION ALL SELECT 'm', d.unit_id, {month}, d.procedure_id, d.field_id, {sums} FROM d
            GROUP BY d.unit_id, {month}, d.procedure_id, d.field_id
        UNION ALL SELECT 'm', d.unit_id, {month}, 0, 0, {sums} FROM d GROUP BY d.unit_id, {month}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
