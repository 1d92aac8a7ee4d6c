"""The staff dossier list and worklist as Excel workbooks (cells made inert by congvu.core.excel).

Personal ID and phone are masked as on the pages: an export is a list, and lists travel by email."""

from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.core.excel import workbook_bytes
from congvu.dossiers.services import is_overdue
from congvu.dossiers.templatetags.dossier_tags import state_label
from congvu.privacy.masking import mask_personal_id, mask_phone

_BATCH = 1000


def _local(at):
    return timezone.localtime(at) if at else None


def dossiers_workbook(dossiers) -> bytes:
    columns = [
        (_("Dossier code"), 26), (_("Procedure code"), 12), (_("Procedure"), 50), (_("Applicant"), 30), (_("Personal ID"), 16),
        (_("Phone"), 14), (_("Receiving unit"), 30), (_("Current unit"), 30), (_("Status"), 26), (_("Received at"), 17),
        (_("Due"), 17), (_("Overdue"), 10), (_("Finished"), 17), (_("Timeliness"), 12),
    ]
    return workbook_bytes(_("Dossiers"), columns, _dossier_rows(dossiers))


def _dossier_rows(dossiers):
    now = timezone.now()
    for d in dossiers.iterator(chunk_size=_BATCH):
        a = d.applicant
        yield [
            d.code, d.procedure_version.procedure.code, d.procedure_version.name, a.display_name, mask_personal_id(a.personal_id),
            mask_phone(a.phone), d.receiving_unit.name, d.current_unit.name, state_label(d.state), _local(d.received_at),
            _local(d.due_at), _("Yes") if is_overdue(d, now) else "", _local(d.finished_at),
            str(d.get_timeliness_display()) if d.timeliness else "",
        ]


def worklist_workbook(rows) -> bytes:
    columns = [
        (_("Step due"), 17), (_("Mark"), 14), (_("Dossier code"), 26), (_("Step"), 30), (_("Unit"), 30), (_("Assigned to"), 24),
        (_("Applicant"), 30), (_("Procedure"), 50),
    ]
    return workbook_bytes(_("Worklist"), columns, (_worklist_row(row) for row in rows))


def _worklist_row(row):
    step = row.step
    mark = _("Overdue") if row.overdue else (_("Due soon") if row.due_soon else "")
    assignee = (step.assignee.get_full_name() or step.assignee.get_username()) if step.assignee else ""
    return [
        _local(step.due_at), mark, step.dossier.code, step.name, step.unit.name, assignee,
        step.dossier.applicant.display_name, step.dossier.procedure_version.name,
    ]
