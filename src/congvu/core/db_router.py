"""Reads of dashboards, reports and exports on a PostgreSQL streaming replica (DATABASE_REPLICA_URL).

At province scale the heavy reads are the aggregates behind the dashboards and rankings and the exports of
tens of thousands of rows; officers at the counter write. With a replica configured, settings.py adds the
database alias "replica", this router and `ReplicaReadsMiddleware`:

- a GET/HEAD request whose URL name is in `REPLICA_URL_NAMES` (or a view decorated with `replica_reads`, or code
  inside `with replica_reads():`) reads from the replica;
- every write, and every read anywhere else, goes to the primary ("default"), so a counter officer always sees
  what they have just done;
- inside a marked request some reads still go to the primary: reads inside a transaction on the primary (a
  dashboard first brings its rollups up to date in one, and that must read what it is about to write), and the
  tables of identity and permissions (`PRIMARY_ONLY`): a session that has just logged in or a role that has just
  been withdrawn must count at once, not a replication lag later. A marked view that writes must therefore read
  what it writes back inside `transaction.atomic()` (as the rollup refresh does); after that transaction the
  page reads the replica again, and its "data as of" comes from the replica too, so what it shows is consistent;
- the replica is used only while it answers and lags less than CONGVU_REPLICA_MAX_LAG seconds (checked at most
  every CONGVU_REPLICA_CHECK_SECONDS per process); otherwise marked requests quietly read from the primary;
- migrations run only on the primary (the replica receives them through replication).

Without DATABASE_REPLICA_URL none of this is installed and everything reads and writes "default".
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

REPLICA_ALIAS = "replica"

# The URL names ("namespace:name") of the dashboards, reports and exports: pages that only read, whose figures
# may be a few seconds old, and that cost the most. tests/core/test_replica.py fails when a URL whose name or
# route says excel/xlsx/pdf/export/report/dashboard/ranking is neither here nor in `PRIMARY_URL_NAMES`.
REPLICA_URL_NAMES = frozenset({
    # indicators (Decision 766 scorecard, rankings, reports, the records behind a number), public transparency
    "indices:dashboard", "indices:scorecard", "indices:scorecard_export", "indices:ranking", "indices:ranking_export",
    "indices:report", "indices:report_export", "indices:behind", "indices:behind_export", "transparency:index",
    # administrative reform (PAR index) results and exports
    "reform:framework_export", "reform:results", "reform:results_export", "reform:external_export",
    # inspections, discipline and training registers
    "people:plans_export", "people:inspections_export", "people:actions_export", "people:discipline_export",
    "people:courses_export", "people:course_attendance_export",
    # monthly evaluation boards and yearly summaries
    "evaluation:board", "evaluation:board_export", "evaluation:board_pdf", "evaluation:summary", "evaluation:summary_export",
    # emulation and commendation registers
    "emulation:movement_export", "emulation:initiatives_export", "emulation:proposal_export", "emulation:register",
    "emulation:register_export", "emulation:register_pdf",
    # satisfaction and feedback reports
    "feedback_staff:export", "feedback_staff:ratings_export", "feedback_staff:sipas", "feedback_staff:sipas_export",
    "feedback_staff:official_template",
    # lists exported to Excel
    "dossiers:export", "dossiers:worklist_export", "notify:export", "sync:export", "units:export",
    "catalog:procedure_export", "catalog:boundary_export", "catalog:national_differences_export",
    "catalog:procedure_guide_pdf",
    # a reception centre's queue statistics
    "queueing:statistics", "queueing:statistics_export",
})

# URLs whose name or route looks like a report or export but that must read the primary, and why. The coverage
# test accepts a matching URL only when it is in one of the two lists.
PRIMARY_URL_NAMES = {
    "dossiers:letter": "a letter about one dossier (receipt, request for supplements, apology) printed right after "
                       "the action that produced it: it must show that action",
    "dossiers:intake_record_letter": "the receipt printed at the counter the moment the dossier is received",
    "queueing:ticket_pdf": "the ticket a kiosk prints the moment it is drawn",
    "people:notice": "an inspection notice printed right after the inspection is concluded",
    "people:action_report": "a form where a unit reports what it did about a finding: it writes",
    "privacy:access_log_export": "the personal-data access log an inspector exports must hold the views of a moment "
                                 "ago, which a lagging replica would leave out",
    "privacy:request_export": "hands a person their data to answer a request, and records that it did (POST)",
}

# Tables never read from the replica (app label, or "app_label.model_name"): who is logged in and what they may do.
PRIMARY_ONLY = frozenset({"auth", "sessions", "contenttypes", "admin", "units.staffprofile", "units.apitoken"})

# What the coverage test looks for in URL names and routes.
REPORT_LIKE = re.compile(r"excel|xlsx|pdf|export|report|dashboard|ranking", re.IGNORECASE)


@dataclass
class _Reads:
    replica_ok: bool = False
    aliases_used: set = field(default_factory=set)  # what the router chose, for logs and tests


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("congvu_replica_reads", default=None)


def replica_configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES


def url_names() -> frozenset[str]:
    """The marked URL names: REPLICA_URL_NAMES, plus any a deployment adds in settings.REPLICA_EXTRA_URL_NAMES."""
    return REPLICA_URL_NAMES | frozenset(getattr(settings, "REPLICA_EXTRA_URL_NAMES", ()))


# ------------------------------------------------------------------------------------------- replica health


_health_lock = threading.Lock()
_health: dict[str, float | bool] = {"checked_at": float("-inf"), "usable": False}


def forget_health() -> None:
    """Check the replica again on the next marked request (tests; after reconfiguring)."""
    with _health_lock:
        _health["checked_at"] = float("-inf")


def replica_lag_seconds() -> float | None:
    """How far the replica's replay is behind, in seconds; 0 when it has replayed all it received; None when it
    is not a standby (a promoted replica, or DATABASE_REPLICA_URL naming an ordinary database). Raises when the
    replica cannot be reached."""
    connection = connections[REPLICA_ALIAS]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        # An idle primary sends nothing, so "now - last replayed commit" alone would grow without any lag;
        # when everything received is replayed the replica is as fresh as the stream.
        cursor.execute(
            "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() IS NULL "
            "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        )
        in_recovery, lag = cursor.fetchone()
    return float(lag) if in_recovery else None


def replica_usable() -> bool:
    """Whether marked requests may read from the replica now: it answers and lags less than the allowed
    seconds. Cached per process for REPLICA_CHECK_SECONDS so a request pays for the check only now and then."""
    now = time.monotonic()
    with _health_lock:
        if now - _health["checked_at"] < settings.REPLICA_CHECK_SECONDS:
            return bool(_health["usable"])
        _health["checked_at"] = now  # one request checks; the others use the last answer meanwhile
    try:
        lag = replica_lag_seconds()
        usable = lag is None or lag <= settings.REPLICA_MAX_LAG
        if not usable:
            logger.warning("Read replica is %.1f s behind (allowed %s s): reports read from the primary.", lag, settings.REPLICA_MAX_LAG)
    except Exception:  # noqa: BLE001 — any failure to reach it means: use the primary
        logger.warning("Read replica unreachable: reports read from the primary.", exc_info=True)
        usable = False
        with contextlib.suppress(Exception):
            connections[REPLICA_ALIAS].close()  # reconnect from scratch next time
    with _health_lock:
        _health["usable"] = usable
    return usable


# ----------------------------------------------------------------------------------------- marking reads


@contextlib.contextmanager
def replica_reads(check: bool = True):
    """Inside this block, reads may go to the replica (writes still go to the primary). For code outside a
    request (e.g. a command producing a report); requests are marked by `ReplicaReadsMiddleware`.
    With `check`, only when the replica is usable (`replica_usable`)."""
    state = _Reads(replica_ok=replica_configured() and (not check or replica_usable()))
    token = _reads.set(state)
    try:
        yield state
    finally:
        _reads.reset(token)


def replica_view(view):
    """Mark a view as a report: its GET/HEAD requests may read from the replica (like an entry in
    REPLICA_URL_NAMES, for views that are not reached by a named URL)."""
    view.replica_reads = True
    return view


def _marked(request, view_func) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if getattr(view_func, "replica_reads", False):
        return True
    match = request.resolver_match
    return match is not None and match.view_name in url_names()


class ReplicaReadsMiddleware:
    """Marks dashboard, report and export requests (see `REPLICA_URL_NAMES`) as "may read from the replica".
    Installed by settings.py only when DATABASE_REPLICA_URL is set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A fresh state per request: nothing a previous request on this thread marked leaks into this one.
        token = _reads.set(_Reads())
        try:
            return self.get_response(request)
        finally:
            _reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _reads.get()
        if state is not None and _marked(request, view_func) and replica_usable():
            state.replica_ok = True
        return None


# ------------------------------------------------------------------------------------------------ router


def _primary_only(model) -> bool:
    meta = model._meta
    return meta.app_label in PRIMARY_ONLY or f"{meta.app_label}.{meta.model_name}" in PRIMARY_ONLY


class ReplicaRouter:
    """DATABASE_ROUTERS entry: see the module docstring for where each read and write goes."""

    def db_for_read(self, model, **hints):
        state = _reads.get()
        alias = DEFAULT_DB_ALIAS
        if (state is not None and state.replica_ok and not _primary_only(model)
                and not connections[DEFAULT_DB_ALIAS].in_atomic_block):
            alias = REPLICA_ALIAS
        if state is not None:
            state.aliases_used.add(alias)
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: an object read from one may point at an object read from the other.
        known = {DEFAULT_DB_ALIAS, REPLICA_ALIAS}
        if obj1._state.db in known and obj2._state.db in known:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A standby is read-only; it receives the schema through replication.
        return db == DEFAULT_DB_ALIAS


def current_reads() -> _Reads | None:
    """The state of the current marked block or request (None outside one)."""
    return _reads.get()
