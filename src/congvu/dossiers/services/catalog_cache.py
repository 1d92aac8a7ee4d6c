"""What intake reads from the catalogue, kept per process: the version in force for a procedure code, its
documents, levels and fees, whether it may receive, and its workflows.

Intake asks these for every dossier and they change a few times a year, by decision. Reading them costs an
intake about as much as writing its rows did (eight ORM queries), so each process keeps them and checks once
per intake, in one round trip, that nothing changed:

- in this process, any save or delete of a catalogue row (signals) empties the cache at once;
- in any other process (another app server, the admin, the national refresh, an import), every change the
  catalogue makes is a `ProcedureChange` row (admin saves, `set_workflow`, `complete_procedure`,
  `abolish_procedure`, the national refresh) or a new `ProcedureVersion` row (imports, new versions): the
  revision is the largest id of each, and a different revision empties the cache.

A version object handed out by the cache is shared by the requests of this process: callers read it and never
change it (a dossier keeps a reference to it as its procedure version).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch
from django.db.models.signals import m2m_changed, post_delete, post_save

from congvu.catalog import selectors as catalog_selectors
from congvu.catalog import services as catalog_services
from congvu.catalog.errors import ProcedureNotReceivable
from congvu.catalog.models import (
    Fee, Procedure, ProcedureChange, ProcedureVersion, RequiredDocument, VersionLevel, WorkflowStep,
)

_lock = threading.Lock()
_revision: tuple | None = None
_versions: dict[int, _Entry] = {}
_in_force: dict[tuple[str, dt.date], int | None] = {}


@dataclass
class _Entry:
    version: ProcedureVersion
    refusal: ProcedureNotReceivable | None
    workflows: dict = field(default_factory=dict)


def revision() -> tuple:
    """The catalogue's revision as the database has it, in one statement (raw: it runs on every intake)."""
    changes, versions = ProcedureChange._meta.db_table, ProcedureVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT MAX(id) FROM {changes}), (SELECT MAX(id) FROM {versions})")
        return (connection.alias, connection.settings_dict.get("NAME"), *cursor.fetchone())


def _fresh() -> tuple:
    """Check the revision (once per intake) and empty the cache when it moved; returns it."""
    global _revision
    current = revision()
    with _lock:
        if current != _revision:
            _versions.clear()
            _in_force.clear()
            _revision = current
    return current


def clear(**_: object) -> None:
    """Forget everything (receiver of the catalogue's model signals; callable directly too)."""
    global _revision
    with _lock:
        _versions.clear()
        _in_force.clear()
        _revision = None


def _load(pk: int) -> _Entry | None:
    version = (
        ProcedureVersion.objects.select_related("procedure", "field")
        .prefetch_related("documents", "levels", Prefetch("fees", queryset=Fee.objects.order_by("position", "id")))
        .filter(pk=pk).first()
    )
    if version is None:
        return None
    try:
        catalog_services.assert_can_receive(version)
        refusal = None
    except ProcedureNotReceivable as exc:
        refusal = exc
    return _Entry(version, refusal)


def _entry(pk: int, revision_seen: tuple) -> _Entry | None:
    with _lock:
        entry = _versions.get(pk)
    if entry is not None:
        return entry
    entry = _load(pk)
    if entry is not None:
        with _lock:
            # Kept only if nothing changed while it was read; otherwise the next intake reads it again.
            if _revision == revision_seen:
                entry = _versions.setdefault(pk, entry)
    return entry


def version_in_force(code: str, day: dt.date) -> ProcedureVersion | None:
    """The version of procedure `code` in force on `day` (catalog.selectors' rule), with its documents, levels
    and fees; None when there is none."""
    seen = _fresh()
    key = (code, day)
    with _lock:
        known = key in _in_force
        pk = _in_force.get(key)
    if not known:
        procedure = Procedure.objects.filter(code=code.replace("\x00", "")).first()
        version = catalog_selectors.version_in_force(procedure, day) if procedure is not None else None
        pk = version.pk if version is not None else None
        with _lock:
            if _revision == seen:
                _in_force[key] = pk
    if pk is None:
        return None
    entry = _entry(pk, seen)
    return entry.version if entry is not None else None


def cached(version: ProcedureVersion) -> ProcedureVersion:
    """The cached, prefetched copy of `version` when the catalogue has not changed since it was read (the caller's
    own object otherwise, e.g. a version whose row the caller changed without saving). The cached copy itself
    (from `version_in_force`, checked against the revision in this request) comes back as it is."""
    with _lock:
        entry = _versions.get(version.pk)
    if entry is not None and entry.version is version:
        return version
    seen = _fresh()
    entry = _entry(version.pk, seen)
    if entry is None or not _same_row(entry.version, version):
        return version
    return entry.version


def _same_row(a: ProcedureVersion, b: ProcedureVersion) -> bool:
    fields = [f.attname for f in ProcedureVersion._meta.concrete_fields]
    return all(getattr(a, name) == getattr(b, name) for name in fields)


def refusal(version: ProcedureVersion) -> ProcedureNotReceivable | None:
    """Why no dossier may be received under `version` (catalog.services.assert_can_receive), or None."""
    with _lock:
        entry = _versions.get(version.pk)
    if entry is None or entry.version is not version:
        try:
            catalog_services.assert_can_receive(version)
        except ProcedureNotReceivable as exc:
            return exc
        return None
    return entry.refusal


def workflow_for(version: ProcedureVersion, unit=None, fallback=None):
    """catalog.selectors.workflow_for, remembered per cached version and pair of units."""
    with _lock:
        entry = _versions.get(version.pk)
    if entry is None or entry.version is not version:
        return catalog_selectors.workflow_for(version, unit, fallback=fallback)
    key = (getattr(unit, "pk", None), getattr(fallback, "pk", None))
    with _lock:
        if key in entry.workflows:
            return entry.workflows[key]
    workflow = catalog_selectors.workflow_for(version, unit, fallback=fallback)
    with _lock:
        return entry.workflows.setdefault(key, workflow)


def connect_signals() -> None:
    for model in (Procedure, ProcedureVersion, RequiredDocument, VersionLevel, Fee, WorkflowStep, ProcedureChange):
        post_save.connect(clear, sender=model, dispatch_uid=f"dossiers.catalog_cache.save.{model._meta.label}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"dossiers.catalog_cache.delete.{model._meta.label}")
    m2m_changed.connect(clear, sender=ProcedureVersion.linked_procedures.through, dispatch_uid="dossiers.catalog_cache.m2m")


connect_signals()
