"""On PostgreSQL, the dossier events become a table partitioned by month of `at` (declarative RANGE
partitioning), rows included; SQLite keeps its plain table and nothing changes for the ORM.

A key of a partitioned table must contain the partition column, so the primary key becomes (id, at) and the
unique (dossier, seq) becomes (dossier_id, seq, at). What still makes one event per (dossier, seq): events are
only written by congvu.dossiers.services.transitions, which holds the dossier's row lock (select_for_update)
and checks its lock_version, and takes seq = event_count + 1 from that locked row; two writers of one dossier
queue on its row. The ids stay unique as they come from one identity sequence.

The migration model state is unchanged (Django sees `id` as the key and the (dossier, seq) constraint by its
name); only the database objects differ. The conversion copies the rows into the new table; at 10 million
events expect a few minutes (run it before loading big history, or in a maintenance window).

A DEFAULT partition takes any event whose month has no partition, so an insert never fails; the worker keeps
the next months created ahead (congvu.dossiers.partitions.ensure_months_ahead) and
`congvu manage ensure_event_partitions` creates any range by hand.
"""

import datetime as dt

from django.db import migrations

TABLE = "dossiers_dossierevent"
OLD = f"{TABLE}_old"
TRIGGER_FUNCTION = "dossiers_event_append_only"


def _fetch(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _saved_objects(cursor):
    """What to recreate on the rebuilt table: plain indexes, foreign keys (by their current names, so later
    Django migrations find them), except the key and the (dossier, seq) unique which are rebuilt explicitly."""
    indexes = [row[0] for row in _fetch(cursor, """
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = to_regclass(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
          AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
        ORDER BY 1""", [TABLE])]
    foreign_keys = _fetch(cursor, """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = to_regclass(%s) AND contype = 'f' AND conparentid = 0 ORDER BY conname""", [TABLE])
    referenced_by = _fetch(cursor, """
        SELECT conrelid::regclass::text, conname FROM pg_constraint
        WHERE confrelid = to_regclass(%s) AND contype = 'f' AND conrelid <> confrelid AND conparentid = 0""", [TABLE])
    if referenced_by:
        # A foreign key to the events cannot survive the change of key (see sync.0002 for the one there was).
        raise RuntimeError(f"{TABLE} is referenced by foreign keys {referenced_by}; make them db_constraint=False first")
    return indexes, foreign_keys


def _rebuild(schema_editor, *, partitioned: bool) -> None:
    from congvu.dossiers.partitions import DEFAULT_PARTITION, ensure_event_partitions, next_month, utc_month_start

    with schema_editor.connection.cursor() as cursor:
        indexes, foreign_keys = _saved_objects(cursor)
        cursor.execute(f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{OLD}"')
        # Columns, defaults, NOT NULLs and CHECKs as they are; a new identity sequence, set past the old ids below.
        by = " PARTITION BY RANGE (at)" if partitioned else ""
        cursor.execute(f'CREATE TABLE "{TABLE}" (LIKE "{OLD}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY){by}')
        if partitioned:
            cursor.execute(f'CREATE TABLE "{DEFAULT_PARTITION}" PARTITION OF "{TABLE}" DEFAULT')
            # The months of the rows there are, and the current one with three ahead (instants, so UTC months).
            (lo, hi), = _fetch(cursor, f'SELECT min(at), max(at) FROM "{OLD}"')
            now = dt.datetime.now(dt.timezone.utc)
            ahead = utc_month_start(next_month(next_month(next_month(now.date()))))
            ensure_event_partitions(min(lo or now, now), max(hi or ahead, ahead), using=schema_editor.connection.alias)
        cols = ", ".join(f'"{row[0]}"' for row in _fetch(
            cursor, "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [OLD]))
        # Rows first, indexes after: one sort per index instead of index maintenance per row.
        cursor.execute(f'INSERT INTO "{TABLE}" ({cols}) SELECT {cols} FROM "{OLD}"')
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{TABLE}\"', 'id'), coalesce((SELECT max(id) FROM \"{OLD}\"), 0) + 1, false)")
        # The old table goes with its trigger, indexes and constraints, which frees their names.
        cursor.execute(f'DROP TABLE "{OLD}"')
        key = "id, at" if partitioned else "id"
        unique = "dossier_id, seq, at" if partitioned else "dossier_id, seq"
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY ({key})')
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "dossier_event_seq_unique" UNIQUE ({unique})')
        for sql in indexes:
            cursor.execute(sql)
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{name}" {definition}')
        # Append-only as before (dossiers.0002); on a partitioned table PostgreSQL clones the trigger onto every
        # partition, present and future.
        cursor.execute(f'CREATE TRIGGER dossiers_event_append_only BEFORE UPDATE OR DELETE ON "{TABLE}" '
                       f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER_FUNCTION}()")
        cursor.execute(f'ANALYZE "{TABLE}"')


def _is_partitioned(cursor) -> bool:
    return bool(_fetch(cursor, "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE]))


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _is_partitioned(cursor):
            return
    _rebuild(schema_editor, partitioned=True)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not _is_partitioned(cursor):
            return
    _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_events_append_only"),
        # The portal change's foreign key to the events has to go first.
        ("sync", "0002_portal_change_event_without_db_constraint"),
    ]
    operations = [migrations.RunPython(partition, unpartition)]
