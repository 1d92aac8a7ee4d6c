"""Keeping the fact and rollup tables equal to what the dossiers, ratings and feedback say.

`refresh()` reads what happened since the last call: dossier events past a watermark (less a margin of ids, because
on PostgreSQL a transaction that took a smaller id may commit after one that took a larger), new dislike ratings and
feedback naming a dossier. For each dossier touched it recomputes the fact from the raw rows and applies the
difference of its flows to the rollups, so running it twice changes nothing. `rebuild()` recomputes everything;
`check()` compares the stored tables with a fresh computation. One refresh or rebuild at a time: each locks the
checkpoint row first.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from congvu.indices import rollups
from congvu.indices.models import DossierFact, RefreshCheckpoint, Rollup

log = logging.getLogger(__name__)

# Ids below the watermark re-read on every refresh: a transaction that took an id may commit after later ids did.
# Rows already counted are recognised (a fact remembers the dossier's event count) and skipped.
ID_MARGIN = 1000
BATCH = 2000
REBUILD_BATCH = 5000
_KEY = "main"

Progress = Callable[[int, int], None]


def _checkpoint(wait: bool = True) -> RefreshCheckpoint | None:
    """The checkpoint row, locked until the transaction ends; None when another refresh or rebuild holds it and
    `wait` is False (a page that refreshes before reading must not queue behind a rebuild)."""
    RefreshCheckpoint.objects.get_or_create(key=_KEY)
    if connection.vendor == "sqlite":
        # SQLite has no row locks: a write takes the database's write lock for the rest of the transaction.
        RefreshCheckpoint.objects.filter(key=_KEY).update(key=_KEY)
        return RefreshCheckpoint.objects.get(key=_KEY)
    return RefreshCheckpoint.objects.select_for_update(skip_locked=not wait).filter(key=_KEY).first()


def _stored_facts(ids) -> dict[int, dict]:
    return {row.pop("pk"): row for row in DossierFact.objects.filter(pk__in=list(ids)).values("pk", *rollups.FACT_FIELDS)}


def _apply(ids) -> int:
    """Recompute the facts of `ids` and move the rollups by the difference."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        old = _stored_facts(chunk)
        new = rollups.compute_facts(chunk)
        totals: dict = {}
        changed = []
        for pk in chunk:
            if old.get(pk) == new.get(pk):
                continue
            changed.append(pk)
            rollups.add_flows(totals, old.get(pk), -1)
            rollups.add_flows(totals, new.get(pk), 1)
        if not changed:
            continue
        _add_to_rollups(totals)
        DossierFact.objects.filter(pk__in=changed).delete()
        DossierFact.objects.bulk_create([DossierFact(dossier_id=pk, **new[pk]) for pk in changed if pk in new])
    return len(ids)


def _add_to_rollups(totals: dict) -> None:
    totals = {k: {n: a for n, a in v.items() if a} for k, v in totals.items()}
    totals = {k: v for k, v in totals.items() if v}
    keys = list(totals)
    for start in range(0, len(keys), 300):
        chunk = keys[start:start + 300]
        q = Q()
        for grain, unit, day, procedure, field in chunk:
            q |= Q(grain=grain, unit_id=unit, day=day, procedure_id=procedure, field_id=field)
        existing = {(r.grain, r.unit_id, r.day, r.procedure_id, r.field_id): r for r in Rollup.objects.filter(q)}
        updated, created = [], []
        for key in chunk:
            row = existing.get(key)
            if row is None:
                row = Rollup(grain=key[0], unit_id=key[1], day=key[2], procedure_id=key[3], field_id=key[4])
                created.append(row)
            else:
                updated.append(row)
            for name, amount in totals[key].items():
                setattr(row, name, getattr(row, name) + amount)
        if updated:
            Rollup.objects.bulk_update(updated, list(rollups.ALL_COUNTERS))
        if created:
            Rollup.objects.bulk_create(created)


SYNC_MARGIN = dt.timedelta(minutes=5)


