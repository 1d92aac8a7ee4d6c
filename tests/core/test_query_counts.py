"""No N+1: every staff and portal page runs as many SQL queries with many rows as with few.

The pages are enumerated from the URL conf, so a new page is measured without anyone remembering to add it.
A page whose URL takes arguments needs a way to fill them in from the data (ARGUMENTS below); a page with
arguments and no entry there or in NOT_MEASURED fails the test, so it cannot slip through.

The data is the demo (units, catalogue, staff, every app's own demo data) with a short dossier history made by
the same services the pages call (intake, steps, supplements, results, ratings, feedback); then the history
is grown several times over (more dossiers with their steps, events, notifications, sync rows, ratings,
feedback and indicator rollups) and every page is measured again. Detail pages are measured on the object
with the most rows under it (the dossier with the most events, the inspection with the most findings…), so
their sections grow too. A page fails when its query count grows by more than SLACK with the rows.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.urlconf import url_patterns

pytestmark = pytest.mark.django_db

# A page may add a constant query or two when a section that was empty gets its first row (e.g. a "next page"
# link or a chart that only renders with data); N+1 adds one per row, and the many-rows world has tens more.
SLACK = 3

# Pages that are not rendered here, and why. Everything else with a GET answer is measured.
NOT_MEASURED = {
    "staff:login": "the login form reads no rows",
    "staff:logout": "POST only (logs out)",
    "set_language": "POST only (Django's i18n view)",
    "healthz": "one fixed query",
    "dossiers:intake_record": "a counter visit that ended without a dossier: the history makes none, and nothing grows under it",
    "evaluation:evidence": "a download of one evidence file: the demo attaches none, and nothing grows under it",
    "dossiers:intake_record_letter": "the letter of such a visit (same reason)",
    "accounts:token_revoke": "POST only (revokes one API token)",
    "accounts:second_factor_reset": "POST only (removes one account's authenticator)",
    "staff:password_reset_confirm": "the one-time link of a reset e-mail: reads one account, nothing grows under it",
    "citizens:callback": "the OpenID Connect provider's answer: without a sign-in under way it refuses before any query",
    "privacy:reveal": "the reason asked before one record's full data shows (record named in the query string): reads that one record",
}
# Pages the test reaches but no demo login opens with the arguments picked (they answer 403/404 in both worlds,
# so they measure nothing yet). Each needs a better argument picker or a user; the list must only shrink.
NOT_OPENED_YET = {
    "dossiers:letter": "the letter kind slug picked is not one the dossier has",
    "indices:behind": "needs the indicator and period in its query string",
    "indices:behind_export": "same as indices:behind",
    "evaluation:sheet": "the sheet picked belongs to a person none of USERS may see",
    "evaluation:board": "the unit/month picked has no board for USERS",
    "evaluation:board_export": "same as evaluation:board",
    "evaluation:board_pdf": "same as evaluation:board",
    "evaluation:summary": "same as evaluation:board",
    "evaluation:summary_export": "same as evaluation:board",
}
# Prefixes that are not part of the staff and portal pages: the Django admin (Django's own pages) and the
# JSON API (measured by tests/api; its dossier endpoints belong to the intake work of issue 7).
SKIPPED_PREFIXES = ("admin/", "api/v1/")

HISTORY_MONTHS = 1
FEW_PER_MONTH = 3  # per office and month: about 25 dossiers in all
GROWTH = 3  # the many-rows world adds GROWTH times the first history again

from congvu.indices.demo import OFFICES as ORIGINAL_OFFICES  # noqa: E402


# ------------------------------------------------------------------------------------------------- the data


def _small_history(monkeypatch, per_month: int, seed: int) -> None:
    from congvu.indices import demo as history

    monkeypatch.setattr(history, "HISTORY_MONTHS", HISTORY_MONTHS)
    monkeypatch.setattr(history, "SEED", seed)
    monkeypatch.setattr(history, "OFFICES", [dataclasses.replace(o, per_month=per_month) for o in ORIGINAL_OFFICES])


def _few_rows(monkeypatch) -> None:
    """The whole demo (every app's part), its dossier history cut to a month and a handful per office."""
    from congvu.core import demo

    _small_history(monkeypatch, FEW_PER_MONTH, 766)
    assert demo.load_demo(stdout=io.StringIO())
    _boundary_listings(3)


def _more_rows(monkeypatch) -> None:
    """GROWTH times as many dossiers again, through the same services, then the rollups brought up to date."""
    from congvu.indices import demo as history
    from congvu.indices import services as indices

    _small_history(monkeypatch, FEW_PER_MONTH * GROWTH, 767)
    monkeypatch.setattr(history._History, "_add_staff", lambda self: None)  # the history's staff exist already
    with transaction.atomic():
        history._History(io.StringIO()).run()
    indices.refresh()
    _boundary_listings(3 * (1 + GROWTH))


def _boundary_listings(total: int) -> None:
    """The Decree 118 list has no demo rows: list procedures until it holds `total`."""
    import datetime as dt

    from congvu.catalog import boundary
    from congvu.catalog.models import BoundaryFreeListing, Procedure
    from congvu.units.models import Unit

    province = Unit.objects.get(code="01")
    listed = set(BoundaryFreeListing.objects.values_list("procedure_id", flat=True))
    for procedure in Procedure.objects.exclude(pk__in=listed).order_by("code")[: max(0, total - len(listed))]:
        boundary.add_listing(procedure, province, f"{procedure.pk}/QĐ-UBND", dt.date(2025, 7, 1))


# ------------------------------------------------------------------------------------------------- arguments


def _max_by(qs, related: str):
    return qs.annotate(_n=Count(related)).order_by("-_n", "-pk").first()


def _dossier():
    from congvu.dossiers.models import Dossier

    return _max_by(Dossier.objects.exclude(steps=None), "events")


def _returned_dossier():
    from congvu.dossiers.models import Dossier

    return _max_by(Dossier.objects.filter(state="returned"), "events")


def _online_dossier():
    from congvu.dossiers.models import Dossier

    return _max_by(Dossier.objects.filter(channel="online").exclude(documents=None), "documents")


def _feedback():
    from congvu.feedback.models import Feedback

    return _max_by(Feedback.objects.all(), "events")


def _unit(code="00070"):
    from congvu.units.models import Unit

    return Unit.objects.get(code=code)


def _pk(model_path: str, related: str | None = None, **filters):
    def pick():
        from django.apps import apps

        qs = apps.get_model(model_path).objects.filter(**filters)
        obj = _max_by(qs, related) if related else qs.order_by("-pk").first()
        assert obj is not None, f"no {model_path} in the data to show"
        return {"pk": obj.pk}

    return pick


def _dossier_code():
    return {"code": _dossier().code}


def _lookup():
    from congvu.dossiers.letters import lookup_token

    dossier = _dossier()
    return {"code": dossier.code}, {"t": lookup_token(dossier)}


def _rating():
    from congvu.feedback.links import rating_token

    return {"token": rating_token(_returned_dossier())}


def _filed():
    from congvu.portal.tokens import confirmation_token

    return {"token": confirmation_token(_online_dossier())}


def _track():
    from congvu.feedback.links import tracking_token

    feedback = _feedback()
    return {"code": feedback.code}, {"t": tracking_token(feedback.code)}


def _ticket():
    from congvu.queueing.models import Ticket
    from congvu.queueing.selectors import ticket_token

    ticket = Ticket.objects.select_related("unit").order_by("-pk").first()
    return {"unit_code": ticket.unit.code, "token": ticket_token(ticket)}


def _queue_unit():
    from congvu.queueing.models import Ticket

    return {"unit_code": Ticket.objects.select_related("unit").order_by("-pk").first().unit.code}


def _month_board():
    from django.utils import timezone

    from congvu.evaluation.models import Sheet

    sheet = Sheet.objects.select_related("unit").order_by("-year", "-month").first()
    return {"code": sheet.unit.code, "year": sheet.year, "month": sheet.month} if sheet else {
        "code": "00004", "year": timezone.localdate().year, "month": timezone.localdate().month}


def _year_summary():
    kwargs = _month_board()
    kwargs.pop("month")
    return kwargs


def _proposal():
    from congvu.emulation.models import Proposal

    proposal = Proposal.objects.select_related("unit").order_by("-pk").first()
    return {"code": proposal.unit.code, "year": proposal.year}


def _procedure():
    from congvu.catalog.models import Procedure

    procedure = _max_by(Procedure.objects.all(), "versions")
    return {"code": procedure.code}


def _procedure_version():
    from congvu.catalog.models import ProcedureVersion

    version = ProcedureVersion.objects.select_related("procedure").order_by("-pk").first()
    return {"code": version.procedure.code, "number": version.number}


def _framework_unit():
    from congvu.reform.models import Assessment

    assessment = Assessment.objects.select_related("unit").order_by("-pk").first()
    return {"pk": assessment.framework_id, "code": assessment.unit.code}


def _participant():
    from congvu.emulation.models import Participant

    participant = _max_by(Participant.objects.all(), "scores")
    return {"pk": participant.movement_id, "participant": participant.pk}


def _result_file():
    from congvu.dossiers.models import DossierResult

    result = DossierResult.objects.select_related("dossier").exclude(file=None).order_by("-pk").first()
    return {"code": result.dossier.code, "pk": result.file_id}


def _data_request():
    """The demo holds no personal-data request: register one at the busiest ward, as its one-stop desk would."""
    from congvu.privacy.models import DataRequest, RequestChannel, RequestKind
    from congvu.privacy.services import register_request
    from congvu.units.models import Unit

    item = DataRequest.objects.order_by("-pk").first() or register_request(
        personal_id="001090012345", full_name="Nguyễn Văn A", kind=RequestKind.ACCESS, channel=RequestChannel.COUNTER,
        unit=Unit.objects.get(code="00070"))
    return {"pk": item.pk}


# URL name → kwargs (or (kwargs, query)) from the data. Every page with arguments needs an entry here or in
# NOT_MEASURED.
ARGUMENTS: dict[str, Callable] = {
    "catalog:procedure_detail": _procedure,
    "catalog:procedure_version": _procedure_version,
    "catalog:procedure_guide_pdf": _procedure,
    "portal:lookup_token": _lookup,
    "portal:filed": _filed,
    "portal:file_online": lambda: {"code": "1.001193"},
    "feedback:rate": _rating,
    "feedback:rate_thanks": _rating,
    "feedback:submitted": _track,
    "feedback:track": _track,
    "queueing:counter": _pk("queueing.Counter"),
    "queueing:counter_queue": _pk("queueing.Counter"),
    "queueing:kiosk": _queue_unit,
    "queueing:ticket": _ticket,
    "queueing:ticket_pdf": _ticket,
    "queueing:board": _queue_unit,
    "queueing:board_update": _queue_unit,
    "queueing:statistics": _queue_unit,
    "queueing:statistics_export": _queue_unit,
    "units:detail": lambda: {"code": "00070"},
    "dossiers:intake_record": _pk("dossiers.IntakeRecord"),
    "evaluation:evidence": "a download of one evidence file: the demo attaches none, and nothing grows under it",
    "dossiers:intake_record_letter": _pk("dossiers.IntakeRecord"),
    "dossiers:detail": _dossier_code,
    "dossiers:letter": lambda: {"code": _dossier().code, "kind": "tiep-nhan"},
    "notify:detail": _pk("notify.OutboxMessage"),
    "feedback_staff:detail": lambda: {"code": _feedback().code},
    "reform:framework": _pk("reform.Framework", "assessments"),
    "reform:framework_export": _pk("reform.Framework", "assessments"),
    "reform:assessment": _framework_unit,
    "reform:results": _pk("reform.Framework", "assessments"),
    "reform:results_export": _pk("reform.Framework", "assessments"),
    "reform:evidence": _pk("reform.Evidence"),
    "reform:verify": _framework_unit,
    "reform:external_edit": _pk("reform.ExternalIndex"),
    "people:plan": _pk("people.InspectionPlan", "inspections"),
    "people:inspection": _pk("people.Inspection", "findings"),
    "people:notice": _pk("people.Inspection", "findings"),
    "people:evidence": _pk("people.InspectionEvidence"),
    "people:discipline": _pk("people.DisciplineRecord"),
    "people:course": _pk("people.TrainingCourse", "attendance"),
    "people:course_attendance": _pk("people.TrainingCourse", "attendance"),
    "people:course_attendance_export": _pk("people.TrainingCourse", "attendance"),
    "evaluation:sheet": _pk("evaluation.Sheet", "scores"),
    "evaluation:evidence": _pk("evaluation.Evidence"),
    "evaluation:board": _month_board,
    "evaluation:board_export": _month_board,
    "evaluation:board_pdf": _month_board,
    "evaluation:summary": _year_summary,
    "evaluation:summary_export": _year_summary,
    "emulation:movement": _pk("emulation.Movement", "participants"),
    "emulation:movement_export": _pk("emulation.Movement", "participants"),
    "emulation:initiative": _pk("emulation.Initiative"),
    "emulation:proposal": _proposal,
    "emulation:proposal_export": _proposal,
    "emulation:decision": _pk("emulation.CommendationDecision", "awards"),
    "emulation:movement_score": _participant,
    "catalog:boundary_end": _pk("catalog.BoundaryFreeListing"),
    "dossiers:file": _result_file,
    "indices:scorecard_export": lambda: {"fmt": "xlsx"},
    "indices:report_export": lambda: {"fmt": "xlsx"},
    "sync:detail": _dossier_code,
    "privacy:request": _data_request,
}


def _pages():
    """(url name, pattern, converters) for every named page of the URL conf outside the skipped prefixes."""
    return url_patterns(SKIPPED_PREFIXES, named_only=True)


# Who opens the staff pages: the first of these who gets the page (2xx) in the few-rows world measures it in both.
USERS = ("quantri", "lanhdao", "chuyenvien", "motcua", "thanhtra", "caicach", "lanhdao.badinh", "chuyenvien.badinh",
         "motcua.badinh", "lanhdao.thanhpho")


def _url(name: str, has_args: bool) -> str:
    query = {}
    kwargs = {}
    if has_args:
        got = ARGUMENTS[name]()
        kwargs, query = got if isinstance(got, tuple) else (got, {})
    return reverse(name, kwargs=kwargs) + (("?" + urlencode(query)) if query else "")


def _post_only(client, name: str, route: str, converters: dict) -> bool:
    """A POST-only action answers GET with 405 before it looks anything up, so made-up arguments do."""
    if not converters:
        return False
    kwargs = {key: 0 if converter.regex == "[0-9]+" else "x" for key, converter in converters.items()}
    return client.get(reverse(name, kwargs=kwargs)).status_code == 405


def _measure(client, pages, problems: list, chosen: dict) -> dict[str, tuple[int, int, str, str]]:
    """page → (queries, status, url, user). `chosen` remembers who opened each staff page the first time."""
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
    out = {}
    for name, route, converters in pages:
        staff = route.startswith(("staff/", "queue/"))
        candidates = [chosen[name]] if name in chosen else (USERS if staff else ("",))
        for user in candidates:
            client.logout()
            if user:
                client.force_login(users[user])
            try:
                url = _url(name, bool(converters))
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
            except Exception as error:  # noqa: BLE001 — every page's problem is listed at the end
                problems.append(f"{name} as {user or 'anonymous'}: {error!r}")
                break
            if response.status_code == 405:
                break  # a POST-only action without URL arguments
            if response.status_code >= 500:
                problems.append(f"{url} as {user or 'anonymous'}: {response.status_code}")
            out[name] = (len(queries), response.status_code, url, user or "anonymous")
            if response.status_code < 400:
                chosen[name] = user
                break
    return out


def test_no_page_runs_more_queries_with_more_rows(monkeypatch, client):
    pages = [p for p in _pages() if p[0] not in NOT_MEASURED]
    pages = [p for p in pages if not _post_only(client, *p)]
    missing = sorted(name for name, _route, has_args in pages if has_args and name not in ARGUMENTS)
    assert not missing, f"pages with URL arguments the test cannot fill in (add them to ARGUMENTS or NOT_MEASURED): {missing}"

    _few_rows(monkeypatch)
    problems, chosen = [], {}
    few = _measure(client, pages, problems, chosen)
    _more_rows(monkeypatch)
    many = _measure(client, pages, problems, chosen)
    unopened = sorted(f"{url} ({status})" for name, (_n, status, url, _u) in few.items()
                      if 400 <= status != 405 and name not in NOT_OPENED_YET)
    assert not problems, "pages that could not be measured:\n" + "\n".join(problems)

    from congvu.dossiers.models import Dossier
    grown = []
    for name, (count, _status, url, user) in sorted(many.items()):
        before = few.get(name)
        if before is None:
            continue
        print(f"{user:>18} {before[0]:>4} → {count:>4}  {url}")
        if count > before[0] + SLACK:
            grown.append(f"{user:>18} {url}: {before[0]} → {count} queries")
    assert len(few) > 100, "the URL conf lost its pages?"
    assert Dossier.objects.count() >= (1 + GROWTH) * 20
    assert not unopened, "no demo login could open these pages, so they measured nothing:\n" + "\n".join(unopened)
    assert not grown, "query count grows with the rows (N+1):\n" + "\n".join(grown)
