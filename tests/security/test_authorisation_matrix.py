"""Who may open what: every URL of the URL conf and every operation of the OpenAPI document has an entry here,
so a new page, download, export, report, htmx partial or API operation without one fails the test.

Each entry says what the endpoint is:
- Public(reason): anyone, signed in or not (the portal, the catalogue, links carrying a signed token).
- Page(owner, refused): staff only. Anonymous is sent to the login page; every user in `refused` (a signed-in
  account without a staff profile, staff of the other ward holding the same roles, staff of the same unit
  without the role) gets 403 or 404; `owner` opens it (< 400), which proves the arguments picked name a real
  object, so the refusals are not a plain "not found".
- Scoped(owner, outsider, marker): a list or export every staff member opens, each seeing their own scope. The
  owner's answer carries the marker (a dossier code, a unit name…); the other ward's staff member's answer does
  not (Excel files are read cell by cell).
- Post(refused): a POST-only action: anonymous is sent to the login page, `refused` get 403/404 and nothing
  is written (the database holds the same number of rows of every table before and after).

The world (tests/security/authz_world.py) is built once, for all the entries: the demo with a short history.
Hoàn Kiếm ward (00070) and Ba Đình ward (00004) have the same roles, so each is "the other unit" of the other.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from .authz_world import ARGUMENTS, NO_PROFILE, build_world, home_dossier, url_for, url_patterns

# --------------------------------------------------------------------------------------------- the matrix

HK_STAFF = ("motcua", "chuyenvien", "lanhdao")  # Hoàn Kiếm ward and its centre
BD_STAFF = ("motcua.badinh", "chuyenvien.badinh", "lanhdao.badinh")  # Ba Đình ward and its centre
NOT_HK = (NO_PROFILE, *BD_STAFF)  # refused an object of Hoàn Kiếm
NOT_BD = (NO_PROFILE, *HK_STAFF)  # refused an object of Ba Đình
DOSSIER_OUTSIDERS = (NO_PROFILE, "motcua.badinh", "lanhdao.badinh")


@dataclass(frozen=True)
class Public:
    reason: str


@dataclass(frozen=True)
class Page:
    owner: str
    refused: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Scoped:
    owner: str
    outsider: str
    marker: object  # callable → the text only the owner's scope shows


@dataclass(frozen=True)
class Post:
    refused: tuple[str, ...]
    data: object = field(default_factory=dict)  # a dict, or a callable returning one from the world


def _home_code():
    return home_dossier().code


def _unit_name(code):
    def marker():
        from congvu.units.models import Unit

        return Unit.objects.get(code=code).name

    return marker


def _plan_name():
    from congvu.people.models import InspectionPlan

    return InspectionPlan.objects.order_by("pk").first().title


def _feedback_code(unit_code):
    from congvu.feedback.models import Feedback

    return Feedback.objects.filter(responsible_unit__code=unit_code).order_by("pk").first().code


def _rated_code():
    from congvu.feedback.models import Rating

    return Rating.objects.filter(dossier__receiving_unit__code="00070-TTPVHCC").order_by("pk").first().dossier.code


def _discipline_person():
    from congvu.people.models import DisciplineRecord

    return DisciplineRecord.objects.order_by("pk").first().staff.get_full_name()


def _discipline_username():
    from congvu.people.models import DisciplineRecord

    return DisciplineRecord.objects.order_by("pk").first().staff.username


def _initiative_title():
    from congvu.emulation.models import Initiative

    return Initiative.objects.filter(unit__code="00004").order_by("pk").first().title


def _line():
    from congvu.emulation.models import ProposalLine

    return ProposalLine.objects.filter(proposal__unit__code="00004").order_by("pk").first().pk


def _citizen_document():
    from congvu.documents.models import CitizenDocument

    return CitizenDocument.objects.order_by("pk").first().name


TOKEN_LINK = "a signed token in the link is the permission (the citizen's receipt, SMS or e-mail)"
HALL = "shown on the centre's hall screen and kiosk: ticket numbers and counters, no personal data"

MATRIX: dict[str, object] = {
    # ---- the citizen portal and the public catalogue
    "portal:home": Public("portal home page"),
    "portal:lookup": Public("dossier look-up form (code + receipt token)"),
    "portal:lookup_token": Public(TOKEN_LINK),
    "portal:online_list": Public("procedures that can be filed online"),
    "portal:filed": Public(TOKEN_LINK),
    "portal:file_online": Public("online filing form"),
    "catalog:procedure_list": Public("the procedure catalogue is public (Decree 118/2025)"),
    "catalog:procedure_export": Public("the procedure catalogue is public"),
    "catalog:procedure_detail": Public("the procedure catalogue is public"),
    "catalog:procedure_version": Public("the procedure catalogue is public"),
    "catalog:procedure_guide_pdf": Public("the procedure catalogue is public"),
    "feedback:rate": Public(TOKEN_LINK),
    "feedback:rate_thanks": Public(TOKEN_LINK),
    "feedback:submit": Public("anyone may send feedback"),
    "feedback:officer_options": Public("htmx options of the feedback form: public officer names and units only"),
    "feedback:procedure_options": Public("htmx options of the feedback form: public procedures"),
    "feedback:published": Public("answered feedback the province published"),
    "feedback:submitted": Public(TOKEN_LINK),
    "feedback:track": Public(TOKEN_LINK),
    "transparency:index": Public("the public transparency page: units' figures only"),
    "queueing:kiosk": Public(HALL),
    "queueing:ticket": Public(TOKEN_LINK),
    "queueing:ticket_pdf": Public(TOKEN_LINK),
    "queueing:board": Public(HALL),
    "queueing:board_update": Public(HALL + " (htmx partial)"),
    "citizens:sign_in": Public("starts the citizen's OpenID Connect sign-in"),
    "citizens:callback": Public("the OpenID Connect callback: checks state, nonce and the id_token"),
    "citizens:sign_out": Public("signing the citizen out"),
    "citizens:my_dossiers": Public("only the dossiers of the citizen signed in on this session (tests/citizens)"),
    "staff:login": Public("the sign-in form"),
    "staff:second_factor": Public("sign-in step 2: acts only on the account whose password was just checked (session)"),
    "staff:second_factor_setup": Public("sign-in step 2 enrolment: acts only on the account whose password was just checked"),
    "staff:password_reset": Public("asks for a reset link; never says whether the account exists (tests/accounts)"),
    "staff:password_reset_done": Public("'if the account exists, a link was sent'"),
    "staff:password_reset_confirm": Public("the signed, single-use link from the e-mail is the permission"),
    "staff:password_reset_complete": Public("'your password was changed'"),
    "staff:logout": Public("signing out"),
    "set_language": Public("language switch"),
    "healthz": Public("load balancer health check: no data"),
    "signing:verify": Public("anyone checks a signed PDF they hold (who signed it, whether it was altered)"),
    # ---- queue (staff side)
    "queueing:index": Scoped("motcua", "motcua.badinh", _unit_name("00070-TTPVHCC")),
    "queueing:counter": Page("motcua", NOT_HK),
    "queueing:counter_queue": Page("motcua", NOT_HK, "htmx partial"),
    "queueing:counter_action": Post(NOT_HK, {"action": "call"}),
    "queueing:statistics": Page("lanhdao", (*NOT_HK, "motcua")),
    "queueing:statistics_export": Page("lanhdao", (*NOT_HK, "motcua")),
    # ---- units
    "units:list": Scoped("lanhdao", "lanhdao.badinh", _unit_name("00070-TTPVHCC")),
    "units:export": Scoped("lanhdao", "lanhdao.badinh", _unit_name("00070-TTPVHCC")),
    "units:detail": Page("lanhdao", NOT_HK),
    # ---- dossiers
    "dossiers:list": Scoped("lanhdao", "lanhdao.badinh", _home_code),
    "dossiers:export": Scoped("lanhdao", "lanhdao.badinh", _home_code),
    "dossiers:worklist": Page("lanhdao", (), "each person's own work; scoped by the selectors (tests/dossiers)"),
    "dossiers:worklist_export": Page("lanhdao", (), "as the worklist"),
    "dossiers:register": Page("motcua", (), "the register of the user's own units (tests/dossiers)"),
    "dossiers:intake": Page("motcua", (), "the intake form; receiving checks the counter role (dossiers.permissions)"),
    "dossiers:procedure_search": Page("motcua", (), "htmx: procedures in force (public catalogue data)"),
    # htmx: a citizen's document store by personal ID is personal data for the counter serving them.
    "dossiers:citizen_documents": Scoped("motcua", "chuyenvien", _citizen_document),
    "dossiers:intake_record": Page("motcua", NOT_HK),
    "dossiers:intake_record_letter": Page("motcua", NOT_HK),
    "dossiers:detail": Page("motcua", NOT_HK),
    "dossiers:letter": Page("motcua", NOT_HK),
    "dossiers:file": Page("motcua", NOT_HK),
    "dossiers:action": Post(NOT_HK, {"action": "accept_step"}),
    # ---- notifications and portal sync: the system administrators' and the reform office's
    "notify:list": Page("quantri", (*NOT_HK, *HK_STAFF, "thanhtra")),
    "notify:export": Page("quantri", (*NOT_HK, *HK_STAFF)),
    "notify:mailbox": Page("quantri", (*NOT_HK, *HK_STAFF)),
    "notify:detail": Page("quantri", (*NOT_HK, *HK_STAFF)),
    "notify:retry": Post((*NOT_HK, *HK_STAFF)),
    "sync:list": Page("quantri", (*NOT_HK, *HK_STAFF, "thanhtra")),
    "sync:export": Page("quantri", (*NOT_HK, *HK_STAFF)),
    "sync:detail": Page("quantri", (*NOT_HK, *HK_STAFF)),
    "sync:resend": Post((*NOT_HK, *HK_STAFF)),
    "catalog:boundary_list": Page("caicach", (*NOT_HK, *HK_STAFF, "thanhtra")),
    "catalog:boundary_export": Page("caicach", (*NOT_HK, *HK_STAFF)),
    "catalog:boundary_new": Page("caicach", (*NOT_HK, "lanhdao")),
    "catalog:boundary_import": Page("caicach", (*NOT_HK, "lanhdao")),
    "catalog:boundary_end": Page("caicach", (*NOT_HK, "lanhdao")),
    "catalog:national_differences": Page("caicach", (*NOT_HK, *HK_STAFF, "thanhtra")),
    "catalog:national_differences_export": Page("caicach", (*NOT_HK, *HK_STAFF)),
    "catalog:national_difference_decide": Post((*NOT_HK, *HK_STAFF), {"decision": "dismiss"}),
    # ---- feedback and ratings
    "feedback_staff:list": Scoped("lanhdao", "lanhdao.badinh", lambda: _feedback_code("00070")),
    "feedback_staff:export": Scoped("lanhdao", "lanhdao.badinh", lambda: _feedback_code("00070")),
    "feedback_staff:record": Page("motcua", (NO_PROFILE, "thanhtra", "caicach")),
    "feedback_staff:ratings": Scoped("lanhdao", "lanhdao.badinh", _rated_code),
    "feedback_staff:ratings_export": Scoped("lanhdao", "lanhdao.badinh", _rated_code),
    "feedback_staff:sipas": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien", "motcua.badinh")),
    "feedback_staff:sipas_export": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien")),
    "feedback_staff:sipas_ratings": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien")),
    "feedback_staff:official_results": Page("caicach", (NO_PROFILE, *HK_STAFF, "thanhtra")),
    "feedback_staff:official_template": Page("caicach", (NO_PROFILE, *HK_STAFF)),
    "feedback_staff:detail": Page("lanhdao", NOT_HK),
    "feedback_staff:action": Post(NOT_HK, {"action": "assign"}),
    # ---- indices (dashboards and reports)
    "indices:dashboard": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien", "motcua.badinh")),
    "indices:scorecard": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien")),
    "indices:scorecard_export": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien")),
    "indices:ranking": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien")),
    "indices:ranking_export": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien")),
    "indices:report": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien")),
    "indices:report_export": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien")),
    "indices:behind": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien", "lanhdao.badinh")),
    "indices:behind_export": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien", "lanhdao.badinh")),
    # ---- PAR index (reform)
    "reform:home": Page("lanhdao", (), "frameworks and the user's own assessments"),
    "reform:import": Page("caicach", (NO_PROFILE, *HK_STAFF, "thanhtra")),
    "reform:framework": Page("lanhdao", (), "the published criteria of a framework"),
    "reform:framework_export": Page("lanhdao", (), "the published criteria of a framework"),
    "reform:assessment": Page("lanhdao", NOT_HK),
    "reform:delegates": Post(NOT_HK),
    "reform:verify": Page("caicach", (*NOT_HK, "lanhdao", "thanhtra")),
    "reform:return": Post((*NOT_HK, "lanhdao", "thanhtra")),
    "reform:results": Page("caicach", (*NOT_HK, "lanhdao", "thanhtra")),
    "reform:results_export": Page("caicach", (*NOT_HK, "lanhdao", "thanhtra")),
    "reform:publish": Post((*NOT_HK, "lanhdao", "thanhtra")),
    "reform:evidence": Page("lanhdao", NOT_HK),
    "reform:external": Page("caicach", (), "external indices (PAPI, SIPAS…) the province publishes"),
    "reform:external_export": Page("caicach", (), "as reform:external"),
    "reform:external_new": Page("caicach", (NO_PROFILE, *HK_STAFF, "thanhtra")),
    "reform:external_edit": Page("caicach", (NO_PROFILE, *HK_STAFF, "thanhtra")),
    # ---- inspections, discipline, training (people); the inspection picked is of Ba Đình's centre
    "people:home": Page("thanhtra", (), "links by role"),
    "people:mine": Page("chuyenvien", (), "the user's own records"),
    "people:plans": Scoped("thanhtra", "lanhdao", _plan_name),
    "people:plans_export": Scoped("thanhtra", "lanhdao", _plan_name),
    "people:plan_new": Page("thanhtra", (NO_PROFILE, *HK_STAFF, "caicach")),
    "people:plan": Page("thanhtra", (*NOT_BD, "lanhdao.badinh")),
    "people:inspection_new": Post((*NOT_BD, "lanhdao.badinh")),
    "people:inspections": Scoped("thanhtra", "lanhdao", _unit_name("00004-TTPVHCC")),
    "people:inspections_export": Scoped("thanhtra", "lanhdao", _unit_name("00004-TTPVHCC")),
    "people:inspection": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh")),
    "people:finding_add": Post((*NOT_BD, "lanhdao.badinh", "chuyenvien.badinh")),
    "people:evidence_add": Post((*NOT_BD, "lanhdao.badinh")),
    "people:action_add": Post((*NOT_BD, "lanhdao.badinh")),
    "people:conclude": Post((*NOT_BD, "lanhdao.badinh")),
    "people:notice": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh")),
    "people:finding_remove": Post((*NOT_BD, "lanhdao.badinh")),
    "people:evidence": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh")),
    "people:actions": Scoped("lanhdao.badinh", "lanhdao", _unit_name("00004-TTPVHCC")),
    "people:actions_export": Scoped("lanhdao.badinh", "lanhdao", _unit_name("00004-TTPVHCC")),
    "people:action_remove": Post((*NOT_BD, "lanhdao.badinh")),
    "people:action_report": Post((*NOT_BD, "chuyenvien.badinh")),
    "people:action_review": Post((*NOT_BD, "lanhdao.badinh"), {"decision": "accept", "note": "x"}),
    "people:discipline_list": Scoped("lanhdao.badinh", "lanhdao", _discipline_person),
    "people:discipline_export": Scoped("lanhdao.badinh", "lanhdao", _discipline_username),
    "people:discipline_new": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien", "thanhtra", "caicach")),
    "people:discipline": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh", "motcua.badinh")),
    "people:discipline_annul": Post((*NOT_BD, "chuyenvien.badinh", "thanhtra"), {"reason": "x"}),
    "people:courses": Page("caicach", (), "courses in the user's scope or attended"),
    "people:courses_export": Page("caicach", (), "as people:courses"),
    "people:course_new": Page("caicach", (NO_PROFILE, "motcua", "chuyenvien", "thanhtra")),
    "people:course": Page("caicach", (NO_PROFILE, "motcua", "chuyenvien", "lanhdao")),
    "people:course_attendance": Post((NO_PROFILE, "motcua", "chuyenvien", "lanhdao", "chuyenvien.badinh")),
    "people:course_attendance_export": Page("caicach", (NO_PROFILE, "motcua", "chuyenvien", "lanhdao")),
    # ---- evaluation: personal, a colleague's sheet is not theirs to see (the sheet picked is chuyenvien.badinh's)
    "evaluation:home": Page("chuyenvien", (), "the user's own sheets and their unit's, if leader"),
    "evaluation:open_mine": Post((), {}),
    "evaluation:sheet": Page("chuyenvien.badinh", (*NOT_BD, "motcua.badinh", "quantri", "thanhtra", "caicach")),
    "evaluation:evidence": Page("chuyenvien.badinh", (*NOT_BD, "motcua.badinh", "quantri", "thanhtra", "caicach")),
    "evaluation:board": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh", "quantri", "caicach")),
    "evaluation:board_export": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh", "quantri", "caicach")),
    "evaluation:board_pdf": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh", "quantri", "caicach")),
    "evaluation:summary": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh", "quantri", "caicach")),
    "evaluation:summary_export": Page("lanhdao.badinh", (*NOT_BD, "chuyenvien.badinh", "quantri", "caicach")),
    # ---- emulation and commendation (the movement is the city's: every ward takes part)
    "emulation:home": Page("lanhdao", (), "links by role"),
    "emulation:titles": Page("lanhdao", (), "the titles of the Law on Emulation (public)"),
    "emulation:movements": Page("lanhdao", (), "movements of the user's scope"),
    "emulation:movement_new": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien", "thanhtra")),
    "emulation:movement": Page("lanhdao", (NO_PROFILE,)),
    "emulation:movement_register": Post((NO_PROFILE,), {"unit": "0"}),
    "emulation:movement_score": Page("caicach", (NO_PROFILE, *HK_STAFF, *BD_STAFF)),
    "emulation:movement_close": Post((NO_PROFILE, *HK_STAFF, *BD_STAFF)),
    "emulation:movement_export": Page("lanhdao", (NO_PROFILE,)),
    "emulation:initiatives": Scoped("lanhdao.badinh", "lanhdao", _initiative_title),
    "emulation:initiatives_export": Scoped("lanhdao.badinh", "lanhdao", _initiative_title),
    "emulation:initiative_new": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien", "thanhtra")),
    "emulation:initiative": Page("lanhdao.badinh", NOT_BD),
    "emulation:proposals": Page("lanhdao", (), "proposals of the user's scope"),
    "emulation:proposal": Page("lanhdao.badinh", NOT_BD),
    "emulation:proposal_adjust": Post((*NOT_BD, "chuyenvien.badinh"), lambda: {f"l{_line()}-proposed": "no", f"l{_line()}-reason": "x"}),
    "emulation:proposal_submit": Post((*NOT_BD, "chuyenvien.badinh")),
    "emulation:proposal_export": Page("lanhdao.badinh", NOT_BD),
    "emulation:decisions": Page("lanhdao", (), "decisions of the user's scope"),
    "emulation:decision_new": Page("lanhdao", (NO_PROFILE, "motcua", "chuyenvien", "thanhtra")),
    "emulation:decision": Page("lanhdao.badinh", NOT_BD),
    "emulation:register": Page("lanhdao", (), "the commendation register of the user's scope"),
    "emulation:register_export": Page("lanhdao", (), "as emulation:register"),
    "emulation:register_pdf": Page("lanhdao", (), "as emulation:register"),
    # ---- personal data (Decree 13/2023): the reason asked before full details, the access log, data requests
    "privacy:reveal": Page("motcua", NOT_HK),
    "privacy:conceal": Post(NOT_HK, lambda: {"kind": "dossier", "key": home_dossier().code}),
    "privacy:access_log": Page("thanhtra", (NO_PROFILE, *HK_STAFF, "caicach")),
    "privacy:access_log_export": Page("thanhtra", (NO_PROFILE, *HK_STAFF, "caicach")),
    "privacy:requests": Page("motcua", (NO_PROFILE, "chuyenvien", "caicach")),
    "privacy:request_new": Page("motcua", (NO_PROFILE, "chuyenvien", "thanhtra", "caicach")),
    "privacy:request": Page("motcua", (*NOT_HK, "chuyenvien")),
    "privacy:request_close": Post((*NOT_HK, "chuyenvien", "thanhtra"), {"state": "done", "outcome": "x"}),
    "privacy:request_export": Post((*NOT_HK, "chuyenvien", "thanhtra")),
    "privacy_public:my_data": Public("only the data of the citizen signed in on this session (tests/privacy)"),
    "privacy_public:my_data_download": Public("only the data of the citizen signed in on this session; 401 otherwise"),
    # ---- accounts: API tokens and two-factor recovery are the system administrators'
    "accounts:tokens": Page("quantri", (NO_PROFILE, *HK_STAFF, "thanhtra", "caicach")),
    "accounts:token_revoke": Post((NO_PROFILE, *HK_STAFF, "thanhtra", "caicach")),
    "accounts:second_factors": Page("quantri", (NO_PROFILE, *HK_STAFF, "thanhtra", "caicach")),
    "accounts:second_factor_reset": Post((NO_PROFILE, *HK_STAFF, "thanhtra", "caicach")),
    # ---- the staff home
    "staff:home": Page("motcua", (), "links by role"),
}

# The API: (method, path as in the OpenAPI document) → entry. ApiPublic: no credentials needed; ApiScoped: a caller
# without credentials gets 401, a caller from the other ward gets 404 for a Hoàn Kiếm object (or an empty list),
# a signed-in account without a staff profile likewise.


@dataclass(frozen=True)
class ApiPublic:
    reason: str


@dataclass(frozen=True)
class ApiScoped:
    note: str = ""


OPEN_DATA = "open data: the public catalogue and units' published figures (Decree 118/2025)"
API_MATRIX: dict[tuple[str, str], object] = {
    ("get", "/api/v1/procedures"): ApiPublic("the public catalogue"),
    ("get", "/api/v1/procedures/{code}"): ApiPublic("the public catalogue"),
    ("get", "/api/v1/open/procedures"): ApiPublic(OPEN_DATA),
    ("get", "/api/v1/open/procedures.csv"): ApiPublic(OPEN_DATA),
    ("get", "/api/v1/open/indicators"): ApiPublic(OPEN_DATA),
    ("get", "/api/v1/open/indicators.csv"): ApiPublic(OPEN_DATA),
    ("get", "/api/v1/dossiers"): ApiScoped("the list holds only dossiers in scope"),
    ("post", "/api/v1/dossiers"): ApiScoped("receiving unit must be in scope"),
    ("get", "/api/v1/dossiers/{code}"): ApiScoped(),
    ("post", "/api/v1/dossiers/{code}/actions/{action}"): ApiScoped(),
    ("get", "/api/v1/dossiers/{code}/events"): ApiScoped(),
    ("get", "/api/v1/units"): ApiScoped("the list holds only units in scope"),
    ("get", "/api/v1/units/{code}"): ApiScoped(),
    ("post", "/api/v1/national/dossiers"): ApiScoped("the gateway token's unit must contain the receiving unit"),
}


def _api_operations() -> set[tuple[str, str]]:
    from congvu.api.main import api

    schema = api.get_openapi_schema()
    return {(method.lower(), path) for path, ops in schema["paths"].items() for method in ops}


# --------------------------------------------------------------------------------------------- completeness


def test_every_url_and_api_operation_has_an_entry():
    """A new URL or API operation without an entry fails here, before anything runs."""
    patterns = url_patterns()
    names = {name for name, _route, _conv in patterns}
    missing = sorted(names - MATRIX.keys())
    stale = sorted(MATRIX.keys() - names)
    assert not missing, f"URLs with no entry in the authorisation matrix (add them to MATRIX): {missing}"
    assert not stale, f"entries for URLs that no longer exist: {stale}"
    no_args = sorted(name for name, _route, conv in patterns if conv and name not in ARGUMENTS and not isinstance(MATRIX[name], Public))
    assert not no_args, f"staff URLs whose arguments the matrix cannot fill in (add them to authz_world.ARGUMENTS): {no_args}"
    operations = _api_operations()
    assert not sorted(operations - API_MATRIX.keys()), f"API operations with no entry in API_MATRIX: {sorted(operations - API_MATRIX.keys())}"
    assert not sorted(API_MATRIX.keys() - operations), f"API_MATRIX entries for operations that no longer exist: {sorted(API_MATRIX.keys() - operations)}"


# --------------------------------------------------------------------------------------------- the checks

REFUSED = {403, 404}


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def _text(response) -> str:
    """The words of an answer: HTML as it is, an Excel workbook's XML parts (cells, shared strings)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    return body.decode("utf-8", "replace")


