"""What the staff dossier pages show, assembled from selectors and models: rows with their due marks, the
detail page's sections and action forms, the letters a dossier has, the files it may hand out. Reads only;
every write is a service call from the view."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congvu.catalog import services as catalog_services
from congvu.catalog.errors import ProcedureNotReceivable
from congvu.documents import selectors as document_selectors
from congvu.dossiers import letters, permissions, selectors
from congvu.dossiers.forms import ACTION_FORMS, CITIZEN_DOCUMENTS_SHOWN, action_form
from congvu.dossiers.models import Closure, DossierStep, IntakeOutcome, IntakeRecord, StepStatus
from congvu.dossiers.services import at_risk, is_overdue
from congvu.dossiers.services.deadlines import ONE_WORKING_DAY
from congvu.dossiers.states import Action, allowed_actions
from congvu.units import selectors as unit_selectors
from congvu.units.models import Unit, UnitKind


def not_receivable(version) -> str:
    """Why the counter cannot receive under `version` yet ("" when it can), shown before anyone types."""
    try:
        catalog_services.assert_can_receive(version)
    except ProcedureNotReceivable as error:
        return error.message
    return ""


def intake_record_for(user, pk: int) -> IntakeRecord | None:
    """A counter visit that ended without a dossier, if its unit is in the user's scope."""
    qs = IntakeRecord.objects.select_related("unit", "procedure_version__procedure", "applicant", "officer")
    return unit_selectors.scope_queryset(qs, user, "unit").filter(pk=pk).first()


def may_read_citizen_documents(user) -> bool:
    """Who receives at a counter (check_counter's roles, and superusers as there) reads the store."""
    if getattr(user, "is_superuser", False):
        return True
    profile = unit_selectors.staff_profile_of(user)
    return profile is not None and profile.role in permissions.COUNTER_ROLES


def citizen_documents(user, personal_id: str):
    """A citizen's reusable documents for the intake form, or None when the ID is not one or the user does not
    receive at a counter (the store is personal data: only the counter that serves the citizen reads it; a
    specialist, an inspector or the reform office looking a person up by ID is not serving them)."""
    if not re.fullmatch(r"\d{12}", personal_id or "") or not may_read_citizen_documents(user):
        return None
    return list(document_selectors.documents_of(personal_id)[:CITIZEN_DOCUMENTS_SHOWN])


def intake_letter(record: IntakeRecord) -> tuple[bytes, str]:
    if record.outcome == IntakeOutcome.INCOMPLETE:
        return letters.supplement_request_pdf(record), "phieu-yeu-cau-bo-sung"
    return letters.refusal_pdf(record), "phieu-tu-choi"


def filter_units(user) -> list[Unit]:
    return list(unit_selectors.order_by_name(unit_selectors.visible_units(user).filter(unit_selectors.active_q())))


register_units = filter_units


# ------------------------------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    dossier: object
    overdue: bool
    due_soon: bool


def dossier_rows(dossiers) -> list[Row]:
    now = timezone.now()
    rows = []
    calendars = {}
    for dossier in dossiers:
        overdue = is_overdue(dossier, now)
        rows.append(Row(dossier, overdue, not overdue and _at_risk(dossier, now, calendars)))
    return rows


def _at_risk(dossier, now, calendars: dict) -> bool:
    """services.at_risk with the receiving units' calendars looked up once per list: calendar_for asks the
    database whether the calendars changed on every call, which made the list one query per open row."""
    from congvu.workcal.services import calendar_for

    if dossier.due_at is None or not dossier.dossier_state.is_open or dossier.paused_at is not None:
        return False
    unit_id = dossier.receiving_unit_id
    if unit_id not in calendars:
        calendars[unit_id] = calendar_for(dossier.receiving_unit)
    return calendars[unit_id].working_time_between(now, dossier.due_at) <= ONE_WORKING_DAY


@dataclass(frozen=True)
class StepRow:
    step: DossierStep
    overdue: bool
    due_soon: bool


def step_rows(steps, now, calendars: dict | None = None) -> list[StepRow]:
    """Worklist rows with their marks, for a page (or the export) of selectors.worklist_steps."""
    return [StepRow(step, step.overdue, step.due_soon) for step in selectors.mark_steps(steps, now, calendars)]


# ------------------------------------------------------------------------------------------------- one dossier


def possible_actions(dossier) -> list[Action]:
    """The actions the state table allows now, that the pages have a form for."""
    return [a for a in allowed_actions(dossier.dossier_state) if a in ACTION_FORMS]


def available_actions(user, dossier) -> list[Action]:
    """The possible actions this user may do (permissions.py): the page offers only those."""
    actions = possible_actions(dossier)
    if not actions:
        return []
    step = dossier.steps.select_related("unit").filter(status=StepStatus.ACTIVE).first()
    covers = unit_selectors.scope_of(user).covers
    return [a for a in actions if permissions.may_act(user, a, dossier, step, covers)]


def refusal(user, dossier, action: Action):
    """Why `user` may not do `action` (the message the services would give)."""
    step = dossier.steps.select_related("unit").filter(status=StepStatus.ACTIVE).first()
    return permissions.refusal(action, dossier, step)


def _forward_units(user, dossier) -> list[Unit]:
    """Units a dossier can be sent to for joint processing: the province's departments and centres, and the
    units in the user's scope (each by name)."""
    scope = unit_selectors.visible_units(user).filter(unit_selectors.active_q())
    wide = Unit.objects.filter(unit_selectors.active_q(), kind__in=[UnitKind.DEPARTMENT, UnitKind.SERVICE_CENTRE, UnitKind.PROVINCE])
    return list(unit_selectors.order_by_name((scope | wide).exclude(pk=dossier.current_unit_id)))


