"""Refreshing the catalogue from the national portal's procedure look-up, through the province's adapter.

`refresh` asks the portal for its list of procedures (`LayDanhSachTTHC`), or takes the codes given, then each
procedure (`LayThuTuc`), compares what it says with the version in force here (`national_compare`) and keeps each
difference as a `NationalProcedureDifference` waiting for a catalogue administrator. Nothing in the catalogue
changes by itself: the portal is a source to check against, not the authority over a province's completions.

- A refresh that finds the same difference again only notes when it was fetched; one whose portal value changed
  is updated in place (still one pending row per procedure and field); one that no longer differs is removed
  (it was never decided, so there is nothing to keep); a value an administrator dismissed is not raised again.
- `accept` applies the portal's value to the version in force through the catalogue's own services, each field
  recorded as a `ProcedureChange` with source "national_portal" and the fetch time as its reason, and the
  version's completeness recomputed, in one transaction. `dismiss` records the decision only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from congvu.catalog import national_compare, records, selectors, services
from congvu.catalog.errors import CatalogError
from congvu.catalog.models import (
    ChangeSource,
    DifferenceStatus,
    Field,
    NationalField,
    NationalProcedureDifference,
    Procedure,
    ProcedureVersion,
    VersionLevel,
    VersionStatus,
)
from congvu.core.text import fold

NOT_CONFIGURED = (
    "Chưa cấu hình kết nối Cổng DVCQG (bộ điều hợp của tỉnh): đặt CONGVU_PORTAL_ADAPTER_URL và thông tin đăng nhập "
    "trong biến môi trường rồi chạy lại."
)


class NotConfigured(Exception):
    def __init__(self, message: str = NOT_CONFIGURED):
        super().__init__(message)
        self.message = message


class DifferenceError(Exception):
    """A decision that cannot be applied (Vietnamese message; nothing was changed)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RefreshReport:
    checked: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    resolved: int = 0
    dismissed_before: int = 0
    not_on_portal: list[str] = field(default_factory=list)
    not_in_catalogue: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    aborted: str = ""


Progress = Callable[[int, int, str], None]


# ------------------------------------------------------------------------------------------------- look-up

def _client(client):
    if client is not None:
        return client
    from congvu.sync.adapter import client as adapter_client

    found = adapter_client()
    if found is None:
        raise NotConfigured()
    return found


def _results(answer: dict) -> list:
    result = answer.get("result")
    if isinstance(result, dict):
        return [result]
    return result if isinstance(result, list) else []


def portal_codes(client) -> list[str]:
    """The procedure codes the portal lists (LayDanhSachTTHC)."""
    from congvu.sync.fields import answer_kind

    answer = client.call("LayDanhSachTTHC", {})
    if answer_kind(answer) != "ok":
        raise DifferenceError(f"Cổng DVCQG không trả danh sách thủ tục: {answer.get('message') or answer.get('error_code')}")
    codes = []
    for item in _results(answer):
        code = str(item.get("MATTHC") or item.get("MaTTHC") or "").strip() if isinstance(item, dict) else str(item or "").strip()
        if code and code not in codes:
            codes.append(code)
    return codes


def refresh(codes: list[str] | None = None, *, client=None, progress: Progress | None = None, now: dt.datetime | None = None) -> RefreshReport:
    """Look up `codes` (default: every procedure the portal lists that our catalogue has in force) and store the
    differences. Raises NotConfigured when no adapter is set. An adapter that stops answering ends the run
    (`report.aborted`); a procedure the portal answers with an error is listed in `report.failed`."""
    from congvu.sync.adapter import AdapterError
    from congvu.sync.fields import answer_kind

    client = _client(client)
    report = RefreshReport()
    try:
        wanted = list(dict.fromkeys(codes)) if codes else portal_codes(client)
    except AdapterError as exc:
        report.aborted = exc.message
        return report
    except DifferenceError as exc:
        report.aborted = exc.message
        return report
    versions = {v.procedure.code: v for v in selectors.current_versions().filter(procedure__code__in=wanted).exclude(status=VersionStatus.ABOLISHED)}
    total = len(wanted)
    for index, code in enumerate(wanted, start=1):
        version = versions.get(code)
        if version is None:
            report.not_in_catalogue.append(code)
        else:
            try:
                answer = client.call("LayThuTuc", {"maTTHC": code})
            except AdapterError as exc:
                report.failed.append((code, exc.message))
                if exc.transient:
                    report.aborted = exc.message
                    break
            else:
                items = [i for i in _results(answer) if isinstance(i, dict)] if answer_kind(answer) == "ok" else []
                if answer_kind(answer) != "ok":
                    report.failed.append((code, str(answer.get("message") or answer.get("error_code"))))
                elif not items:
                    report.not_on_portal.append(code)
                else:
                    report.checked += 1
                    found = national_compare.differences(our_view(version), national_compare.portal_view(items[0]))
                    store_differences(version, found, report, now=now or timezone.now())
        if progress:
            progress(index, total, code)
    return report


