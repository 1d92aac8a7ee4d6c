"""Writes to the catalogue. Each function is one transaction and records what it changed.

- import_catalog / import_starter_catalog: load a file (portal, own JSON or CSV); validate everything first,
  then write in one transaction; re-importing the same content creates nothing; changed content creates a new
  version and leaves the old one readable.
- export_catalog: the whole catalogue, every version, in the own JSON or CSV format.
- complete_procedure / apply_demo_completion_rules: fill in what the portal leaves out, recorded with the rule.
- set_workflow: the internal workflow of a version (per unit or general), its shares checked against the limit.
- assert_can_receive: the intake guard other apps call before receiving a dossier under a version.
- abolish_procedure: a new version that states the procedure is abolished (the old ones stay readable).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.catalog import exchange_format, portal_format, records, selectors
from congvu.catalog.errors import CatalogErrorCode, CompletionError, ProcedureNotReceivable, WorkflowError
from congvu.catalog.formatting import quantity
from congvu.catalog.models import (
    ChangeSource,
    ChannelInfo,
    Fee,
    Field,
    GapCode,
    IncompletenessReason,
    LegalBasis,
    Procedure,
    ProcedureChange,
    ProcedureVersion,
    RequiredDocument,
    ResultDocument,
    TimeLimitUnit,
    VersionLevel,
    VersionNote,
    VersionStatus,
    WorkflowStep,
)
from congvu.catalog.problems import CatalogFormatError, Problem
from congvu.units.models import Role, Unit, UnitKind

STARTER_FILE = Path(__file__).resolve().parent / "data" / "procedures.json"
# The starter file is the national catalogue as it stood after two-level local government took effect on
# 1 July 2025 (Law on Organisation of Local Government, 72/2025/QH15); the crawl does not carry each decision's own dates. Demo history (dossiers
# received in past months) needs a version in force on those days, so the starter is dated from the reform.
# A province importing its own file gives --effective-from, or the import date applies.
STARTER_EFFECTIVE_FROM = dt.date(2025, 7, 1)
FORMATS = ("portal", "json", "csv")

Progress = Callable[[int, int], None]


# ------------------------------------------------------------------------------------------------- import

@dataclass
class ImportReport:
    format: str
    total: int = 0
    procedures_created: int = 0
    versions_created: int = 0
    unchanged: int = 0
    incomplete_created: int = 0
    created_codes: list[str] = field(default_factory=list)


def detect_format(raw: bytes, filename: str | None = None) -> str:
    """portal / json / csv, from the extension when it says, else from the content."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix == ".csv":
        return "csv"
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if suffix == ".json" or head in (b"[", b"{"):
        data = portal_format.decode_json(raw)
        if isinstance(data, list):
            return "portal"
        if exchange_format.is_own_json(data):
            return "json"
        raise CatalogFormatError([Problem(None, None, "", "không nhận ra định dạng JSON: cần danh sách thủ tục của cổng DVCQG hoặc tệp danh mục congvu (\"format\": \"congvu-catalog\")")])
    if suffix not in ("", ".txt"):
        raise CatalogFormatError([Problem(None, None, "", f"không nhận ra định dạng của tệp {Path(filename).name} (không phải JSON, đuôi {suffix}); đổi tên thành .csv hoặc ghi --format")])
    return "csv"


def parse_catalog(raw: bytes, format: str | None = None, filename: str | None = None) -> tuple[str, list[records.VersionRecord]]:
    """Bytes → (format, records), or CatalogFormatError naming every problem. Pure parsing; nothing is read from
    or written to the database."""
    fmt = format or detect_format(raw, filename)
    if fmt == "portal":
        return fmt, portal_format.loads(raw)
    if fmt == "json":
        return fmt, exchange_format.loads_json(raw)
    if fmt == "csv":
        return fmt, exchange_format.loads_csv(raw)
    raise CatalogFormatError([Problem(None, None, "", f"định dạng không hỗ trợ {fmt!r} (chấp nhận: {', '.join(FORMATS)})")])