def _step_to_assign(dossier) -> DossierStep | None:
    steps = dossier.steps.select_related("unit").order_by("position")
    return steps.filter(status=StepStatus.ACTIVE).first() or steps.filter(status__in=[StepStatus.WAITING, StepStatus.SENT_BACK]).first()


def action_choices(user, dossier, action: Action) -> dict:
    if action == Action.FORWARD:
        return {"units": _forward_units(user, dossier)}
    if action == Action.ASSIGN:
        step = _step_to_assign(dossier)
        return {"people": [p.user for p in unit_selectors.staff_of_unit(step.unit)] if step else []}
    return {}


def anchor_after(action: Action) -> str:
    return "thao-tac"


@dataclass(frozen=True)
class Letter:
    kind: str
    label: object
    number: str = ""
    key: str = ""


# The URL words are Vietnamese (they show in the browser); the labels are the forms' titles (Circular 03/2025).
LETTER_LABELS = {
    "giay-tiep-nhan": _("Receipt and appointment slip (form 01)"),
    "yeu-cau-bo-sung": _("Request to complete the dossier (form 02)"),
    "tu-choi": _("Refusal (form 03)"),
    "xin-loi": _("Apology and new appointment (form 04)"),
    "dung-xu-ly": _("Notice of stopping the processing (form 05)"),
    "phieu-kiem-soat": _("Processing control sheet (form 06)"),
}


def letters_of(dossier) -> list[Letter]:
    """Every letter this dossier has: the receipt and control sheet once received, each supplement request,
    and the apology, refusal or stop notice it was issued."""
    found = []
    if dossier.received_at is not None:
        found.append(Letter("giay-tiep-nhan", LETTER_LABELS["giay-tiep-nhan"]))
    for request in dossier.supplement_requests.all():
        found.append(Letter("yeu-cau-bo-sung", LETTER_LABELS["yeu-cau-bo-sung"], request.letter_number, str(request.number)))
    apology = _related(dossier, "apology")
    if apology is not None:
        found.append(Letter("xin-loi", LETTER_LABELS["xin-loi"], apology.letter_number))
    closure = _related(dossier, "closure")
    if closure is not None and closure.kind == Closure.Kind.REFUSED:
        found.append(Letter("tu-choi", LETTER_LABELS["tu-choi"], closure.letter_number))
    if closure is not None and closure.kind == Closure.Kind.STOPPED:
        found.append(Letter("dung-xu-ly", LETTER_LABELS["dung-xu-ly"], closure.letter_number))
    if dossier.received_at is not None:
        found.append(Letter("phieu-kiem-soat", LETTER_LABELS["phieu-kiem-soat"]))
    return found


def _related(dossier, name: str):
    try:
        return getattr(dossier, name)
    except Exception:  # RelatedObjectDoesNotExist of a one-to-one that has no row
        return None


def letter_for(dossier, kind: str, key: str | None = None):
    """A callable producing the PDF of one of the dossier's letters, or None if it has no such letter."""
    available = {(letter.kind, letter.key) for letter in letters_of(dossier)}
    if kind == "yeu-cau-bo-sung":
        requests = dossier.supplement_requests.order_by("number")
        request = requests.filter(number=int(key)).first() if key and key.isdigit() else requests.last()
        return (lambda: letters.supplement_request_pdf(request)) if request else None
    if not any(k == kind for k, _key in available):
        return None
    if kind == "giay-tiep-nhan":
        return lambda: letters.receipt_pdf(dossier)
    if kind == "phieu-kiem-soat":
        return lambda: letters.control_sheet_pdf(dossier)
    if kind == "xin-loi":
        return lambda: letters.apology_pdf(dossier.apology)
    if kind == "tu-choi":
        return lambda: letters.refusal_pdf(dossier.closure)
    if kind == "dung-xu-ly":
        return lambda: letters.stop_notice_pdf(dossier.closure)
    return None


def stored_file_of(dossier, pk: int):
    """A stored file that belongs to this dossier (a result or a submitted document), else None."""
    for result in dossier.results.select_related("file"):
        if result.file_id == pk:
            return result.file
    for document in dossier.documents.select_related("file"):
        if document.file_id == pk:
            return document.file
    return None


@dataclass(frozen=True)
class TimelineStep:
    step: DossierStep
    timeliness: str
    overdue: bool


def detail_context(user, dossier, *, failed=None) -> dict:
    """Everything the dossier page shows. `failed` is a bound action form whose errors must be shown."""
    now = timezone.now()
    steps = list(dossier.steps.select_related("unit", "assignee").order_by("position"))
    timeline = [
        TimelineStep(
            s, letters.step_timeliness(s.finished_at, s.due_at, s.overran),
            s.status == StepStatus.ACTIVE and s.due_at is not None and now > s.due_at,
        )
        for s in steps
    ]
    forms = []
    for action in available_actions(user, dossier):
        if failed is not None and failed.action == action:
            forms.append(failed)
        else:
            forms.append(action_form(action, dossier, **action_choices(user, dossier, action)))
    overdue = is_overdue(dossier, now)
    return {
        "dossier": dossier,
        "applicant": dossier.applicant,
        "overdue": overdue,
        "due_soon": not overdue and at_risk(dossier, now),
        "timeline": timeline,
        "routings": dossier.routings.select_related("from_unit", "to_unit", "by"),
        "supplements": dossier.supplement_requests.select_related("requested_by"),
        "payments": dossier.payment_requests.all(),
        "apology": _related(dossier, "apology"),
        "closure": _related(dossier, "closure"),
        "results": dossier.results.select_related("file", "procedure"),
        "documents": dossier.documents.select_related("file", "required_document"),
        "events": dossier.events.select_related("actor").order_by("seq"),
        "action_forms": forms,
        "failed": failed,
        "letters": letters_of(dossier),
    }