def _newly_synced(since) -> set[int]:
    """Dossiers whose fact does not yet count them as on the national portal, among the sync rows acknowledged
    since `since` (less a margin for transactions that committed late): read on the sync's (state, updated_at)
    index, so the refresh loop does not scan every fact."""
    from congvu.sync.models import PortalSync, SyncState

    recent = PortalSync.objects.filter(state=SyncState.ACKNOWLEDGED)
    if since is not None:
        recent = recent.filter(updated_at__gte=since - SYNC_MARGIN)
    return set(DossierFact.objects.filter(synced=False, received_at__isnull=False, pk__in=recent.values("dossier_id")).values_list("pk", flat=True))


def refresh(limit: int | None = None, wait: bool = True) -> int:
    """Bring the facts and rollups up to date; returns how many dossiers were recomputed. With `limit`, at most
    that many (the rest is left for the next call). With `wait=False`, return 0 at once if another refresh or a
    rebuild is running (PostgreSQL; SQLite waits for its write lock as usual)."""
    from congvu.dossiers.models import Dossier, DossierEvent
    from congvu.feedback.models import Feedback, Rating

    with transaction.atomic():
        cp = _checkpoint(wait)
        if cp is None:
            return 0
        started = timezone.now()  # what is committed by now is in; "data as of" this instant
        seen = dict(DossierFact.objects.filter(
            pk__in=DossierEvent.objects.filter(id__gt=max(cp.last_event_id - ID_MARGIN, 0)).values("dossier_id"),
        ).values_list("pk", "events_seen"))
        counts = dict(Dossier.objects.filter(
            pk__in=DossierEvent.objects.filter(id__gt=max(cp.last_event_id - ID_MARGIN, 0)).values("dossier_id"),
        ).values_list("pk", "event_count"))
        todo: list[int] = []
        todo_set: set[int] = set()
        watermark = cp.last_event_id
        for event_id, dossier_id in (DossierEvent.objects.filter(id__gt=max(cp.last_event_id - ID_MARGIN, 0))
                                     .order_by("id").values_list("id", "dossier_id").iterator(chunk_size=5000)):
            stale = seen.get(dossier_id) != counts.get(dossier_id)
            if stale and dossier_id not in todo_set:
                if limit is not None and len(todo) >= limit:
                    break
                todo.append(dossier_id)
                todo_set.add(dossier_id)
            watermark = max(watermark, event_id)
        # Complaints arrive after the dossier's last event: a dislike rating or a feedback naming it.
        rating_mark = Rating.objects.aggregate(m=Max("id"))["m"] or 0
        feedback_mark = Feedback.objects.aggregate(m=Max("id"))["m"] or 0
        complained = set(Rating.objects.filter(id__gt=max(cp.last_rating_id - ID_MARGIN, 0), dislike=True).values_list("dossier_id", flat=True))
        complained |= set(Feedback.objects.filter(id__gt=max(cp.last_feedback_id - ID_MARGIN, 0), dossier__isnull=False)
                          .values_list("dossier_id", flat=True))
        complained = set(DossierFact.objects.filter(pk__in=complained, complaint=False).values_list("pk", flat=True))
        # Likewise the portal's first acknowledgement (1.4): sync rows acknowledged since the last refresh began.
        after_events = complained | _newly_synced(cp.refreshed_at)
        room = None if limit is None else max(limit - len(todo), 0)
        if room is None or len(after_events - todo_set) <= room:
            todo.extend(after_events - todo_set)
            cp.last_rating_id, cp.last_feedback_id = max(cp.last_rating_id, rating_mark), max(cp.last_feedback_id, feedback_mark)
        done = _apply(todo)
        cp.last_event_id = watermark
        cp.refreshed_at = started
        cp.save()
    _refresh_rating_rollups()
    return done


def _refresh_rating_rollups() -> None:
    try:
        from congvu.feedback.services import refresh_rating_rollups
    except ImportError:  # the satisfaction part is not installed yet
        return
    refresh_rating_rollups()


def _id_batches(ids: list[int], size: int = BATCH):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _all_facts(progress: Progress | None = None):
    """Every dossier's fact, freshly computed, batch by batch of consecutive ids: yields {id: fact}."""
    from congvu.dossiers.models import Dossier

    ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))
    calendars = rollups._Calendars()
    done = 0
    for chunk in _id_batches(ids, REBUILD_BATCH):
        yield rollups.compute_facts(span=(chunk[0], chunk[-1]), calendars=calendars)
        done += len(chunk)
        if progress:
            progress(done, len(ids))


