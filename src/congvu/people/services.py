"""Writes of inspections, discipline and training. Each function checks who acts and what they typed, then
makes its change and its one audit row (PeopleEvent) in one transaction; a refusal raises ValidationError
(or PermissionDenied) with a Vietnamese message before anything is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.documents.services import DocumentError, store_generated, store_upload
from congvu.people import access
from congvu.people.checklist import ChecklistDef, shipped_checklists
from congvu.people.discipline import check_dates
from congvu.people.models import (
    ActionState, ChecklistItem, ChecklistTemplate, CorrectiveAction, DisciplineForm, DisciplineRecord, Inspection,
    InspectionEvidence, InspectionFinding, InspectionKind, InspectionPlan, InspectionState, PeopleEvent, Severity,
    TrainingAttendance, TrainingCourse,
)
from congvu.units.models import Role, StaffProfile, Unit

EVIDENCE_TYPES = ("pdf", "jpeg", "png")


def _event(actor, action: str, **kwargs) -> PeopleEvent:
    data = kwargs.pop("data", None) or {}
    return PeopleEvent.objects.create(actor=actor if getattr(actor, "pk", None) else None, action=action, data=data, **kwargs)


def _text(value) -> str:
    return (value or "").strip()


def _in_subtree(unit: Unit, root: Unit) -> bool:
    return unit.path.startswith(root.path)


def _profile(user) -> StaffProfile | None:
    return StaffProfile.objects.select_related("unit").filter(user_id=getattr(user, "pk", None)).first()


# ------------------------------------------------------------------------------------------------ checklists


def install_checklist(definition: ChecklistDef, actor=None) -> tuple[ChecklistTemplate, bool]:
    """Create the checklist and any item it lacks; existing items are left as an administrator may have
    adjusted them. Idempotent: a second call changes nothing. Returns (template, whether anything was added)."""
    with transaction.atomic():
        template, created = ChecklistTemplate.objects.get_or_create(
            code=definition.code, defaults={"name": definition.name, "legal_basis": definition.legal_basis})
        existing = set(template.items.values_list("code", flat=True))
        missing = [item for item in definition.items if item.code not in existing]
        if missing:
            start = (template.items.order_by("-order").values_list("order", flat=True).first() or 0)
            order_of = {item.code: i for i, item in enumerate(definition.items, start=1)}
            ChecklistItem.objects.bulk_create([
                ChecklistItem(template=template, code=item.code, group=item.group, label=item.label, guidance=item.guidance,
                              legal_basis=item.legal_basis, order=start + order_of[item.code] if not created else order_of[item.code])
                for item in missing
            ])
        if created or missing:
            _event(actor, "install_checklist", data={"code": definition.code, "added": [i.code for i in missing]})
    return template, bool(created or missing)


def install_shipped_checklists(actor=None) -> list[tuple[ChecklistTemplate, bool]]:
    return [install_checklist(definition, actor) for definition in shipped_checklists()]


# ------------------------------------------------------------------------------------------------ plans


def _next_code(model, prefix: str) -> str:
    last = model.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    number = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{number:03d}"


def create_plan(actor, *, title: str, kind: str, start_date: dt.date, end_date: dt.date, units, team, checklist: ChecklistTemplate,
                team_leader=None, purpose: str = "") -> InspectionPlan:
    """A plan by an inspector for units in their scope. The team are inspectors (the author is always on it);
    the team leader is one of them (the author by default)."""
    if not access.can_create_plan(actor):
        raise PermissionDenied(_("Only inspectors plan inspections."))
    units, team = list(units), list(team)
    errors: dict[str, str] = {}
    if not _text(title):
        errors["title"] = _("Give the plan a title.")
    if kind not in InspectionKind.values:
        errors["kind"] = _("Choose periodic or unannounced.")
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = _("The end of the period cannot be before its start.")
    if not units:
        errors["units"] = _("Choose at least one unit to inspect.")
    elif any(not access.can_plan_unit(actor, u) for u in units):
        errors["units"] = _("You can only plan inspections of units in your scope.")
    if checklist is None or not checklist.is_active:
        errors["checklist"] = _("Choose a checklist in use.")
    if actor not in team:
        team.append(actor)
    roles = dict(StaffProfile.objects.filter(user__in=team).values_list("user_id", "role"))
    if any(roles.get(member.pk) != Role.INSPECTOR for member in team):
        errors["team"] = _("Every member of the team must be an inspector.")
    team_leader = team_leader or actor
    if team_leader not in team:
        errors["team_leader"] = _("The team leader must be on the team.")
    if errors:
        raise ValidationError(errors)
    profile = _profile(actor)
    with transaction.atomic():
        prefix = f"KH-{start_date.year}-"
        plan = InspectionPlan.objects.create(
            code=_next_code(InspectionPlan, prefix), title=_text(title), kind=kind, start_date=start_date, end_date=end_date,
            team_leader=team_leader, checklist=checklist, purpose=_text(purpose), owner_unit=profile.unit, created_by=actor)
        plan.units.set(units)
        plan.team.set(team)
        _event(actor, "create_plan", plan=plan, data={"code": plan.code, "kind": kind, "units": [u.code for u in units],
                                                      "team": [m.get_username() for m in team]})
    return plan


def cancel_plan(plan: InspectionPlan, actor, reason: str) -> InspectionPlan:
    if not access.can_record_on_plan(actor, plan):
        raise PermissionDenied(_("Only the inspection team changes its plan."))
    if not _text(reason):
        raise ValidationError({"reason": _("Say why the plan is cancelled.")})
    with transaction.atomic():
        plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.cancelled_at is not None:
            raise ValidationError(_("The plan is already cancelled."))
        if plan.inspections.exists():
            raise ValidationError(_("Inspections were already recorded under this plan; it can no longer be cancelled."))
        plan.cancelled_at = timezone.now()
        plan.save(update_fields=["cancelled_at"])
        _event(actor, "cancel_plan", plan=plan, data={"reason": _text(reason)})
    return plan


# ------------------------------------------------------------------------------------------------ inspections


def open_inspection(plan: InspectionPlan, actor, *, unit: Unit, date: dt.date) -> Inspection:
    """Start the record of an inspection of `unit` (a unit of the plan or one below it) on `date` (within
    the plan's period)."""
    if not access.can_record_on_plan(actor, plan):
        raise PermissionDenied(_("Only the inspection team records inspections under this plan."))
    errors: dict[str, str] = {}
    if unit is None or not any(_in_subtree(unit, root) for root in plan.units.all()):
        errors["unit"] = _("This unit is not in the plan's scope.")
    elif not access.can_plan_unit(actor, unit):
        errors["unit"] = _("You can only plan inspections of units in your scope.")
    if date is None or not (plan.start_date <= date <= plan.end_date):
        errors["date"] = _("The inspection date must fall within the plan's period (%(start)s – %(end)s).") % {
            "start": f"{plan.start_date:%d/%m/%Y}", "end": f"{plan.end_date:%d/%m/%Y}"}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    inspection = Inspection.objects.create(code=_next_code(Inspection, f"KT-{date.year}-"), plan=plan, unit=unit,
                                                           date=date, created_by=actor)
                break
            except IntegrityError:  # two inspectors opened a record at the same moment: take the next number
                continue
        else:
            raise ValidationError(_("Could not number the inspection; try again."))
        _event(actor, "open_inspection", plan=plan, inspection=inspection, data={"code": inspection.code, "unit": unit.code, "date": str(date)})
    return inspection


def _locked_draft(inspection: Inspection, actor) -> Inspection:
    locked = Inspection.objects.select_for_update().select_related("plan", "unit").get(pk=inspection.pk)
    if locked.state != InspectionState.DRAFT:
        raise ValidationError(_("The inspection is concluded; its record can no longer change."))
    if not access.can_record(actor, locked):
        raise PermissionDenied(_("Only the inspection team records this inspection."))
    return locked


def _store_evidence(inspection, actor, uploads, finding=None, description: str = "") -> list[str]:
    names = []
    for upload in uploads or []:
        try:
            stored = store_upload(upload, getattr(upload, "name", "") or "minh-chung", uploaded_by=actor, allowed=EVIDENCE_TYPES)
        except DocumentError as error:
            raise ValidationError({"files": error.message}) from None
        InspectionEvidence.objects.create(inspection=inspection, finding=finding, file=stored, uploaded_by=actor, description=_text(description)[:300])
        names.append(stored.original_name)
    return names


def add_finding(inspection: Inspection, actor, *, description: str, checklist_item: ChecklistItem | None = None, label: str = "",
                unit: Unit | None = None, staff=None, is_violation: bool = True, severity: str = Severity.MINOR,
                files=None) -> InspectionFinding:
    """A finding about the inspected unit (or a unit below it) and, when `staff` is given, about a named
    staff member of that subtree. The text comes from the plan's checklist item, or `label` for a point the
    checklist does not name."""
    with transaction.atomic():
        inspection = _locked_draft(inspection, actor)
        unit = unit or inspection.unit
        errors: dict[str, str] = {}
        if checklist_item is not None and checklist_item.template_id != inspection.plan.checklist_id:
            errors["checklist_item"] = _("This item is not on the plan's checklist.")
        item_label = checklist_item.label if checklist_item is not None else _text(label)
        if not item_label:
            errors["checklist_item"] = _("Choose a checklist item or describe what was checked.")
        if not _in_subtree(unit, inspection.unit):
            errors["unit"] = _("The finding must be about the inspected unit or a unit below it.")
        if staff is not None:
            profile = _profile(staff)
            if profile is None or not _in_subtree(profile.unit, inspection.unit):
                errors["staff"] = _("This person is not a staff member of the inspected unit.")
            else:
                # A finding about a person is about the person's own unit, whatever unit was chosen.
                unit = profile.unit
        if not _text(description):
            errors["description"] = _("Describe what was found.")
        if severity not in Severity.values:
            errors["severity"] = _("Choose minor or serious.")
        if errors:
            raise ValidationError(errors)
        finding = InspectionFinding.objects.create(
            inspection=inspection, checklist_item=checklist_item, checklist_item_label=item_label[:500], unit=unit, staff=staff,
            is_violation=bool(is_violation), severity=severity if is_violation else Severity.MINOR, description=_text(description), created_by=actor)
        names = _store_evidence(inspection, actor, files, finding=finding)
        _event(actor, "add_finding", inspection=inspection, data={
            "finding": finding.pk, "item": item_label, "staff": staff.get_username() if staff else None,
            "violation": finding.is_violation, "severity": finding.severity, "evidence": names})
    return finding


def remove_finding(finding: InspectionFinding, actor) -> None:
    with transaction.atomic():
        inspection = _locked_draft(finding.inspection, actor)
        data = {"finding": finding.pk, "item": finding.checklist_item_label, "staff_id": finding.staff_id}
        finding.delete()
        _event(actor, "remove_finding", inspection=inspection, data=data)


def add_evidence(inspection: Inspection, actor, files, *, finding: InspectionFinding | None = None, description: str = "") -> list[str]:
    if not files:
        raise ValidationError({"files": _("Choose a file.")})
    with transaction.atomic():
        inspection = _locked_draft(inspection, actor)
        if finding is not None and finding.inspection_id != inspection.pk:
            raise ValidationError({"finding": _("This finding belongs to another inspection.")})
        names = _store_evidence(inspection, actor, files, finding=finding, description=description)
        _event(actor, "add_evidence", inspection=inspection, data={"files": names, "finding": finding.pk if finding else None})
    return names


def add_action(inspection: Inspection, actor, *, description: str, deadline: dt.date, unit: Unit | None = None,
               finding: InspectionFinding | None = None) -> CorrectiveAction:
    """A corrective action the inspected unit (or a unit below it) must take by `deadline`."""
    with transaction.atomic():
        inspection = _locked_draft(inspection, actor)
        unit = unit or (finding.unit if finding is not None else inspection.unit)
        errors: dict[str, str] = {}
        if not _text(description):
            errors["description"] = _("Describe the action required.")
        if deadline is None or deadline < inspection.date:
            errors["deadline"] = _("The deadline cannot be before the inspection date.")
        if not _in_subtree(unit, inspection.unit):
            errors["unit"] = _("The responsible unit must be the inspected unit or a unit below it.")
        if finding is not None and finding.inspection_id != inspection.pk:
            errors["finding"] = _("This finding belongs to another inspection.")
        if errors:
            raise ValidationError(errors)
        action = CorrectiveAction.objects.create(inspection=inspection, finding=finding, unit=unit, description=_text(description), deadline=deadline)
        _event(actor, "add_action", inspection=inspection, data={"action": action.pk, "deadline": str(deadline), "unit": unit.code})
    return action


def remove_action(action: CorrectiveAction, actor) -> None:
    with transaction.atomic():
        inspection = _locked_draft(action.inspection, actor)
        data = {"action": action.pk, "description": action.description}
        action.delete()
        _event(actor, "remove_action", inspection=inspection, data=data)


def conclude(inspection: Inspection, actor, *, summary: str, conclusion: str, notice_number: str = "") -> Inspection:
    """Close the record and issue the concluding notice: the PDF is rendered and kept with the record, so the
    notice stays what was issued. Needs at least one finding and the conclusion text."""
    from congvu.people import notice

    with transaction.atomic():
        inspection = _locked_draft(inspection, actor)
        errors: dict[str, str] = {}
        if not inspection.findings.exists():
            errors["__all__"] = _("Record at least one finding before concluding.")
        if not _text(conclusion):
            errors["conclusion"] = _("Write the conclusion.")
        if errors:
            raise ValidationError(errors)
        inspection.summary, inspection.conclusion = _text(summary), _text(conclusion)
        inspection.notice_number = _text(notice_number)[:60] or f"{inspection.code}/TB-ĐKT"
        inspection.state = InspectionState.CONCLUDED
        inspection.concluded_at, inspection.concluded_by = timezone.now(), actor
        inspection.save(update_fields=["summary", "conclusion", "notice_number", "state", "concluded_at", "concluded_by"])
        pdf = notice.render_notice(inspection)
        inspection.notice = store_generated(pdf, f"thong-bao-ket-luan-{inspection.code}.pdf", created_by=actor)
        inspection.save(update_fields=["notice"])
        _event(actor, "conclude", inspection=inspection, data={
            "notice_number": inspection.notice_number, "findings": inspection.findings.count(),
            "violations": inspection.findings.filter(is_violation=True).count(), "actions": inspection.actions.count()})
    return inspection


def report_action(action: CorrectiveAction, actor, report: str) -> CorrectiveAction:
    """The inspected unit's leader reports what was done."""
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().select_related("inspection__plan", "unit").get(pk=action.pk)
        if not access.can_report_action(actor, action):
            raise PermissionDenied(_("Only the leaders of the responsible unit report on this action."))
        if action.state != ActionState.OPEN:
            raise ValidationError(_("This action is not waiting for a report."))
        if not _text(report):
            raise ValidationError({"report": _("Say what was done.")})
        action.state, action.report = ActionState.REPORTED, _text(report)
        action.reported_at, action.reported_by = timezone.now(), actor
        action.save(update_fields=["state", "report", "reported_at", "reported_by"])
        _event(actor, "report_action", inspection=action.inspection, data={"action": action.pk, "report": action.report})
    return action


def review_action(action: CorrectiveAction, actor, *, accept: bool, note: str = "") -> CorrectiveAction:
    """An inspector accepts the report (done) or sends it back with the reason (open again)."""
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().select_related("inspection__plan", "inspection__unit", "unit").get(pk=action.pk)
        if not access.can_review_action(actor, action):
            raise PermissionDenied(_("Only an inspector reviews the follow-up."))
        if action.state != ActionState.REPORTED:
            raise ValidationError(_("There is no report to review for this action."))
        if not accept and not _text(note):
            raise ValidationError({"note": _("Say why the report is sent back.")})
        action.review_note = _text(note)
        if accept:
            action.state, action.closed_at, action.closed_by = ActionState.DONE, timezone.now(), actor
        else:
            action.state = ActionState.OPEN
        action.save(update_fields=["state", "review_note", "closed_at", "closed_by"])
        _event(actor, "accept_action" if accept else "return_action", inspection=action.inspection, data={"action": action.pk, "note": action.review_note})
    return action


# ------------------------------------------------------------------------------------------------ discipline


def record_discipline(actor, *, staff, form: str, decision_number: str, decision_date: dt.date, signer: str, effective_from: dt.date | None = None,
                      effective_to: dt.date | None = None, reason: str, inspection: Inspection | None = None) -> DisciplineRecord:
    profile = _profile(staff) if staff is not None else None
    if profile is None:
        raise ValidationError({"staff": _("Choose a staff member.")})
    if not access.can_enter_discipline(actor, staff, profile.unit):
        raise PermissionDenied(_("Discipline is recorded by a leader of the person's unit or of a unit above it."))
    errors: dict[str, str] = {}
    if form not in DisciplineForm.values:
        errors["form"] = _("Choose the form of discipline.")
    if not _text(decision_number):
        errors["decision_number"] = _("Give the decision number.")
    if decision_date is None:
        errors["decision_date"] = _("Give the decision date.")
    elif decision_date > timezone.localdate():
        errors["decision_date"] = _("The decision date cannot be in the future.")
    if not _text(signer):
        errors["signer"] = _("Say who signed the decision.")
    if not _text(reason):
        errors["reason"] = _("Describe the violation.")
    if decision_date is not None:
        messages = {"before_decision": _("The decision cannot take effect before it is signed."),
                    "before_start": _("The end of the effect cannot be before its start.")}
        for field, problem in check_dates(decision_date, effective_from, effective_to):
            errors[field] = messages[problem]
    if inspection is not None and not inspection.findings.filter(staff=staff).exists():
        errors["inspection"] = _("This inspection has no finding about this person.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if DisciplineRecord.objects.select_for_update().filter(staff=staff, decision_number__iexact=_text(decision_number), annulled=False).exists():
            raise ValidationError({"decision_number": _("A decision with this number is already recorded for this person.")})
        record = DisciplineRecord.objects.create(
            staff=staff, unit=profile.unit, form=form, decision_number=_text(decision_number), decision_date=decision_date, signer=_text(signer),
            effective_from=effective_from or decision_date, effective_to=effective_to, reason=_text(reason), inspection=inspection, created_by=actor)
        _event(actor, "record_discipline", discipline=record, data={"staff": staff.get_username(), "form": form, "decision": record.decision_number,
                                                                    "date": str(decision_date)})
    return record


def annul_discipline(record: DisciplineRecord, actor, reason: str) -> DisciplineRecord:
    """Mark a decision annulled (cancelled by a later decision or a court): it stays on file but stops counting."""
    with transaction.atomic():
        record = DisciplineRecord.objects.select_for_update().select_related("unit", "staff").get(pk=record.pk)
        if not access.can_enter_discipline(actor, record.staff, record.unit):
            raise PermissionDenied(_("Discipline is recorded by a leader of the person's unit or of a unit above it."))
        if record.annulled:
            raise ValidationError(_("This decision is already annulled."))
        if not _text(reason):
            raise ValidationError({"reason": _("Give the reason and the decision that annulled it.")})
        record.annulled, record.annulled_reason, record.annulled_at = True, _text(reason), timezone.now()
        record.save(update_fields=["annulled", "annulled_reason", "annulled_at"])
        _event(actor, "annul_discipline", discipline=record, data={"reason": record.annulled_reason})
    return record


# ------------------------------------------------------------------------------------------------ training


def create_course(actor, *, name: str, organiser: Unit, start_date: dt.date, end_date: dt.date, hours: Decimal, topic: str = "") -> TrainingCourse:
    if organiser is None or not access.can_manage_training(actor, organiser):
        raise PermissionDenied(_("Training is organised by unit leaders and the reform office for units in their scope."))
    errors: dict[str, str] = {}
    if not _text(name):
        errors["name"] = _("Give the course a name.")
    if start_date is None or end_date is None:
        errors["end_date"] = _("Give the course dates.")
    elif end_date < start_date:
        errors["end_date"] = _("The end of the period cannot be before its start.")
    if hours is None or hours <= 0 or hours > 2000:
        errors["hours"] = _("Hours must be more than 0 and at most 2000.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        course = TrainingCourse.objects.create(name=_text(name), organiser=organiser, start_date=start_date, end_date=end_date,
                                               hours=hours, topic=_text(topic), created_by=actor)
        _event(actor, "create_course", course=course, data={"name": course.name, "hours": str(hours)})
    return course


def record_attendance(course: TrainingCourse, actor, staff_members, *, attended: bool = True, completed_on: dt.date | None = None,
                      certificate_number: str = "", note: str = "") -> list[TrainingAttendance]:
    """Record (or correct) attendance of the given staff members. Each must be in the actor's scope; the
    completion date, when given, falls within the course or after it."""
    if not access.can_manage_training(actor, course.organiser):
        raise PermissionDenied(_("Training is organised by unit leaders and the reform office for units in their scope."))
    staff_members = list(staff_members)
    if not staff_members:
        raise ValidationError({"staff": _("Choose at least one staff member.")})
    profiles = {p.user_id: p for p in StaffProfile.objects.select_related("unit").filter(user__in=staff_members)}
    from congvu.units.selectors import can_see_unit

    errors: dict[str, str] = {}
    if any(m.pk not in profiles or not can_see_unit(actor, profiles[m.pk].unit) for m in staff_members):
        errors["staff"] = _("You can only record attendance of staff in your scope.")
    if completed_on is not None and completed_on < course.start_date:
        errors["completed_on"] = _("The completion date cannot be before the course starts.")
    if completed_on is not None and not attended:
        errors["completed_on"] = _("Someone who did not attend cannot have completed the course.")
    if errors:
        raise ValidationError(errors)
    rows = []
    with transaction.atomic():
        for member in staff_members:
            row, _created = TrainingAttendance.objects.update_or_create(
                course=course, staff=member,
                defaults={"unit": profiles[member.pk].unit, "attended": attended,
                          "completed_on": (completed_on or course.end_date) if attended else None,
                          "certificate_number": _text(certificate_number)[:60], "note": _text(note)[:300]})
            rows.append(row)
        _event(actor, "record_attendance", course=course, data={"staff": [m.get_username() for m in staff_members], "attended": attended})
    return rows
