"""Excel exports of the people lists (formula-injection safe through congvu.core.excel)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from congvu.core.excel import workbook_bytes
from congvu.dossiers.letters import person_name

STATUS_LABELS = {"open": gettext_lazy("To be done"), "overdue": gettext_lazy("Overdue"), "reported": gettext_lazy("Reported, awaiting the inspector"),
                 "reported_late": gettext_lazy("Reported after the deadline"), "done": pgettext_lazy("follow-up", "Done")}


def _local(at):
    return timezone.localtime(at) if at else None


def plans_workbook(plans) -> bytes:
    columns = [(_("Code"), 14), (_("Title"), 50), (_("Kind"), 14), (_("From"), 12), (_("To date"), 12), (_("Units to inspect"), 50),
               (_("Team leader"), 25), (_("Checklist"), 40), (_("Cancelled"), 10)]
    return workbook_bytes(_("Inspection plans"), columns, (
        [p.code, p.title, p.get_kind_display(), p.start_date, p.end_date, "; ".join(u.name for u in p.units.all()), person_name(p.team_leader),
         p.checklist.name, _("Yes") if p.cancelled_at else ""]
        for p in plans.prefetch_related("units")))


def inspections_workbook(inspections) -> bytes:
    columns = [(_("Code"), 14), (_("Inspection date"), 12), (_("Inspected unit"), 45), (_("Plan"), 40), (_("Kind"), 14), (_("State"), 16),
               (_("Findings"), 10), (_("Violations"), 10), (_("Notice number"), 20), (_("Concluded at"), 18)]
    return workbook_bytes(_("Inspection records"), columns, (
        [i.code, i.date, i.unit.name, i.plan.title, i.plan.get_kind_display(), i.get_state_display(), i.finding_count, i.violation_count,
         i.notice_number, _local(i.concluded_at)]
        for i in inspections))


def actions_workbook(actions) -> bytes:
    columns = [(_("Inspection"), 14), (_("Responsible unit"), 40), (_("Required action"), 60), (_("Deadline"), 12), (_("Follow-up"), 24),
               (_("Report of the unit"), 50), (_("Reported at"), 18), (_("Inspector's note"), 40)]
    return workbook_bytes(_("Corrective actions"), columns, (
        [a.inspection.code, a.unit.name, a.description, a.deadline, str(STATUS_LABELS.get(a.status, a.status)), a.report, _local(a.reported_at), a.review_note]
        for a in actions))


def discipline_workbook(records) -> bytes:
    columns = [(_("Staff member"), 30), (_("Username"), 20), (_("Unit"), 40), (_("Form of discipline"), 20), (_("Decision number"), 20),
               (_("Decision date"), 12), (_("Signed by"), 30), (_("Effective from"), 12), (_("Effective until"), 12), (_("Violation"), 50),
               (_("Annulled"), 10)]
    return workbook_bytes(_("Discipline records"), columns, (
        [person_name(r.staff), r.staff.username, r.unit.name, r.get_form_display(), r.decision_number, r.decision_date, r.signer, r.effective_from,
         r.effective_to, r.reason, _("Yes") if r.annulled else ""]
        for r in records))


def courses_workbook(courses) -> bytes:
    columns = [(_("Course"), 50), (_("Organising unit"), 40), (_("From"), 12), (_("To date"), 12), (_("Hours"), 8), (_("Attended"), 10)]
    return workbook_bytes(_("Training courses"), columns, (
        [c.name, c.organiser.name, c.start_date, c.end_date, float(c.hours), c.attended_count] for c in courses))


def attendance_workbook(course, rows) -> bytes:
    columns = [(_("Staff member"), 30), (_("Username"), 20), (_("Unit"), 40), (_("Attendance"), 14), (_("Completed on"), 12),
               (_("Certificate number"), 20)]
    # A sheet name may not hold []:*?/\\ (Excel refuses the file otherwise).
    title = "".join(ch for ch in course.name if ch not in "[]:*?/\\")[:31] or _("Attendance")
    return workbook_bytes(title, columns, (
        [person_name(a.staff), a.staff.username, a.unit.name, _("Attended") if a.attended else _("Did not attend"), a.completed_on, a.certificate_number]
        for a in rows))
