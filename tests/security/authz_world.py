"""The data the authorisation matrix runs against, and how each URL's arguments are picked from it.

The world is the demo (a real province's units, the starter catalogue, one login per role in the Hoàn Kiếm
ward and their counterparts in the Ba Đình ward, every app's demo records) with a dossier history cut to one
month and a handful of dossiers per office, so the whole matrix runs on one world built once.

Hoàn Kiếm (unit 00070) owns the objects the matrix opens; Ba Đình (00004) is "another unit": its staff hold the
same roles over a ward that does not contain Hoàn Kiếm, so they must be refused whatever their role.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from django.conf import settings
from django.db.models import Count

from tests.urlconf import url_patterns  # noqa: F401 - the matrix takes it from the world module

HOME, OTHER = "00070", "00004"
HOME_CENTRE, OTHER_CENTRE = "00070-TTPVHCC", "00004-TTPVHCC"
NO_PROFILE = "khongvaitro"  # an active account with no staff profile: signed in, holds no role anywhere


def build_world(monkeypatch) -> None:
    from django.contrib.auth import get_user_model

    from congvu.core import demo
    from congvu.indices import demo as history

    monkeypatch.setattr(history, "HISTORY_MONTHS", 1)
    monkeypatch.setattr(history, "OFFICES", [dataclasses.replace(o, per_month=3) for o in history.OFFICES])
    assert demo.load_demo(stdout=io.StringIO())
    get_user_model().objects.create_user(NO_PROFILE, password="x")
    _boundary_listing()
    _extras()


def _boundary_listing() -> None:
    from congvu.catalog import boundary
    from congvu.catalog.models import Procedure
    from congvu.units.models import Unit

    procedure = Procedure.objects.order_by("code").first()
    boundary.add_listing(procedure, Unit.objects.get(code="01"), "1/QĐ-UBND", dt.date(2025, 7, 1))


def max_by(qs, related: str):
    return qs.annotate(_n=Count(related)).order_by("-_n", "-pk").first()


def home_dossier():
    from congvu.dossiers.models import Dossier

    return max_by(Dossier.objects.filter(receiving_unit__code=HOME_CENTRE).exclude(steps=None), "events")


def _extras() -> None:
    """What the demo does not make: a counter visit without a dossier, a dossier's result file, an evaluation
    evidence file and a difference with the national portal's catalogue."""
    from django.contrib.auth import get_user_model

    from congvu.catalog.models import NationalProcedureDifference, ProcedureVersion
    from congvu.documents.services import store_generated
    from congvu.dossiers.services.intake import record_incomplete_intake
    from congvu.evaluation.models import Evidence, Sheet
    from congvu.units.models import Unit

    users = get_user_model().objects
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    dossier = home_dossier()
    record_incomplete_intake(users.get(username="motcua"), Unit.objects.get(code=HOME_CENTRE), dossier.procedure_version,
                             {"full_name": "Nguyễn Văn Thử", "personal_id": "001099012345"}, other_missing=["Tờ khai"])
    result = dossier.results.first() or dossier.results.model.objects.filter(dossier__receiving_unit__code=HOME_CENTRE).first()
    result.file = store_generated(pdf, "ket-qua.pdf")
    result.save(update_fields=["file"])
    sheet = Sheet.objects.filter(unit__code=OTHER, user__username="chuyenvien.badinh").order_by("-pk").first()
    score = sheet.scores.first()
    Evidence.objects.create(score=score, file=store_generated(pdf, "minh-chung.pdf"), uploaded_by=sheet.user)
    version = ProcedureVersion.objects.order_by("pk").first()
    NationalProcedureDifference.objects.create(procedure_id=version.procedure_id, version=version, field="name", ours="a", theirs="b")
    _data_request(dossier, users.get(username="motcua"))
    from congvu.units.models import ApiToken

    ApiToken.issue("Phần mềm một cửa phường Hoàn Kiếm", Unit.objects.get(code=HOME_CENTRE), users.get(username="motcua"))


def _data_request(dossier, officer) -> None:
    """A citizen's request for their data recorded at Hoàn Kiếm's counter (Decree 13/2023), if the app is there."""
    from django.apps import apps

    if apps.is_installed("congvu.privacy"):
        from congvu.privacy.services import register_request

        register_request(personal_id=dossier.applicant.personal_id or "001099012345", full_name="Nguyễn Văn Thử", kind="access",
                         channel="counter", unit=dossier.receiving_unit, by=officer)


# ------------------------------------------------------------------------------------------------ arguments


def _get(label: str, **filters):
    from django.apps import apps

    obj = apps.get_model(label).objects.filter(**filters).order_by("-pk").first()
    assert obj is not None, f"no {label} {filters} in the world"
    return obj


