"""Reads of the catalogue: which version is in force, public search, workflows, change history, and the
conversion of stored versions back to plain records for export.

"In force" is computed, never stored: the version in force at an instant is the latest published (or
abolished) version whose effective date has come, so a version published today for next month takes over at
midnight without anyone touching the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from congvu.catalog import records
from congvu.catalog.models import (
    Field,
    OnlineLevel,
    Procedure,
    ProcedureChange,
    ProcedureVersion,
    VersionStatus,
    WorkflowStep,
)
from congvu.core.collation import vietnamese_order
from congvu.core.text import search_terms

IN_FORCE_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.ABOLISHED)


def _day(at: dt.datetime | dt.date | None) -> dt.date:
    if at is None:
        return timezone.localdate()
    if isinstance(at, dt.datetime):
        return timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return at


def version_in_force(procedure: Procedure, at: dt.datetime | dt.date | None = None) -> ProcedureVersion | None:
    """The version that governs a dossier received at `at` (now by default): the latest published or abolished
    version effective on that day. An abolished one is returned too, so that callers can say so."""
    return (
        procedure.versions.filter(status__in=IN_FORCE_STATUSES, effective_from__lte=_day(at))
        .order_by("-effective_from", "-number")
        .select_related("procedure", "field")
        .first()
    )


def current_versions(at: dt.datetime | dt.date | None = None) -> QuerySet[ProcedureVersion]:
    """One row per procedure: its version in force at `at` (procedures with none yet are left out)."""
    latest = (
        ProcedureVersion.objects.filter(procedure=OuterRef("procedure"), status__in=IN_FORCE_STATUSES, effective_from__lte=_day(at))
        .order_by("-effective_from", "-number")
        .values("pk")[:1]
    )
    return ProcedureVersion.objects.filter(pk=Subquery(latest)).select_related("procedure", "field")


def in_force_on(rows, day: dt.date) -> list:
    """Of version rows (dicts with procedure_id, effective_from, number; in-force statuses only), the one per
    procedure in force on `day`: the rule of `current_versions`, applied in memory so that a year of month ends
    is one read of the versions, not one correlated subquery per month."""
    chosen: dict = {}
    for row in rows:
        if row["effective_from"] > day:
            continue
        best = chosen.get(row["procedure_id"])
        if best is None or (row["effective_from"], row["number"]) > (best["effective_from"], best["number"]):
            chosen[row["procedure_id"]] = row
    return list(chosen.values())


def _no_nul(text: str | None) -> str:
    # PostgreSQL rejects NUL in any text parameter; from a URL it is noise, never part of a code or a word.
    return (text or "").replace("\x00", "")


def search_versions(
    q: str | None = None,
    field: str | None = None,
    level: str | None = None,
    *,
    include_abolished: bool = False,
    online_only: bool = False,
    sort: str = "code",
    at: dt.datetime | dt.date | None = None,
) -> QuerySet[ProcedureVersion]:
    """The public catalogue: versions in force, filtered. `q` is accent-insensitive ("dang ky khai sinh" finds
    "Đăng ký khai sinh") on both databases because both sides are folded by the same `fold`. `online_only`
    keeps the versions a citizen can file through the portal (`accepts_online_filing`)."""
    qs = online_filing_versions(at) if online_only else current_versions(at)
    for term in search_terms(_no_nul(q)):
        qs = qs.filter(search_text__contains=term)
    if field := _no_nul(field):
        qs = qs.filter(field__code=field)
    if level := _no_nul(level):
        qs = qs.filter(levels__level=level)
    if not include_abolished:
        qs = qs.exclude(status=VersionStatus.ABOLISHED)
    return qs.order_by(*_ordering(sort)).prefetch_related("levels")


def _ordering(sort: str) -> list:
    # Field codes are folded slugs of their names, so on SQLite they sort like the names.
    name = vietnamese_order("name", "sort_name")
    if sort == "name":
        return [name, "procedure__code"]
    if sort == "field":
        return [vietnamese_order("field__name", "field__code"), name, "procedure__code"]
    return ["procedure__code"]


def accepts_online_filing(version: ProcedureVersion | None) -> bool:
    """Whether a citizen may file a dossier under `version` through the portal: published (not abolished,
    not a draft), offered online by its publishing decision (not marked "not online"), and complete enough
    to receive dossiers at all (a receipt needs a time limit and the fees, Decree 118/2025)."""
    return (
        version is not None and version.status == VersionStatus.PUBLISHED and version.online_submission
        and version.online_level != OnlineLevel.NONE and version.is_complete
    )


def online_filing_versions(at: dt.datetime | dt.date | None = None) -> QuerySet[ProcedureVersion]:
    """The versions in force that `accepts_online_filing`, as one queryset."""
    return current_versions(at).filter(status=VersionStatus.PUBLISHED, online_submission=True, is_complete=True).exclude(
        online_level=OnlineLevel.NONE
    )


def fields_in_catalogue() -> QuerySet[Field]:
    return Field.objects.filter(versions__isnull=False).distinct().order_by("name")


def procedure_by_code(code: str) -> Procedure | None:
    return Procedure.objects.filter(code=_no_nul(code)).first()


def version_detail(procedure: Procedure, number: int | None = None) -> ProcedureVersion | None:
    """A version with everything its public page shows loaded: the one in force, or a given number."""
    qs = procedure.versions.select_related("procedure", "field").prefetch_related(
        "levels", "documents", "fees", "results", "legal_basis", "channels", "notes", "gaps",
        Prefetch("linked_procedures", queryset=Procedure.objects.order_by("code")),
    )
    if number is None:
        current = version_in_force(procedure)
        return qs.filter(pk=current.pk).first() if current else None
    # Any published version is public, past or announced for a future date; drafts are not.
    return qs.filter(number=number, status__in=IN_FORCE_STATUSES).first()


def version_history(procedure: Procedure) -> QuerySet[ProcedureVersion]:
    return procedure.versions.filter(status__in=IN_FORCE_STATUSES).order_by("-effective_from", "-number")


@dataclass(frozen=True)
class Workflow:
    """The workflow a dossier follows: a unit's own steps, or the general ones (unit None)."""

    version: ProcedureVersion
    unit: object | None
    steps: list[WorkflowStep]

    @property
    def total(self) -> Decimal:
        return records.workflow_total(self.steps)


