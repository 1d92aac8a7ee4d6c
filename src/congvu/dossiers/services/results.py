"""Results: recorded (one per procedure for linked procedures), classed early / on time / late with the late
step and unit named, returned at the counter, by post or electronically."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from congvu.dossiers.models import DossierResult, DossierStep, ReturnMethod, StepStatus, Timeliness
from congvu.dossiers.services import deadlines
from congvu.dossiers.services.errors import InvalidInput
from congvu.dossiers.services.transitions import run_action
from congvu.dossiers.states import Action


def classify(dossier, at: dt.datetime) -> None:
    """Set finished_at, timeliness and the unit that overran. Late when finished after the due time, and also
    (Decree 61 art. 19) whenever an apology moved the date or the applicant was asked to supplement more than
    once. Early when finished on an earlier working day than the due day."""
    dossier.finished_at = at
    steps = list(DossierStep.objects.filter(dossier=dossier).select_related("unit").order_by("position"))
    for step in steps:
        if step.status == StepStatus.ACTIVE:
            step.status = StepStatus.DONE
            step.finished_at = at
            step.overran = step.due_at is not None and at > step.due_at
            step.save(update_fields=["status", "finished_at", "overran"])
    dossier.current_step = None
    late = (dossier.due_at is not None and at > dossier.due_at) or dossier.extended or dossier.supplement_count > 1
    if late:
        dossier.timeliness = Timeliness.LATE
        calendar = deadlines.calendar_of(dossier)
        overran = [s for s in steps if s.overran and s.due_at and s.finished_at]
        # The step that overran the most office time is the one at fault; without one, the deciding body.
        worst = max(overran, key=lambda s: calendar.working_time_between(s.due_at, s.finished_at), default=None)
        dossier.late_unit = worst.unit if worst else dossier.handling_unit
    elif dossier.due_at is not None and timezone.localdate(at) < timezone.localdate(dossier.due_at):
        dossier.timeliness = Timeliness.EARLY
    else:
        dossier.timeliness = Timeliness.ON_TIME


def _clean_results(dossier, results) -> list[dict]:
    if not results:
        raise InvalidInput("Ghi nhận ít nhất một kết quả.", {"results": ["Bắt buộc."]})
    from congvu.catalog.models import Procedure
    from congvu.documents.models import StoredFile

    version = dossier.procedure_version
    allowed = {version.procedure_id, *version.linked_procedures.values_list("pk", flat=True)}
    cleaned = []
    for i, item in enumerate(results):
        if not isinstance(item, dict):
            raise InvalidInput("Kết quả không hợp lệ.", {f"results.{i}": ["Phải có tên kết quả."]})
        name = str(item.get("name") or "").strip()
        if not name or len(name) > 255:
            raise InvalidInput("Mỗi kết quả cần có tên (tối đa 255 ký tự).", {f"results.{i}.name": ["Bắt buộc."]})
        procedure = item.get("procedure")
        if procedure is not None and not isinstance(procedure, Procedure):
            procedure = Procedure.objects.filter(code=str(procedure)).first()
            if procedure is None:
                raise InvalidInput("Không có thủ tục này.", {f"results.{i}.procedure": ["Mã thủ tục không tồn tại."]})
        if procedure is not None and procedure.pk not in allowed:
            raise InvalidInput(
                "Kết quả chỉ thuộc thủ tục của hồ sơ hoặc thủ tục liên thông với nó.",
                {f"results.{i}.procedure": [f"{procedure.code} không liên thông với {version.procedure.code}."]},
            )
        file = item.get("file")
        if file is not None and not isinstance(file, StoredFile):
            file = StoredFile.objects.filter(pk=file).first() if str(file).isdigit() else None
            if file is None:
                raise InvalidInput("Không có tệp kết quả này.", {f"results.{i}.file": ["Tệp không tồn tại."]})
        cleaned.append({"name": name, "procedure": procedure, "file": file, "electronic": bool(item.get("electronic", False))})
    return cleaned


def _store_for_citizen(dossier, item, at) -> None:
    """A digitised result goes to its holder's document store for reuse (Decree 45/2020 art. 25; Decision 766 indicator 6)."""
    personal_id = dossier.applicant.personal_id
    if not personal_id or item["file"] is None:
        return
    try:
        from congvu.documents.services import store_for_citizen
    except ImportError:
        store_for_citizen = None
    if store_for_citizen is not None:
        store_for_citizen(personal_id, item["name"], item["file"], dossier.code, at)
        return
    from congvu.documents.models import CitizenDocument

    CitizenDocument.objects.create(personal_id=personal_id, name=item["name"], file=item["file"], source_dossier_code=dossier.code, issued_at=at)


def record_result(dossier, actor, results, expected_version=None, at=None):
    def apply(d, at, _state):
        cleaned = _clean_results(d, results)
        for item in cleaned:
            DossierResult.objects.create(
                dossier=d, name=item["name"], procedure=item["procedure"], file=item["file"], electronic=item["electronic"], recorded_at=at,
            )
            _store_for_citizen(d, item, at)
        classify(d, at)
        return {
            "results": [{"name": r["name"], "procedure": r["procedure"].code if r["procedure"] else None} for r in cleaned],
            "timeliness": d.timeliness,
        }

    return run_action(dossier, Action.RECORD_RESULT, actor=actor, expected_version=expected_version, at=at, apply=apply)


def return_result(dossier, actor, method: str, returned_to: str = "", postal_tracking: str = "", expected_version=None, at=None):
    if method not in ReturnMethod.values:
        raise InvalidInput("Hình thức trả kết quả không hợp lệ.", {"method": [f"Chọn một trong: {', '.join(ReturnMethod.values)}."]})
    returned_to = str(returned_to or "").strip()
    postal_tracking = str(postal_tracking or "").strip()
    if method != ReturnMethod.ELECTRONIC and not returned_to:
        raise InvalidInput("Ghi tên người nhận kết quả.", {"returned_to": ["Bắt buộc."]})
    if method == ReturnMethod.POST and not postal_tracking:
        raise InvalidInput("Trả kết quả qua bưu chính cần mã vận đơn.", {"postal_tracking": ["Bắt buộc khi gửi qua bưu chính."]})
    if len(returned_to) > 200 or len(postal_tracking) > 60:
        raise InvalidInput("Thông tin người nhận hoặc mã vận đơn quá dài.", {"returned_to": ["Tối đa 200 ký tự."]})

    def apply(d, at, _state):
        d.returned_at = at
        d.return_method = method
        d.returned_to = returned_to or d.applicant.display_name[:200]
        d.postal_tracking = postal_tracking
        DossierResult.objects.filter(dossier=d, returned_at__isnull=True).update(returned_at=at)
        return {"method": method}

    return run_action(dossier, Action.RETURN_RESULT, actor=actor, expected_version=expected_version, at=at, apply=apply)