def _pk(label: str, **filters):
    return lambda: {"pk": _get(label, **filters).pk}


def _dossier_code():
    return {"code": home_dossier().code}


def _letter():
    from congvu.dossiers.pages import letters_of

    dossier = home_dossier()
    return {"code": dossier.code, "kind": letters_of(dossier)[0].kind}


def _result_file():
    result = _get("dossiers.DossierResult", dossier__receiving_unit__code=HOME_CENTRE, file__isnull=False)
    return {"code": result.dossier.code, "pk": result.file_id}


def _lookup():
    from congvu.dossiers.letters import lookup_token

    dossier = home_dossier()
    return {"code": dossier.code}, {"t": lookup_token(dossier)}


def _rating():
    from congvu.feedback.links import rating_token

    return {"token": rating_token(_get("dossiers.Dossier", state="returned", receiving_unit__code=HOME_CENTRE))}


def _filed():
    from congvu.portal.tokens import confirmation_token

    return {"token": confirmation_token(_get("dossiers.Dossier", channel="online", receiving_unit__code=HOME_CENTRE))}


def _home_feedback():
    return _get("feedback.Feedback", responsible_unit__code=HOME)


def _track():
    from congvu.feedback.links import tracking_token

    code = _home_feedback().code
    return {"code": code}, {"t": tracking_token(code)}


def _ticket():
    from congvu.queueing.selectors import ticket_token

    ticket = _get("queueing.Ticket", unit__code=HOME_CENTRE)
    return {"unit_code": HOME_CENTRE, "token": ticket_token(ticket)}


def _sheet_month():
    sheet = _get("evaluation.Sheet", unit__code=OTHER)
    return {"code": OTHER, "year": sheet.year, "month": sheet.month}


def _sheet_year():
    return {"code": OTHER, "year": _get("evaluation.Sheet", unit__code=OTHER).year}


def _proposal():
    proposal = _get("emulation.Proposal", unit__code=OTHER)
    return {"code": OTHER, "year": proposal.year}


def _proposal_line():
    proposal = _get("emulation.Proposal", unit__code=OTHER)
    return {"code": OTHER, "year": proposal.year, "line": proposal.lines.order_by("pk").first().pk}


def _participant():
    participant = _get("emulation.Participant", unit__code=OTHER)
    return {"pk": participant.movement_id, "participant": participant.pk}


def _assessment():
    assessment = _get("reform.Assessment", unit__code=HOME)
    return {"pk": assessment.framework_id, "code": HOME}


def _procedure():
    return {"code": _get("catalog.Procedure").code}


def _procedure_version():
    version = _get("catalog.ProcedureVersion")
    return {"code": version.procedure.code, "number": version.number}


def _citizen():
    from congvu.documents.models import CitizenDocument

    return {}, {"personal_id": CitizenDocument.objects.order_by("pk").first().personal_id}


def _behind():
    from django.utils import timezone

    from congvu.indices.periods import Period

    today = timezone.localdate()
    return {}, {"unit": HOME, "period": Period.month(today.year, today.month).key, "metric": "received", "part": "numerator"}