def workflow_for(version: ProcedureVersion, unit=None, fallback=None) -> Workflow | None:
    """The unit-specific workflow of `version` when `unit` has one, else `fallback`'s, else the general one;
    None when there is none. One query whatever the answer (intake asks it for every dossier)."""
    candidates = [u for u in (unit, fallback) if u is not None]
    wanted = Q(unit__isnull=True) | Q(unit__in=candidates) if candidates else Q(unit__isnull=True)
    steps = list(version.workflow_steps.filter(wanted).select_related("unit").order_by("position", "id"))
    for candidate in candidates:
        own = [s for s in steps if s.unit_id == candidate.pk]
        if own:
            return Workflow(version, candidate, own)
    general = [s for s in steps if s.unit_id is None]
    return Workflow(version, None, general) if general else None


def changes(version: ProcedureVersion | None = None, procedure: Procedure | None = None) -> QuerySet[ProcedureChange]:
    qs = ProcedureChange.objects.select_related("procedure", "version", "actor")
    if version is not None:
        qs = qs.filter(version=version)
    if procedure is not None:
        qs = qs.filter(procedure=procedure)
    return qs


def versions_for_export() -> QuerySet[ProcedureVersion]:
    return (
        ProcedureVersion.objects.select_related("procedure", "field")
        .prefetch_related(
            "levels", "documents", "fees", "results", "legal_basis", "channels", "notes",
            Prefetch("linked_procedures", queryset=Procedure.objects.order_by("code")),
            Prefetch("workflow_steps", queryset=WorkflowStep.objects.select_related("unit").order_by("unit_id", "position", "id")),
        )
        .order_by("procedure__code", "number")
    )


def version_record(version: ProcedureVersion) -> records.VersionRecord:
    """A stored version as a plain record (the inverse of the import): export and change detection use it."""
    levels = {lv.level for lv in version.levels.all()}
    return records.VersionRecord(
        code=version.procedure.code,
        number=version.number,
        name=version.name,
        field_name=version.field.name,
        field_code=version.field.code,
        status=version.status,
        levels=tuple(level for level in records.LEVELS if level in levels),
        level_raw=version.level_raw,
        agency=version.agency,
        decision_number=version.decision_number,
        decision_date=version.decision_date,
        effective_from=version.effective_from,
        time_limit_value=version.time_limit_value,
        time_limit_unit=version.time_limit_unit or None,
        time_limit_unit_confirmed=version.time_limit_unit_confirmed,
        time_limit_raw=version.time_limit_raw,
        same_day=version.same_day,
        fast_track=version.fast_track,
        result_on_the_spot=version.result_on_the_spot,
        online_level=version.online_level,
        online_submission=version.online_submission,
        documents=tuple(
            records.DocumentRecord(d.name, d.group, d.heading, d.originals, d.copies) for d in version.documents.all()
        ),
        fees=tuple(
            records.FeeRecord(f.name, f.amount_vnd, f.raw, f.note, f.channels, f.amount_basis) for f in version.fees.all()
        ),
        results=tuple(x.name for x in version.results.all()),
        legal_basis=tuple(x.text for x in version.legal_basis.all()),
        channels=tuple(
            records.ChannelRecord(c.channel, c.label, c.time_raw, c.fee_raw, c.fee_note) for c in version.channels.all()
        ),
        notes=tuple(n.text for n in version.notes.all()),
        linked=tuple(sorted(p.code for p in version.linked_procedures.all())),
        source_url=version.source_url,
        source_snapshot=version.source_snapshot,
        verified=version.verified,
        workflow=tuple(
            records.WorkflowStepRecord(s.name, s.share.normalize() if s.share is not None else s.share, s.role, s.unit_kind, s.unit.code if s.unit else "")
            for s in sorted(version.workflow_steps.all(), key=lambda s: (s.unit.code if s.unit else "", s.position, s.id))
        ),
    )