def _row_counts() -> dict[str, int]:
    """Rows of every table a refused action could write."""
    from django.apps import apps

    labels = ("dossiers.DossierEvent", "dossiers.Dossier", "feedback.FeedbackEvent", "people.PeopleEvent", "people.InspectionFinding",
              "people.TrainingAttendance", "people.DisciplineRecord", "reform.AuditEntry", "emulation.AuditEntry", "emulation.Participant",
              "evaluation.Sheet", "evaluation.SheetEvent", "queueing.Visit", "notify.OutboxMessage", "sync.ResendRecord",
              "catalog.NationalProcedureDifference", "catalog.BoundaryFreeListing")
    return {label: apps.get_model(label).objects.count() for label in labels}


@pytest.mark.django_db
def test_anonymous_no_role_and_other_unit_are_refused_everywhere(monkeypatch, client):
    import logging

    from django.contrib.auth import get_user_model

    build_world(monkeypatch)
    users = {u.username: u for u in get_user_model().objects.all()}
    problems: list[str] = []
    converters = {name: conv for name, _route, conv in url_patterns()}

    def as_user(username: str | None):
        client.logout()
        if username:
            client.force_login(users[username])

    # Refusals are logged as warnings (403/404): expected here by the hundred.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    before = _row_counts()
    for name, entry in MATRIX.items():
        if isinstance(entry, Public):
            continue
        url = url_for(name, bool(converters[name]))
        send = client.post if isinstance(entry, Post) else client.get
        data = (entry.data() if callable(entry.data) else entry.data) if isinstance(entry, Post) else None
        as_user(None)
        response = send(url, data) if data else send(url)
        if not _is_login_redirect(response):
            problems.append(f"{name}: anonymous got {response.status_code} at {url}")
        refused = entry.refused if isinstance(entry, (Page, Post)) else ()
        for username in refused:
            as_user(username)
            response = send(url, data) if data else send(url)
            if response.status_code not in REFUSED:
                problems.append(f"{name}: {username} got {response.status_code} at {url}")
        if isinstance(entry, Page):
            as_user(entry.owner)
            response = client.get(url)
            if response.status_code >= 400:
                problems.append(f"{name}: its owner {entry.owner} got {response.status_code} at {url} (arguments wrong?)")
        elif isinstance(entry, Scoped):
            marker = entry.marker()
            as_user(entry.owner)
            response = client.get(url)
            if response.status_code >= 400 or marker not in _text(response):
                problems.append(f"{name}: {entry.owner} got {response.status_code} without “{marker}” at {url}")
            as_user(entry.outsider)
            response = client.get(url)
            if response.status_code < 400 and marker in _text(response):
                problems.append(f"{name}: {entry.outsider} sees “{marker}” at {url}")
    problems += _intake_form_problems(client, as_user)
    after = _row_counts()
    problems += [f"a refused action wrote to {label}: {before[label]} → {after[label]} rows" for label in before if before[label] != after[label]]
    problems += _api_problems(client, users)
    assert not problems, "\n".join(problems)