def _stored_rollups_of(facts_rows) -> dict:
    totals: dict = {}
    for fact in facts_rows:
        rollups.add_flows(totals, fact)
    return {k: {n: a for n, a in v.items() if a} for k, v in totals.items() if any(v.values())}


def _unit_chunks(size: int = 20):
    """The handling units of the stored facts, a few at a time: rollups are built unit by unit so that memory holds
    the rows of a few units, never of the whole province."""
    units = sorted(DossierFact.objects.order_by().values_list("unit_id", flat=True).distinct())
    for start in range(0, len(units), size):
        yield units[start:start + size]


def _facts_of_units(units):
    return DossierFact.objects.filter(unit_id__in=units).values(*rollups.FACT_FIELDS).iterator(chunk_size=10000)


def _marks() -> tuple[int, int, int]:
    from congvu.dossiers.models import DossierEvent
    from congvu.feedback.models import Feedback, Rating

    return (
        DossierEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        Rating.objects.aggregate(m=Max("id"))["m"] or 0,
        Feedback.objects.aggregate(m=Max("id"))["m"] or 0,
    )


def rebuild(progress: Progress | None = None, jobs: int = 1) -> int:
    """Recompute every fact and rollup from the raw rows; returns the number of dossiers. Two passes: the facts,
    batch by batch of dossier ids (Python: the pauses and the working calendar); then the rollups, summed from the
    facts by the database in one statement. `jobs` > 1 (PostgreSQL, outside a transaction): the facts are computed
    by that many processes (`_rebuild_in_parallel`)."""
    if jobs > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _rebuild_in_parallel(progress, jobs)
    with transaction.atomic():
        cp = _checkpoint()
        started = timezone.now()
        marks = _marks()
        DossierFact.objects.all().delete()
        Rollup.objects.all().delete()
        count = 0
        for facts in _all_facts(progress):
            DossierFact.objects.bulk_create([DossierFact(dossier_id=pk, **fact) for pk, fact in facts.items()], batch_size=2500)
            count += len(facts)
        if progress:
            progress(count, count)
        rollups.rebuild_rollups_sql(connection, DossierFact._meta.db_table, Rollup._meta.db_table)
        cp.last_event_id, cp.last_rating_id, cp.last_feedback_id = marks
        cp.rebuilt_at = cp.refreshed_at = started
        cp.save()
    _refresh_rating_rollups()
    return count


def _rebuild_in_parallel(progress: Progress | None, jobs: int) -> int:
    """The rebuild of a bulk load (a province generated, an import): the same facts and rollups, the facts computed
    by `jobs` processes over disjoint spans of dossier ids. A connection of its own holds the checkpoint row from the
    start to the end, so a refresh waits (or skips) as it does for a one-process rebuild; the writers commit span by
    span, and the rollups are summed and the checkpoint moved in the holder's transaction once they are done."""
    import multiprocessing

    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.models import Min

    from congvu.dossiers.models import Dossier

    RefreshCheckpoint.objects.get_or_create(key=_KEY)
    span = Dossier.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    holder.ensure_connection()
    holder.set_autocommit(False)
    try:
        with holder.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {RefreshCheckpoint._meta.db_table} WHERE key = %s FOR UPDATE", [_KEY])
        started = timezone.now()
        marks = _marks()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {DossierFact._meta.db_table}, {Rollup._meta.db_table}")
        count = 0
        if span["lo"] is not None:
            spans = [(lo, min(lo + REBUILD_BATCH - 1, span["hi"])) for lo in range(span["lo"], span["hi"] + 1, REBUILD_BATCH)]
            connections.close_all()  # a forked writer must not share the parent's socket
            ctx = multiprocessing.get_context("fork")
            queue = ctx.Queue()
            writers = [ctx.Process(target=_write_facts, args=(spans[j::jobs], queue), daemon=True) for j in range(jobs)]
            for w in writers:
                w.start()
            finished = 0
            while finished < len(writers):
                kind, value = queue.get()
                if kind == "error":
                    for w in writers:
                        w.terminate()
                    raise RuntimeError(f"a fact writer failed:\n{value}")
                if kind == "done":
                    finished += 1
                    continue
                count += value
                if progress:
                    progress(min(count, span["hi"] - span["lo"] + 1), span["hi"] - span["lo"] + 1)
            for w in writers:
                w.join()
        if progress:
            progress(count, count)
        rollups.rebuild_rollups_sql(holder, DossierFact._meta.db_table, Rollup._meta.db_table)
        with holder.cursor() as cursor:
            cursor.execute(
                f"UPDATE {RefreshCheckpoint._meta.db_table} SET last_event_id = %s, last_rating_id = %s, last_feedback_id = %s, "
                "rebuilt_at = %s, refreshed_at = %s WHERE key = %s", [*marks, started, started, _KEY])
        holder.commit()
    finally:
        holder.close()
    _refresh_rating_rollups()
    return count