def our_view(version: ProcedureVersion) -> national_compare.OurView:
    fees = list(version.fees.order_by("position", "id"))
    return national_compare.OurView(
        name=version.name, field_name=version.field.name, time_limit_value=version.time_limit_value,
        time_limit_unit=version.time_limit_unit or None, fee_amounts=tuple(f.amount_vnd for f in fees),
        fee_names=tuple(f.name for f in fees), levels=tuple(version.levels.values_list("level", flat=True)),
        agency=version.agency, decision=version.decision_number,
    )


def store_differences(version: ProcedureVersion, found: list[national_compare.Difference], report: RefreshReport, *, now: dt.datetime) -> None:
    with transaction.atomic():
        # One refresh of a procedure at a time: the pending row per field is read, then written.
        Procedure.objects.select_for_update().filter(pk=version.procedure_id).first()
        pending = {d.field: d for d in NationalProcedureDifference.objects.filter(procedure_id=version.procedure_id, status=DifferenceStatus.PENDING)}
        for diff in found:
            row = pending.pop(diff.field, None)
            if row is not None:
                if (row.ours, row.theirs, row.version_id) == (diff.ours, diff.theirs, version.pk):
                    row.fetched_at = now
                    row.save(update_fields=["fetched_at"])
                    report.unchanged += 1
                else:
                    row.ours, row.theirs, row.theirs_data, row.version, row.fetched_at = diff.ours, diff.theirs, diff.theirs_data, version, now
                    row.save(update_fields=["ours", "theirs", "theirs_data", "version", "fetched_at"])
                    report.updated += 1
                continue
            if NationalProcedureDifference.objects.filter(
                procedure_id=version.procedure_id, field=diff.field, status=DifferenceStatus.DISMISSED, theirs=diff.theirs, ours=diff.ours,
            ).exists():
                report.dismissed_before += 1
                continue
            NationalProcedureDifference.objects.create(
                procedure_id=version.procedure_id, version=version, field=diff.field, ours=diff.ours, theirs=diff.theirs,
                theirs_data=diff.theirs_data, first_seen_at=now, fetched_at=now,
            )
            report.created += 1
        for row in pending.values():
            row.delete()
            report.resolved += 1


# ------------------------------------------------------------------------------------------------- decisions

def _locked_pending(difference: NationalProcedureDifference) -> NationalProcedureDifference:
    row = NationalProcedureDifference.objects.select_for_update().select_related("procedure", "version").filter(pk=difference.pk).first()
    if row is None or row.status != DifferenceStatus.PENDING:
        raise DifferenceError("Khác biệt này đã được xử lý hoặc không còn.")
    return row


def _decided(row: NationalProcedureDifference, status: str, by, note: str) -> NationalProcedureDifference:
    row.status = status
    row.decided_by = by if getattr(by, "pk", None) else None
    row.decided_at = timezone.now()
    row.decision_note = note.strip()
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return row


def dismiss(difference: NationalProcedureDifference, *, by, note: str = "") -> NationalProcedureDifference:
    with transaction.atomic():
        return _decided(_locked_pending(difference), DifferenceStatus.DISMISSED, by, note)


def accept(difference: NationalProcedureDifference, *, by, note: str = "") -> NationalProcedureDifference:
    """Take the portal's value into the version in force, recorded; refused (nothing changed) when the catalogue
    moved on since the look-up (another version in force) or the value cannot be applied as it is."""
    with transaction.atomic():
        row = _locked_pending(difference)
        version = selectors.version_in_force(row.procedure)
        if version is None or version.pk != row.version_id:
            raise DifferenceError("Thủ tục đã có phiên bản khác có hiệu lực sau lần tra cứu: hãy tra cứu lại Cổng DVCQG.")
        version = ProcedureVersion.objects.select_for_update().select_related("procedure", "field").get(pk=version.pk)
        fetched = timezone.localtime(row.fetched_at).strftime("%d/%m/%Y %H:%M")
        reason = f"Theo Cổng DVCQG (tra cứu thủ tục lúc {fetched})" + (f": {note.strip()}" if note.strip() else "")
        try:
            _APPLY[row.field](version, row.theirs_data, by, reason)
            version.refresh_from_db()
            services.recompute_completeness(version, actor=by, reason=reason, source=ChangeSource.NATIONAL_PORTAL)
        except CatalogError as exc:
            raise DifferenceError(exc.message) from None
        return _decided(row, DifferenceStatus.ACCEPTED, by, note)