def _intake_form_problems(client, as_user) -> list[str]:
    """The intake form posted back (with errors) lists the applicant's reusable documents: the counter's only."""
    from congvu.documents.models import CitizenDocument

    document = CitizenDocument.objects.order_by("pk").first()
    data = {"procedure": home_dossier().procedure_version.procedure.code, "personal_id": document.personal_id}
    problems = []
    for username in ("motcua", NO_PROFILE, "chuyenvien", "thanhtra"):
        as_user(username)
        shown = document.name in _text(client.post(reverse("dossiers:intake"), data))
        if shown != (username == "motcua"):
            problems.append(f"dossiers:intake POST: {username} {'sees' if shown else 'does not see'} the applicant's document store")
    return problems


def _api_problems(client, users) -> list[str]:
    from congvu.units.models import ApiToken, Unit

    problems = []
    dossier = home_dossier()
    other_token = ApiToken.issue("Phần mềm phường Ba Đình", Unit.objects.get(code="00004-TTPVHCC"), users["motcua.badinh"])[1]
    own_token = ApiToken.issue("Phần mềm phường Hoàn Kiếm", Unit.objects.get(code="00070-TTPVHCC"), users["motcua"])[1]
    no_role_token = ApiToken.issue("Tài khoản không vai trò", Unit.objects.get(code="00070"), users[NO_PROFILE])[1]
    fill = {"action": "accept_step"}
    procedure = dossier.procedure_version.procedure.code
    bodies = {
        ("post", "/api/v1/dossiers"): {"procedure": dossier.procedure_version.procedure.code, "unit": dossier.receiving_unit.code,
                                       "applicant": {"full_name": "Nguyễn Văn Thử"}},
        ("post", "/api/v1/dossiers/{code}/actions/{action}"): {"params": {}},
        ("post", "/api/v1/national/dossiers"): {"MaHoSo": "G01.999-261101-0001", "MaTTHC": dossier.procedure_version.procedure.code,
                                                "MaDonVi": dossier.receiving_unit.identifier, "NgayNopHoSo": "20261101080000",
                                                "ChuHoSo": {"HoVaTen": "Nguyễn Văn Thử"}},
    }
    units_before = _row_counts()
    for (method, path), entry in API_MATRIX.items():
        url = path.format(**{**fill, "code": "00070" if "/units/" in path else procedure if "/procedures/" in path else dossier.code})
        kwargs = {"data": bodies.get((method, path), {}), "content_type": "application/json"} if method == "post" else {}
        call = getattr(client, method)
        client.logout()
        anonymous = call(url, **kwargs)
        if isinstance(entry, ApiPublic):
            if anonymous.status_code >= 400:
                problems.append(f"API {method.upper()} {url}: public but anonymous got {anonymous.status_code}")
            continue
        if anonymous.status_code != 401:
            problems.append(f"API {method.upper()} {url}: anonymous got {anonymous.status_code}")
        for who, token in (("the other ward's token", other_token), ("a token of an account without a role", no_role_token)):
            got = call(url, HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)
            if got.status_code < 400:
                leaked = dossier.code in got.content.decode() or (path.startswith("/api/v1/units") and "Hoàn Kiếm" in got.content.decode())
                if method == "post" or leaked:
                    problems.append(f"API {method.upper()} {url}: {who} got {got.status_code}")
        if method == "get" and "{" in path and call(url, HTTP_AUTHORIZATION=f"Bearer {own_token}").status_code >= 400 and "units" not in path:
            problems.append(f"API GET {url}: the owning ward's token is refused (arguments wrong?)")
    units_after = _row_counts()
    problems += [f"a refused API call wrote to {label}" for label in units_before if units_before[label] != units_after[label]]
    return problems