def _write_facts(spans, queue) -> None:
    import traceback

    try:
        connection.close()
        calendars = rollups._Calendars()
        for span in spans:
            with transaction.atomic():
                facts = rollups.compute_facts(span=span, calendars=calendars)
                DossierFact.objects.bulk_create([DossierFact(dossier_id=pk, **fact) for pk, fact in facts.items()], batch_size=2500)
            queue.put(("facts", len(facts)))
        queue.put(("done", 0))
        connection.close()
    except BaseException:  # the parent must hear of it, or it would wait for ever
        queue.put(("error", traceback.format_exc()))


def check(progress: Progress | None = None, limit: int = 20) -> list[str]:
    """Differences between the stored facts and rollups and a fresh computation from the raw rows (empty when
    they agree); at most `limit` of each kind are described. The facts are compared with a fresh computation;
    the rollups with the flows of the stored facts, unit by unit."""
    problems: list[str] = []
    stored_ids = set(DossierFact.objects.values_list("pk", flat=True))
    fact_problems = 0
    for facts in _all_facts(progress):
        stored = _stored_facts(facts)
        for pk, fact in facts.items():
            stored_ids.discard(pk)
            if stored.get(pk) != fact:
                fact_problems += 1
                if fact_problems <= limit:
                    old = stored.get(pk) or {}
                    diff = {k: (old.get(k), v) for k, v in fact.items() if old.get(k) != v}
                    problems.append(f"hồ sơ {pk}: dữ kiện khác {diff}")
    for pk in list(stored_ids)[:limit]:
        problems.append(f"dữ kiện {pk} không ứng với hồ sơ nào")
    rollup_problems = 0
    checked_units: list[int] = []
    for units in _unit_chunks():
        checked_units += units
        expected = _stored_rollups_of(_facts_of_units(units))
        stored_rows = Rollup.objects.filter(unit_id__in=units).values("grain", "unit_id", "day", "procedure_id", "field_id", *rollups.ALL_COUNTERS)
        for row in stored_rows.iterator(chunk_size=10000):
            key = (row["grain"], row["unit_id"], row["day"], row["procedure_id"], row["field_id"])
            have = {n: row[n] for n in rollups.ALL_COUNTERS if row[n]}
            want = expected.pop(key, {})
            if have != want:
                rollup_problems += 1
                if rollup_problems <= limit:
                    problems.append(f"tổng hợp {key}: đang lưu {have}, tính lại {want}")
        for key, want in list(expected.items())[:limit]:
            problems.append(f"tổng hợp {key}: thiếu, tính lại {want}")
    stray = Rollup.objects.exclude(unit_id__in=checked_units).exclude(**{n: 0 for n in rollups.ALL_COUNTERS})
    for row in stray.values("grain", "unit_id", "day", "procedure_id", "field_id")[:limit]:
        problems.append(f"tổng hợp {tuple(row.values())}: không ứng với hồ sơ nào")
    return problems


def data_as_of():
    cp = RefreshCheckpoint.objects.filter(key=_KEY).first()
    if cp is None:
        return None
    return max(filter(None, (cp.refreshed_at, cp.rebuilt_at)), default=None)