def _record(version, field_path, old, new, by, reason) -> None:
    services.record_change(version, field_path, old, new, actor=by, reason=reason, source=ChangeSource.NATIONAL_PORTAL)


def _apply_name(version, data, by, reason) -> None:
    new = str(data.get("name") or "").strip()
    if not new:
        raise DifferenceError("Cổng DVCQG không trả tên thủ tục.")
    old, version.name = version.name, new
    version.save()
    _record(version, "name", old, new, by, reason)


def _field_named(name: str) -> Field:
    wanted = fold(name)
    for existing in Field.objects.all():
        if fold(existing.name) == wanted:
            return existing
    code = base = records.field_code_for(name) or "linh-vuc"
    n = 1
    while Field.objects.filter(code=code).exists():
        n += 1
        code = f"{base[:95]}-{n}"
    return Field.objects.create(code=code, name=name[:255])


def _apply_field(version, data, by, reason) -> None:
    name = str(data.get("name") or "").strip()
    if not name:
        raise DifferenceError("Cổng DVCQG không trả tên lĩnh vực.")
    old = version.field.name
    version.field = _field_named(name)
    version.save()
    _record(version, "field", old, version.field.name, by, reason)


def _apply_time_limit(version, data, by, reason) -> None:
    value, unit = data.get("value"), data.get("unit")
    if not isinstance(value, int) or isinstance(value, bool):
        raise DifferenceError("Cổng DVCQG không trả thời hạn giải quyết dạng số.")
    services.complete_procedure(
        version, time_limit_value=value, time_limit_unit=unit or None, actor=by, rule=reason, source=ChangeSource.NATIONAL_PORTAL,
    )


def _apply_fees(version, data, by, reason) -> None:
    theirs = data.get("fees") or []
    fees = list(version.fees.order_by("position", "id"))
    if len(theirs) != len(fees):
        raise DifferenceError(
            f"Cổng DVCQG có {len(theirs)} khoản phí, danh mục có {len(fees)}: sửa danh sách phí trong trang quản trị danh mục, "
            "rồi bỏ qua khác biệt này."
        )
    amounts = {fee: t["amount_vnd"] for fee, t in zip(fees, theirs) if isinstance(t.get("amount_vnd"), int)}
    if not amounts:
        raise DifferenceError("Cổng DVCQG không ghi mức phí dạng số để cập nhật.")
    services.complete_procedure(version, fee_amounts=amounts, fee_basis=reason, actor=by, rule=reason, source=ChangeSource.NATIONAL_PORTAL)


def _apply_level(version, data, by, reason) -> None:
    levels = sorted({lv for lv in data.get("levels") or [] if lv in national_compare.LEVEL_WORDS_VI})
    if not levels:
        raise DifferenceError("Cổng DVCQG không trả cấp thực hiện nhận biết được.")
    old = sorted(version.levels.values_list("level", flat=True))
    version.levels.all().delete()
    VersionLevel.objects.bulk_create([VersionLevel(version=version, level=lv) for lv in levels])
    _record(version, "levels", old, levels, by, reason)
    raw = str(data.get("raw") or "")
    if raw and raw != version.level_raw:
        old_raw, version.level_raw = version.level_raw, raw
        version.save()
        _record(version, "level_raw", old_raw, raw, by, reason)


def _apply_agency(version, data, by, reason) -> None:
    old, version.agency = version.agency, str(data.get("agency") or "").strip()
    version.save()
    _record(version, "agency", old, version.agency, by, reason)


def _apply_decision(version, data, by, reason) -> None:
    new = str(data.get("decision") or "").strip()
    if len(new) > 120:
        raise DifferenceError("Số quyết định công bố trên Cổng DVCQG dài quá 120 ký tự.")
    old, version.decision_number = version.decision_number, new
    version.save()
    _record(version, "decision_number", old, new, by, reason)


_APPLY = {
    NationalField.NAME: _apply_name,
    NationalField.FIELD: _apply_field,
    NationalField.TIME_LIMIT: _apply_time_limit,
    NationalField.FEES: _apply_fees,
    NationalField.LEVEL: _apply_level,
    NationalField.AGENCY: _apply_agency,
    NationalField.DECISION: _apply_decision,
}
