"""The records whose full view is logged: for each kind, how to find one a user may see, the unit it belongs
to and the page it is shown on. The reveal form posts a kind and a key; nothing is revealed or logged for a
record the user could not open anyway (it answers 404 as the record's own page does)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from congvu.privacy.models import RecordKind


@dataclass(frozen=True)
class Record:
    kind: str
    key: str
    unit: object
    url: str


def _dossier(user, key: str) -> Record | None:
    from congvu.dossiers import selectors

    dossier = selectors.dossier_for(user, key)
    if dossier is None:
        return None
    return Record(RecordKind.DOSSIER, dossier.code, dossier.receiving_unit, reverse("dossiers:detail", args=[dossier.code]))


def _feedback(user, key: str) -> Record | None:
    from congvu.feedback import selectors

    feedback = selectors.feedback_item(user, key)
    if feedback is None:
        return None
    return Record(RecordKind.FEEDBACK, feedback.code, feedback.responsible_unit, reverse("feedback_staff:detail", args=[feedback.code]))


def _sheet(user, key: str) -> Record | None:
    from congvu.evaluation import access
    from congvu.evaluation.models import Sheet

    if not key.isdigit():
        return None
    sheet = Sheet.objects.select_related("unit").filter(pk=int(key)).first()
    if sheet is None or not access.can_view_sheet(user, sheet):
        return None
    return Record(RecordKind.EVALUATION_SHEET, str(sheet.pk), sheet.unit, reverse("evaluation:sheet", args=[sheet.pk]))


def _discipline(user, key: str) -> Record | None:
    from congvu.people import access
    from congvu.people.models import DisciplineRecord

    if not key.isdigit():
        return None
    record = DisciplineRecord.objects.select_related("unit").filter(pk=int(key)).first()
    if record is None or not access.can_view_discipline(user, record):
        return None
    return Record(RecordKind.DISCIPLINE, str(record.pk), record.unit, reverse("people:discipline", args=[record.pk]))


RESOLVERS = {
    RecordKind.DOSSIER: _dossier,
    RecordKind.FEEDBACK: _feedback,
    RecordKind.EVALUATION_SHEET: _sheet,
    RecordKind.DISCIPLINE: _discipline,
}


def find(user, kind: str, key: str) -> Record | None:
    resolver = RESOLVERS.get(kind)
    if resolver is None or not key or len(key) > 60:
        return None
    return resolver(user, key)