# URL name → kwargs, or (kwargs, query string), from the world.
ARGUMENTS = {
    "dossiers:citizen_documents": _citizen,
    "indices:behind": _behind,
    "indices:behind_export": _behind,
    "catalog:procedure_detail": _procedure,
    "catalog:procedure_version": _procedure_version,
    "catalog:procedure_guide_pdf": _procedure,
    "catalog:boundary_end": _pk("catalog.BoundaryFreeListing"),
    "catalog:national_difference_decide": _pk("catalog.NationalProcedureDifference"),
    "portal:lookup_token": _lookup,
    "portal:filed": _filed,
    "portal:file_online": lambda: {"code": "1.001193"},
    "feedback:rate": _rating,
    "feedback:rate_thanks": _rating,
    "feedback:submitted": _track,
    "feedback:track": _track,
    "queueing:counter": _pk("queueing.Counter", unit__code=HOME_CENTRE),
    "queueing:counter_action": _pk("queueing.Counter", unit__code=HOME_CENTRE),
    "queueing:counter_queue": _pk("queueing.Counter", unit__code=HOME_CENTRE),
    "queueing:kiosk": lambda: {"unit_code": HOME_CENTRE},
    "queueing:ticket": _ticket,
    "queueing:ticket_pdf": _ticket,
    "queueing:board": lambda: {"unit_code": HOME_CENTRE},
    "queueing:board_update": lambda: {"unit_code": HOME_CENTRE},
    "queueing:statistics": lambda: {"unit_code": HOME_CENTRE},
    "queueing:statistics_export": lambda: {"unit_code": HOME_CENTRE},
    "units:detail": lambda: {"code": HOME},
    "dossiers:intake_record": _pk("dossiers.IntakeRecord", unit__code=HOME_CENTRE),
    "dossiers:intake_record_letter": _pk("dossiers.IntakeRecord", unit__code=HOME_CENTRE),
    "dossiers:detail": _dossier_code,
    "dossiers:action": _dossier_code,
    "dossiers:letter": _letter,
    "dossiers:file": _result_file,
    "notify:detail": _pk("notify.OutboxMessage", dossier__receiving_unit__code=HOME_CENTRE),
    "notify:retry": _pk("notify.OutboxMessage", dossier__receiving_unit__code=HOME_CENTRE),
    "feedback_staff:detail": lambda: {"code": _home_feedback().code},
    "feedback_staff:action": lambda: {"code": _home_feedback().code},
    "indices:scorecard_export": lambda: {"fmt": "xlsx"},
    "indices:report_export": lambda: {"fmt": "xlsx"},
    "reform:framework": _pk("reform.Framework", assessments__unit__code=HOME),
    "reform:framework_export": _pk("reform.Framework", assessments__unit__code=HOME),
    "reform:assessment": _assessment,
    "reform:delegates": _assessment,
    "reform:verify": _assessment,
    "reform:return": _assessment,
    "reform:results": _pk("reform.Framework", assessments__unit__code=HOME),
    "reform:results_export": _pk("reform.Framework", assessments__unit__code=HOME),
    "reform:publish": _pk("reform.Framework", assessments__unit__code=HOME),
    "reform:evidence": _pk("reform.Evidence"),
    "reform:external_edit": _pk("reform.ExternalIndex"),
    "people:plan": _pk("people.InspectionPlan"),
    "people:inspection_new": _pk("people.InspectionPlan"),
    "people:inspection": _pk("people.Inspection"),
    "people:finding_add": _pk("people.Inspection"),
    "people:evidence_add": _pk("people.Inspection"),
    "people:action_add": _pk("people.Inspection"),
    "people:conclude": _pk("people.Inspection"),
    "people:notice": _pk("people.Inspection"),
    "people:finding_remove": _pk("people.InspectionFinding"),
    "people:evidence": _pk("people.InspectionEvidence"),
    "people:action_remove": _pk("people.CorrectiveAction"),
    "people:action_report": _pk("people.CorrectiveAction"),
    "people:action_review": _pk("people.CorrectiveAction"),
    "people:discipline": _pk("people.DisciplineRecord"),
    "people:discipline_annul": _pk("people.DisciplineRecord"),
    "people:course": _pk("people.TrainingCourse"),
    "people:course_attendance": _pk("people.TrainingCourse"),
    "people:course_attendance_export": _pk("people.TrainingCourse"),
    "evaluation:sheet": _pk("evaluation.Sheet", unit__code=OTHER, user__username="chuyenvien.badinh"),
    "evaluation:evidence": _pk("evaluation.Evidence"),
    "evaluation:board": _sheet_month,
    "evaluation:board_export": _sheet_month,
    "evaluation:board_pdf": _sheet_month,
    "evaluation:summary": _sheet_year,
    "evaluation:summary_export": _sheet_year,
    "emulation:movement": _pk("emulation.Movement"),
    "emulation:movement_register": _pk("emulation.Movement"),
    "emulation:movement_score": _participant,
    "emulation:movement_close": _pk("emulation.Movement"),
    "emulation:movement_export": _pk("emulation.Movement"),
    "emulation:initiative": _pk("emulation.Initiative", unit__code=OTHER),
    "emulation:proposal": _proposal,
    "emulation:proposal_adjust": _proposal_line,
    "emulation:proposal_submit": _proposal,
    "emulation:proposal_export": _proposal,
    "emulation:decision": _pk("emulation.CommendationDecision", issuer__code=OTHER),
    "sync:detail": _dossier_code,
    "accounts:token_revoke": _pk("units.ApiToken"),
    "accounts:second_factor_reset": lambda: {"pk": _get(settings.AUTH_USER_MODEL, username="lanhdao").pk},
    "privacy:reveal": lambda: ({}, {"kind": "dossier", "key": home_dossier().code}),
    "privacy:request": _pk("privacy.DataRequest"),
    "privacy:request_close": _pk("privacy.DataRequest"),
    "privacy:request_export": _pk("privacy.DataRequest"),
    "sync:resend": _dossier_code,
}


def url_for(name: str, has_args: bool) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    kwargs, query = {}, {}
    if has_args or name in ARGUMENTS:
        got = ARGUMENTS[name]()
        kwargs, query = got if isinstance(got, tuple) else (got, {})
    return reverse(name, kwargs=kwargs) + (("?" + urlencode(query)) if query else "")