def import_catalog(
    raw: bytes,
    *,
    format: str | None = None,
    filename: str | None = None,
    effective_from: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a catalogue file. Everything is validated before anything is written, and the write is one
    transaction: a bad row means nothing is imported.

    Versions without their own effective date take `effective_from` (default: today). The portal's file is a
    snapshot of the current state, so a record is compared with the procedure's latest version; the own formats
    carry history, so a version is compared with every version of its procedure."""
    fmt, parsed = parse_catalog(raw, format, filename)
    return import_records(parsed, fmt, effective_from=effective_from, progress=progress)


def import_starter_catalog(*, effective_from: dt.date | None = None, progress: Progress | None = None) -> ImportReport:
    return import_catalog(
        STARTER_FILE.read_bytes(), format="portal", effective_from=effective_from or STARTER_EFFECTIVE_FROM, progress=progress
    )


def import_records(
    parsed: list[records.VersionRecord], fmt: str, *, effective_from: dt.date | None = None, progress: Progress | None = None
) -> ImportReport:
    units_by_code = _check_references(parsed)
    default_day = effective_from or timezone.localdate()
    report = ImportReport(format=fmt, total=len(parsed))
    links: list[tuple[ProcedureVersion, tuple[str, ...]]] = []
    with transaction.atomic():
        fields = {f.code: f for f in Field.objects.all()}
        for index, record in enumerate(parsed, start=1):
            version = _import_one(record, fmt, default_day, fields, units_by_code, report)
            if version is not None and record.linked:
                links.append((version, record.linked))
            if progress:
                progress(index, len(parsed))
        if links:
            by_code = {p.code: p for p in Procedure.objects.filter(code__in={c for _, codes in links for c in codes})}
            for version, codes in links:
                version.linked_procedures.set([by_code[c] for c in codes])
    return report


def _check_references(parsed: list[records.VersionRecord]) -> dict[str, Unit]:
    """Linked procedures must exist (in the file or the catalogue) and workflow units in the unit tree."""
    problems = []
    in_file = {r.code for r in parsed}
    wanted_links = {c for r in parsed for c in r.linked} - in_file
    known = set(Procedure.objects.filter(code__in=wanted_links).values_list("code", flat=True))
    wanted_units = {s.unit_code for r in parsed for s in r.workflow if s.unit_code}
    units = {u.code: u for u in Unit.objects.filter(code__in=wanted_units)}
    for row, record in enumerate(parsed, start=1):
        for code in record.linked:
            if code not in in_file and code not in known:
                problems.append(Problem(None, record.code, "linked", f"thủ tục liên thông {code} không có trong tệp và trong danh mục"))
        for step in record.workflow:
            if step.unit_code and step.unit_code not in units:
                problems.append(Problem(None, record.code, "workflow.unit_code", f"không có đơn vị mã {step.unit_code}"))
    if problems:
        raise CatalogFormatError(problems)
    return units


def _import_one(record, fmt, default_day, fields, units_by_code, report) -> ProcedureVersion | None:
    procedure, created = Procedure.objects.get_or_create(code=record.code)
    report.procedures_created += created
    new_hash = records.content_hash(record)
    if not created and _already_there(procedure, new_hash, history=fmt != "portal"):
        report.unchanged += 1
        return None
    field_row = fields.get(record.field_code)
    if field_row is None:
        field_row = fields[record.field_code] = Field.objects.create(code=record.field_code, name=record.field_name)
    number = _next_number(procedure, record.number)
    version = _write_version(procedure, record, number, record.effective_from or default_day, field_row, units_by_code, new_hash)
    report.versions_created += 1
    report.incomplete_created += not version.is_complete
    report.created_codes.append(record.code)
    return version


def _already_there(procedure: Procedure, new_hash: str, *, history: bool) -> bool:
    """Whether the content is already a version of the procedure: the latest one for the portal's snapshot
    format, any one for the own formats. The hash stored at import answers most re-imports in one query; the
    content is rebuilt only when it may have been completed since (an export of it re-imported as is)."""
    candidates = procedure.versions.order_by("-number")
    if not history:
        candidates = candidates[:1]
    if any(v.source_hash == new_hash for v in candidates):
        return True
    rebuilt = selectors.versions_for_export().filter(pk__in=[v.pk for v in candidates])
    return any(records.content_hash(selectors.version_record(v)) == new_hash for v in rebuilt)


def _next_number(procedure: Procedure, wanted: int | None) -> int:
    if wanted and not procedure.versions.filter(number=wanted).exists():
        return wanted
    return (procedure.versions.aggregate(m=Max("number"))["m"] or 0) + 1


def _write_version(procedure, record: records.VersionRecord, number, effective_from, field_row, units_by_code, source_hash) -> ProcedureVersion:
    version = ProcedureVersion(
        procedure=procedure,
        number=number,
        status=record.status,
        name=record.name,
        field=field_row,
        level_raw=record.level_raw,
        agency=record.agency,
        decision_number=record.decision_number,
        decision_date=record.decision_date,
        effective_from=effective_from,
        time_limit_value=record.time_limit_value,
        time_limit_unit=record.time_limit_unit,
        time_limit_unit_confirmed=record.time_limit_unit_confirmed,
        time_limit_raw=record.time_limit_raw,
        same_day=record.same_day,
        fast_track=record.fast_track,
        result_on_the_spot=record.result_on_the_spot,
        online_level=record.online_level,
        online_submission=record.online_submission,
        source_url=record.source_url,
        source_snapshot=record.source_snapshot,
        verified=record.verified,
        source_hash=source_hash,
    )
    version.save()
    VersionLevel.objects.bulk_create([VersionLevel(version=version, level=level) for level in record.levels])
    RequiredDocument.objects.bulk_create([
        RequiredDocument(version=version, position=i, name=d.name, group=d.group, heading=d.heading, originals=d.originals, copies=d.copies)
        for i, d in enumerate(record.documents)
    ])
    Fee.objects.bulk_create([
        Fee(
            version=version, position=i, name=f.name, amount_vnd=f.amount_vnd, raw=f.raw, note=f.note, amount_basis=f.amount_basis,
            applies_in_person="in_person" in f.channels, applies_online="online" in f.channels, applies_post="post" in f.channels,
        )
        for i, f in enumerate(record.fees)
    ])
    ResultDocument.objects.bulk_create([ResultDocument(version=version, position=i, name=n) for i, n in enumerate(record.results)])
    LegalBasis.objects.bulk_create([LegalBasis(version=version, position=i, text=t) for i, t in enumerate(record.legal_basis)])
    ChannelInfo.objects.bulk_create([
        ChannelInfo(version=version, position=i, channel=c.channel, label=c.label, time_raw=c.time_raw, fee_raw=c.fee_raw, fee_note=c.fee_note)
        for i, c in enumerate(record.channels)
    ])
    VersionNote.objects.bulk_create([VersionNote(version=version, position=i, text=t) for i, t in enumerate(record.notes)])
    positions: dict[str, int] = {}
    steps = []
    for s in record.workflow:
        positions[s.unit_code] = positions.get(s.unit_code, -1) + 1
        steps.append(WorkflowStep(
            version=version, unit=units_by_code.get(s.unit_code) if s.unit_code else None, position=positions[s.unit_code],
            name=s.name, role=s.role, unit_kind=s.unit_kind, share=s.share,
        ))
    WorkflowStep.objects.bulk_create(steps)
    _store_gaps(version, records.gaps(record))
    return version


# ------------------------------------------------------------------------------------------------- export

def export_catalog(format: str = "json") -> str:
    """Every version of every procedure, in procedure-code and version order."""
    exported = [selectors.version_record(v) for v in selectors.versions_for_export()]
    if format == "json":
        return exchange_format.dump_json(exported)
    if format == "csv":
        return exchange_format.dump_csv(exported)
    raise ValueError(f"định dạng xuất không hỗ trợ {format!r} (chấp nhận: json, csv)")


# ------------------------------------------------------------------------------------------------- completeness

def _gaps_of(version: ProcedureVersion) -> list[records.Gap]:
    light = records.VersionRecord(
        code=version.procedure.code, name=version.name, field_name="",
        time_limit_value=version.time_limit_value, time_limit_unit=version.time_limit_unit or None,
        time_limit_unit_confirmed=version.time_limit_unit_confirmed, time_limit_raw=version.time_limit_raw,
        fees=tuple(records.FeeRecord(f.name, f.amount_vnd, f.raw) for f in version.fees.order_by("position", "id")),
    )
    return records.gaps(light)


def _store_gaps(version: ProcedureVersion, found: list[records.Gap]) -> None:
    version.gaps.all().delete()
    IncompletenessReason.objects.bulk_create([
        IncompletenessReason(version=version, code=g.code, field_path=g.field, detail=g.detail) for g in found
    ])
    complete = not found
    if version.is_complete != complete:
        version.is_complete = complete
        ProcedureVersion.objects.filter(pk=version.pk).update(is_complete=complete)


@transaction.atomic
def recompute_completeness(version: ProcedureVersion, *, actor=None, reason: str = "", source: str | None = None) -> bool:
    """Refresh the stored "missing information" rows and `is_complete` from the version's current content.
    With a `source`, a flip of `is_complete` is recorded as a change too (the moment a procedure became usable)."""
    before = version.is_complete
    _store_gaps(version, _gaps_of(version))
    if source and before != version.is_complete:
        record_change(version, "is_complete", before, version.is_complete, actor=actor, reason=reason, source=source)
    return version.is_complete


def assert_can_receive(version: ProcedureVersion) -> None:
    """Raise ProcedureNotReceivable unless a dossier may be received under `version`.

    Decree 118/2025 (carrying Decree 61/2018 art. 18): the receipt gives an appointment date, computed from the
    time limit, and states the fee; without both the counter cannot lawfully receive the dossier."""
    code = version.procedure.code
    if version.status == VersionStatus.ABOLISHED:
        raise ProcedureNotReceivable(
            _("Procedure %(code)s has been abolished and no longer receives dossiers.") % {"code": code}, [_("abolished")]
        )
    if version.status != VersionStatus.PUBLISHED:
        raise ProcedureNotReceivable(
            _("Version %(number)s of procedure %(code)s is not published.") % {"code": code, "number": version.number}, [_("not published")]
        )
    found = _gaps_of(version)
    if found:
        reasons = [gap_message(g.code, g.detail) for g in found]
        raise ProcedureNotReceivable(
            _("Procedure %(code)s cannot receive dossiers yet: %(reasons)s.") % {"code": code, "reasons": "; ".join(reasons)}, reasons
        )


def gap_message(code: str, detail: str = "") -> str:
    label = str(GapCode(code).label)
    return f"{label} ({detail})" if detail else label


# ------------------------------------------------------------------------------------------------- changes

def _actor_name(actor) -> str:
    if actor is None:
        return ""
    return (actor.get_full_name() or actor.get_username())[:150]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return records.format_quantity_vi(value).replace(",", ".")
    if isinstance(value, (list, tuple, set, QuerySet)):
        return ", ".join(sorted(_text(v) for v in value))
    return str(value)


def record_change(version: ProcedureVersion, field_path: str, old, new, *, actor=None, reason: str = "", source: str = ChangeSource.SERVICE) -> ProcedureChange:
    return ProcedureChange.objects.create(
        procedure=version.procedure, version=version, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_actor_name(actor), source=source, field_path=field_path,
        old_value=_text(old), new_value=_text(new), reason=reason,
    )


@transaction.atomic
def record_changes(version: ProcedureVersion, changes: Iterable[tuple[str, object, object]], *, actor=None, reason: str = "", source: str = ChangeSource.ADMIN) -> int:
    """Record a batch of (field, old, new) changes, e.g. those an administrator saved in one form."""
    count = 0
    for field_path, old, new in changes:
        if _text(old) != _text(new):
            record_change(version, field_path, old, new, actor=actor, reason=reason, source=source)
            count += 1
    return count


# ------------------------------------------------------------------------------------------------- completion

@transaction.atomic
def complete_procedure(
    version: ProcedureVersion,
    *,
    time_limit_value: int | None = None,
    time_limit_unit: str | None = None,
    fee_amounts: Mapping[int | Fee, int] | None = None,
    fee_basis: str = "",
    actor=None,
    rule: str,
    source: str = ChangeSource.SERVICE,
) -> ProcedureVersion:
    """Complete what the published version leaves out, stating the rule or document it follows.

    Giving `time_limit_unit` (even the "days" already there) is the administrator's confirmation of the unit.
    `fee_amounts` maps a fee (or its id) of this version to its amount in đồng; `fee_basis` says where the
    amounts come from (default: the rule). Every field changed is recorded with the rule as its reason."""
    if not rule or not rule.strip():
        raise CompletionError(CatalogErrorCode.COMPLETION_INVALID, _("State the rule or document the completion follows."), {"rule": [_("required")]})
    version = ProcedureVersion.objects.select_for_update().select_related("procedure").get(pk=version.pk)
    changes: list[tuple[str, object, object]] = []
    if time_limit_value is not None:
        if isinstance(time_limit_value, bool) or not isinstance(time_limit_value, int) or time_limit_value < 0:
            raise CompletionError(CatalogErrorCode.COMPLETION_INVALID, _("The time limit must be a whole number, zero or more."), {"time_limit_value": [_("invalid")]})
        changes.append(("time_limit_value", version.time_limit_value, time_limit_value))
        version.time_limit_value = time_limit_value
    if time_limit_unit is not None:
        if time_limit_unit not in TimeLimitUnit.values:
            raise CompletionError(
                CatalogErrorCode.COMPLETION_INVALID,
                _("Unknown time limit unit %(unit)s.") % {"unit": time_limit_unit}, {"time_limit_unit": [_("invalid")]},
            )
        changes.append(("time_limit_unit", version.time_limit_unit, time_limit_unit))
        changes.append(("time_limit_unit_confirmed", version.time_limit_unit_confirmed, True))
        version.time_limit_unit = time_limit_unit
        version.time_limit_unit_confirmed = True
    version.save()
    _check_workflows_still_fit(version)
    if fee_amounts:
        fees = {f.pk: f for f in version.fees.all()}
        for key, amount in fee_amounts.items():
            fee = fees.get(getattr(key, "pk", key))
            if fee is None:
                raise CompletionError(CatalogErrorCode.COMPLETION_INVALID, _("That fee does not belong to this version."), {"fee_amounts": [str(key)]})
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                raise CompletionError(CatalogErrorCode.COMPLETION_INVALID, _("A fee amount must be a whole number of đồng, zero or more."), {"fee_amounts": [str(amount)]})
            changes.append((f"fees[{fee.position}].amount_vnd", fee.amount_vnd, amount))
            fee.amount_vnd = amount
            basis = fee_basis or rule
            changes.append((f"fees[{fee.position}].amount_basis", fee.amount_basis, basis))
            fee.amount_basis = basis
            fee.save(update_fields=["amount_vnd", "amount_basis"])
    record_changes(version, changes, actor=actor, reason=rule, source=source)
    recompute_completeness(version, actor=actor, reason=rule, source=source)
    return version


def _check_workflows_still_fit(version: ProcedureVersion) -> None:
    """A new time limit must not leave an existing workflow adding up to the old one."""
    groups: dict = {}
    for step in version.workflow_steps.select_related("unit").order_by("position", "id"):
        groups.setdefault(step.unit, []).append(StepInput(step.name, step.share, step.role, step.unit_kind))
    for unit, steps in groups.items():
        validate_workflow(version, steps, unit)


@dataclass(frozen=True)
class DemoRule:
    name: str
    text: str


# Luật Hộ tịch 2014 states civil-status time limits in working days (art. 18 marriage: up to 05 working days when
# verification is needed; art. 25 recognition of parents and children and art. 28 change and correction: 03
# working days), as does Decree 123/2015/NĐ-CP art. 22 for the marital-status certificate (to confirm per
# procedure: the rule is applied to the portal's bare numbers, which is why it is recorded with each change).
CIVIL_STATUS_WORKING_DAYS = DemoRule(
    "civil-status-working-days",
    "Quy tắc demo: thủ tục lĩnh vực Hộ tịch có thời hạn không kèm đơn vị được bổ sung đơn vị \"ngày làm việc\" "
    "theo Luật Hộ tịch 2014 (60/2014/QH13, các Điều 18, 25, 28) và Nghị định 123/2015/NĐ-CP (Điều 22), nơi thời "
    "hạn hộ tịch tính bằng ngày làm việc. Cần cán bộ đối chiếu văn bản trước khi vận hành thật.",
)
# Fees for civil status are set by each province's People's Council (Circular 85/2019/TT-BTC). The demo
# has no council resolution to copy, so it shows a round amount that says what it is.
DEMO_CIVIL_STATUS_FEE_VND = 10_000
CIVIL_STATUS_DEMO_FEE = DemoRule(
    "civil-status-demo-fee",
    "Quy tắc demo: lệ phí hộ tịch do HĐND cấp tỉnh quyết định (Thông tư 85/2019/TT-BTC) được gán mức minh hoạ "
    "10.000 đồng để bản demo tiếp nhận được hồ sơ. Đây KHÔNG phải mức do HĐND tỉnh ban hành.",
)
DEMO_FEE_BASIS = "Mức minh hoạ của bản demo, không phải mức do HĐND tỉnh ban hành"
CIVIL_STATUS_FIELD = "ho-tich"
# Joint procedures (liên thông) whose names say which procedures they combine (Decree 63/2024/NĐ-CP on joint
# birth registration, permanent residence and health insurance for children under 6).
DEMO_LINKS = {"2.000986": ("1.001193", "1.004222"), "2.001023": ("1.001193",)}
LINK_RULE = DemoRule(
    "joint-procedure-links",
    "Quy tắc demo: thủ tục liên thông được nối với các thủ tục thành phần có trong danh mục theo tên thủ tục "
    "(Nghị định 63/2024/NĐ-CP về liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ dưới 6 tuổi).",
)


@dataclass
class DemoCompletionReport:
    completed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    still_incomplete: list[str] = field(default_factory=list)


@transaction.atomic
def apply_demo_completion_rules(actor=None) -> DemoCompletionReport:
    """Complete the common gaps of the starter catalogue with explicit rules (recorded as the reason of each
    change), and leave the rest incomplete so the demo shows what an administrator still has to do.
    Idempotent: a rule touches only what is still missing."""
    report = DemoCompletionReport()
    for version in selectors.current_versions().filter(field__code=CIVIL_STATUS_FIELD).order_by("procedure__code"):
        was_complete = version.is_complete
        touched = False
        if version.time_limit_value is not None and not version.time_limit_unit:
            complete_procedure(version, time_limit_unit=TimeLimitUnit.WORKING_DAYS, actor=actor, rule=CIVIL_STATUS_WORKING_DAYS.text, source=ChangeSource.DEMO_RULE)
            touched = True
        council_fees = {f: DEMO_CIVIL_STATUS_FEE_VND for f in version.fees.all() if f.amount_vnd is None and "hội đồng nhân dân" in f.note.lower()}
        if council_fees:
            complete_procedure(version, fee_amounts=council_fees, fee_basis=DEMO_FEE_BASIS, actor=actor, rule=CIVIL_STATUS_DEMO_FEE.text, source=ChangeSource.DEMO_RULE)
            touched = True
        version.refresh_from_db()
        if touched:
            report.changed.append(version.procedure.code)
        if version.is_complete and not was_complete:
            report.completed.append(version.procedure.code)
    for code, linked_codes in DEMO_LINKS.items():
        procedure = selectors.procedure_by_code(code)
        version = selectors.version_in_force(procedure) if procedure else None
        targets = list(Procedure.objects.filter(code__in=linked_codes))
        if version is None or not targets:
            continue
        before = sorted(p.code for p in version.linked_procedures.all())
        after = sorted(set(before) | {p.code for p in targets})
        if after != before:
            version.linked_procedures.add(*targets)
            record_change(version, "linked_procedures", before, after, actor=actor, reason=LINK_RULE.text, source=ChangeSource.DEMO_RULE)
            report.changed.append(code)
    report.still_incomplete = sorted(v.procedure.code for v in selectors.current_versions().filter(is_complete=False, status=VersionStatus.PUBLISHED))
    return report


# ------------------------------------------------------------------------------------------------- workflow

@dataclass(frozen=True)
class StepInput:
    name: str
    share: Decimal
    role: str = ""
    unit_kind: str = ""


def validate_workflow(version: ProcedureVersion, steps: list[StepInput], unit: Unit | None = None) -> None:
    """Raise WorkflowError unless the steps can be the workflow of `version`: each has a name, a positive share
    and someone responsible, and the shares add up to the time limit exactly (records.shares_mismatch)."""
    if version.time_limit_value is None or not version.time_limit_unit:
        raise WorkflowError(
            CatalogErrorCode.WORKFLOW_NO_TIME_LIMIT,
            _("Enter the time limit and its unit before defining the workflow."), {"time_limit": [_("required")]},
        )
    for i, step in enumerate(steps, start=1):
        if not step.name.strip():
            raise WorkflowError(CatalogErrorCode.WORKFLOW_STEP_INVALID, _("Step %(n)s has no name.") % {"n": i})
        if step.share is None or step.share <= 0:
            raise WorkflowError(CatalogErrorCode.WORKFLOW_STEP_INVALID, _("Step %(n)s needs a time share greater than zero.") % {"n": i})
        if not step.role and not step.unit_kind:
            raise WorkflowError(CatalogErrorCode.WORKFLOW_STEP_INVALID, _("Step %(n)s needs a responsible role or unit kind.") % {"n": i})
        if step.role and step.role not in Role.values or step.unit_kind and step.unit_kind not in UnitKind.values:
            raise WorkflowError(CatalogErrorCode.WORKFLOW_STEP_INVALID, _("Step %(n)s has an unknown role or unit kind.") % {"n": i})
    mismatch = records.shares_mismatch(version.time_limit_value, steps)
    if mismatch:
        total, limit = mismatch
        unit_word = TimeLimitUnit(version.time_limit_unit).label
        raise WorkflowError(
            CatalogErrorCode.WORKFLOW_SHARES,
            _("The steps add up to %(total)s %(unit)s but the time limit is %(limit)s %(unit)s: the shares must add up to the time limit exactly.")
            % {"total": quantity(total), "limit": quantity(limit), "unit": unit_word},
            {"share": [quantity(total), quantity(limit)]},
        )


@transaction.atomic
def set_workflow(version: ProcedureVersion, steps: Iterable[StepInput | Mapping], *, unit: Unit | None = None, actor=None, reason: str = "") -> list[WorkflowStep]:
    """Replace the general workflow of `version` (unit None) or the given unit's own, after validating it."""
    inputs = [s if isinstance(s, StepInput) else StepInput(**s) for s in steps]
    inputs = [StepInput(s.name, _as_decimal(s.share), s.role or "", s.unit_kind or "") for s in inputs]
    validate_workflow(version, inputs, unit)
    existing = WorkflowStep.objects.filter(version=version, unit=unit)
    before = [f"{s.name} ({_text(s.share)})" for s in existing.order_by("position", "id")]
    existing.delete()
    created = WorkflowStep.objects.bulk_create([
        WorkflowStep(version=version, unit=unit, position=i, name=s.name.strip(), role=s.role, unit_kind=s.unit_kind, share=s.share)
        for i, s in enumerate(inputs)
    ])
    after = [f"{s.name} ({_text(s.share)})" for s in created]
    scope = f"workflow[{unit.code}]" if unit else "workflow"
    if before != after:
        record_change(version, scope, " → ".join(before), " → ".join(after), actor=actor, reason=reason, source=ChangeSource.SERVICE)
    return created


def _as_decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        return None


# ------------------------------------------------------------------------------------------------- abolition

@transaction.atomic
def abolish_procedure(
    procedure: Procedure, *, decision_number: str, effective_from: dt.date, decision_date: dt.date | None = None, actor=None, reason: str = ""
) -> ProcedureVersion:
    """A procedure abolished by a decision gets a last version saying so, a copy of the content it had, so that
    its page and old dossiers stay readable while intake refuses it from `effective_from`."""
    current = selectors.version_in_force(procedure, effective_from) or procedure.versions.order_by("-number").first()
    if current is None or current.status == VersionStatus.ABOLISHED:
        raise CompletionError(CatalogErrorCode.ABOLITION_INVALID, _("Procedure %(code)s has nothing in force to abolish.") % {"code": procedure.code})
    current = selectors.versions_for_export().get(pk=current.pk)
    record = selectors.version_record(current).replace(
        status=VersionStatus.ABOLISHED.value, decision_number=decision_number, decision_date=decision_date, effective_from=effective_from, number=None,
    )
    units = {s.unit.code: s.unit for s in current.workflow_steps.all() if s.unit}
    version = _write_version(procedure, record, _next_number(procedure, None), effective_from, current.field, units, records.content_hash(record))
    version.linked_procedures.set(current.linked_procedures.all())
    record_change(version, "status", current.status, VersionStatus.ABOLISHED, actor=actor, reason=reason or decision_number, source=ChangeSource.SERVICE)
    return version
