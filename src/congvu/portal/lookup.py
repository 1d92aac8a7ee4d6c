"""The public dossier lookup: finding a dossier by what only its applicant holds, and what the citizen is
shown about it.

Proof of being the applicant is either the dossier code with the last four digits of the applicant's phone,
or the signed token of the receipt's QR code (`dossiers.letters.lookup_token`). A wrong code and wrong digits
take the same path and give the same answer, so nobody learns which codes exist.

What is shown is what the letters already tell the applicant: status in plain words, the steps and the
units handling them, due times, what the citizen must do now, where to collect the result. Never the
officers: no names, no usernames, no internal notes.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass, field

from django.core import signing
from django.db.models import CharField, DateTimeField, F, Value
from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

from congvu.catalog import selectors as catalog_selectors
from congvu.dossiers.letters import dossier_code_from_token
from congvu.dossiers.models import Dossier, DossierResult, DossierStep, ReturnMethod, StepStatus
from congvu.dossiers.states import Action, DossierState

# A code as the receipt prints it (codes.py accepts the same shapes); anything else is not looked up.
CODE_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._]*-\d{6}-\d{4,}$")
# Compared when the code matches no dossier, so both answers cost one comparison of four characters.
_NO_DIGITS = "\x00" * 4


def last_four_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else ""


# The columns the page shows (lookup_result.html and view_of), and nothing else: building the SELECT of every
# column of six tables cost the ORM more than the query itself, and a version's snapshot of its source page
# can run to tens of kB. A field missing here costs one more query when the page reads it:
# tests/portal/test_lookup_queries.py counts them for every state.
PAGE_FIELDS = (
    "code", "state", "event_count", "updated_at", "submitted_at", "received_at", "due_at", "paused_at", "finished_at", "returned_at", "return_method",
    "procedure_version__name", "procedure_version__procedure__code",
    "receiving_unit__name", "receiving_unit__address", "receiving_unit__phone",
    "apology__reason", "apology__previous_due_at", "apology__new_due_at", "closure__reason",
)


def _dossiers():
    # The dossier with what its page shows in the query that finds it: the procedure, the unit, and the
    # one-to-one apology and closure (absent for most dossiers: a LEFT JOIN each).
    return Dossier.objects.select_related("procedure_version__procedure", "receiving_unit", "apology", "closure").only(*PAGE_FIELDS)


def _one(queryset) -> Dossier | None:
    # Codes are unique: no ORDER BY (what .first() would add), at most one row.
    return next(iter(queryset[:1]), None)


def find_by_code_and_digits(code: str, digits: str) -> Dossier | None:
    """The dossier with `code` whose applicant's phone ends in `digits`; None for an unknown code and for
    wrong digits alike, after the same query and the same constant-time comparison."""
    dossier = _one(_dossiers().select_related("applicant").only(*PAGE_FIELDS, "applicant__phone").filter(code=code))
    expected = last_four_digits(dossier.applicant.phone) if dossier is not None else ""
    matches = hmac.compare_digest((expected or _NO_DIGITS).encode(), digits.encode())
    return dossier if matches and dossier is not None and expected else None


def find_by_token(code: str, token: str) -> Dossier | None:
    """The dossier a receipt's QR link names, if the token is genuine and names this very code."""
    try:
        signed = dossier_code_from_token(token or "")
    except signing.BadSignature:
        return None
    if not hmac.compare_digest(signed.encode(), (code or "").encode()):
        return None
    return _one(_dossiers().filter(code=signed))


# ------------------------------------------------------------------------------------------------- plain words

# The words of the lookup page carry their own translation context ("citizen lookup"): the staff pages and the
# notifications use some of the same English words ("Refused", "Received") with other Vietnamese wording.
# Per state: a headline and one sentence on what it means for the citizen (the national portal's status list,
# DOMAIN.md §2, said the way the person reading it would say it).
STATUS_WORDS = {
    DossierState.SUBMITTED_ONLINE: (
        pgettext_lazy("citizen lookup", "Filed online, waiting to be received"),
        pgettext_lazy("citizen lookup", "The one-stop desk will check your dossier. If it is complete you get a receipt with the appointment date; otherwise you are told what to fix."),
    ),
    DossierState.RECEIVED: (
        pgettext_lazy("citizen lookup", "Received"),
        pgettext_lazy("citizen lookup", "Your dossier has been received and is being passed to the body that decides on it."),
    ),
    DossierState.NOT_ACCEPTED: (
        pgettext_lazy("citizen lookup", "Not accepted"),
        pgettext_lazy("citizen lookup", "The one-stop desk did not accept this filing. Read the reasons below, correct the dossier and file it again."),
    ),
    DossierState.PROCESSING: (
        pgettext_lazy("citizen lookup", "Being processed"),
        pgettext_lazy("citizen lookup", "The competent body is examining your dossier."),
    ),
    DossierState.AWAITING_SUPPLEMENT: (
        pgettext_lazy("citizen lookup", "Waiting for you to complete the dossier"),
        pgettext_lazy("citizen lookup", "More documents or information are needed from you. The time limit is paused until you provide them."),
    ),
    DossierState.AWAITING_PAYMENT: (
        pgettext_lazy("citizen lookup", "Waiting for you to pay"),
        pgettext_lazy("citizen lookup", "A fee or charge must be paid before processing continues. The time limit is paused until it is paid."),
    ),
    DossierState.WITHDRAWN: (
        pgettext_lazy("citizen lookup", "Withdrawn at your request"),
        pgettext_lazy("citizen lookup", "The dossier was withdrawn as you asked. Nothing more will be done with it."),
    ),
    DossierState.STOPPED: (
        pgettext_lazy("citizen lookup", "Processing stopped"),
        pgettext_lazy("citizen lookup", "Processing of this dossier has been stopped. The reason is given below."),
    ),
    DossierState.RESULT_READY: (
        pgettext_lazy("citizen lookup", "Result ready to collect"),
        pgettext_lazy("citizen lookup", "The result is ready. See below where and how to collect it."),
    ),
    DossierState.RETURNED: (
        pgettext_lazy("citizen lookup", "Result handed over"),
        pgettext_lazy("citizen lookup", "The result has been handed over. The dossier is complete."),
    ),
    DossierState.REFUSED: (
        pgettext_lazy("citizen lookup", "Refused"),
        pgettext_lazy("citizen lookup", "The competent body decided not to grant the request. The reasons are given below."),
    ),
}

# Bootstrap alert colours that keep AA contrast with their text.
STATUS_TONE = {
    DossierState.NOT_ACCEPTED: "danger", DossierState.REFUSED: "danger", DossierState.STOPPED: "secondary",
    DossierState.WITHDRAWN: "secondary", DossierState.AWAITING_SUPPLEMENT: "warning", DossierState.AWAITING_PAYMENT: "warning",
    DossierState.RESULT_READY: "success", DossierState.RETURNED: "success",
}

# The events a citizen is shown; assignment and taking a step in hand are the office's internal business.
EVENT_WORDS = {
    Action.SUBMIT_ONLINE: pgettext_lazy("citizen lookup", "Filed online"),
    Action.RECEIVE: pgettext_lazy("citizen lookup", "Dossier received"),
    Action.NOT_ACCEPT: pgettext_lazy("citizen lookup", "Filing not accepted"),
    Action.START_PROCESSING: pgettext_lazy("citizen lookup", "Processing started"),
    Action.FORWARD: pgettext_lazy("citizen lookup", "Passed on to the next step"),
    Action.SEND_BACK: pgettext_lazy("citizen lookup", "Sent back to the previous step for rework"),
    Action.REQUEST_SUPPLEMENT: pgettext_lazy("citizen lookup", "You were asked to complete the dossier"),
    Action.RECEIVE_SUPPLEMENT: pgettext_lazy("citizen lookup", "Your supplement was received"),
    Action.REQUEST_PAYMENT: pgettext_lazy("citizen lookup", "You were asked to pay"),
    Action.CONFIRM_PAYMENT: pgettext_lazy("citizen lookup", "Payment confirmed"),
    Action.WITHDRAW: pgettext_lazy("citizen lookup", "Withdrawn at your request"),
    Action.STOP: pgettext_lazy("citizen lookup", "Processing stopped"),
    Action.REFUSE: pgettext_lazy("citizen lookup", "Request refused"),
    Action.RECORD_RESULT: pgettext_lazy("citizen lookup", "Result ready"),
    Action.RETURN_RESULT: pgettext_lazy("citizen lookup", "Result handed over"),
    Action.ISSUE_APOLOGY: pgettext_lazy("citizen lookup", "Apology and new appointment date"),
}
# Events whose reason was written to the applicant (it is printed on the letter they receive); the other
# reasons and notes are officers' remarks to each other.
REASONS_FOR_THE_CITIZEN = {Action.NOT_ACCEPT, Action.REFUSE, Action.STOP, Action.WITHDRAW, Action.REQUEST_SUPPLEMENT, Action.ISSUE_APOLOGY}

STEP_WORDS = {
    StepStatus.WAITING: pgettext_lazy("citizen lookup", "Not started"),
    StepStatus.ACTIVE: pgettext_lazy("citizen lookup", "In progress"),
    StepStatus.DONE: pgettext_lazy("citizen lookup", "Done"),
    StepStatus.SENT_BACK: pgettext_lazy("citizen lookup", "Being redone"),
}

RETURN_WORDS = {
    ReturnMethod.COUNTER: pgettext_lazy("citizen lookup", "at the counter"),
    ReturnMethod.POST: pgettext_lazy("citizen lookup", "by public postal service"),
    ReturnMethod.ELECTRONIC: pgettext_lazy("citizen lookup", "electronically"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    label: str
    unit: str
    reason: str = ""


@dataclass(frozen=True)
class StepEntry:
    name: str
    unit: str
    status: str
    active: bool
    due_at: dt.datetime | None
    finished_at: dt.datetime | None


@dataclass
class LookupView:
    dossier: Dossier
    headline: str
    explanation: str
    tone: str
    timeline: list[TimelineEntry]
    steps: list[StepEntry]
    supplement: object | None = None
    payments: list = field(default_factory=list)
    not_accepted_reason: str = ""
    closure_reason: str = ""
    apology: object | None = None
    results: list[str] = field(default_factory=list)
    return_method: str = ""
    file_again_url: str = ""
    rating_url: str = ""

    @property
    def state(self) -> str:
        return self.dossier.state

    @property
    def unit(self):
        return self.dossier.receiving_unit

    @property
    def paused(self) -> bool:
        return self.dossier.paused_at is not None

    @property
    def collect(self) -> bool:
        return self.dossier.state == DossierState.RESULT_READY


def _history(dossier: Dossier, *, results: bool) -> tuple[list[tuple], list[tuple], list[str]]:
    """The dossier's events, steps and (when asked) result names in ONE query, a UNION ALL of the three: on
    a loaded server every round trip to the database costs more than the rows. Each row is
    (kind, number, text, text, unit name, time, time):
      events  ("e", seq, action, reason, unit of the actor's staff profile (never the person), at, -)
      steps   ("s", position, name, status, unit, due_at, finished_at)
      results ("r", id, name, -, -, -, -)"""
    none_text, none_time = Value(None, output_field=CharField()), Value(None, output_field=DateTimeField())
    events = _events_of(dossier).annotate(
        k=Value("e"), n=F("seq"), a=F("action"), b=F("reason"), u=F("actor__staff_profile__unit__name"), t1=F("at"), t2=none_time,
    ).values_list("k", "n", "a", "b", "u", "t1", "t2").order_by()
    steps = DossierStep.objects.filter(dossier=dossier).annotate(
        k=Value("s"), n=F("position"), a=F("name"), b=F("status"), u=F("unit__name"), t1=F("due_at"), t2=F("finished_at"),
    ).values_list("k", "n", "a", "b", "u", "t1", "t2").order_by()
    parts = [steps]
    if results:
        parts.append(DossierResult.objects.filter(dossier=dossier).annotate(
            k=Value("r"), n=F("id"), a=F("name"), b=none_text, u=none_text, t1=none_time, t2=none_time,
        ).values_list("k", "n", "a", "b", "u", "t1", "t2").order_by())
    rows = sorted(events.union(*parts, all=True), key=lambda row: (row[0], row[1]))
    by_kind = {"e": [], "s": [], "r": []}
    for row in rows:
        by_kind[row[0]].append(row)
    if len(by_kind["e"]) != dossier.event_count:
        # The time bound (see _events_of) missed an event, e.g. an imported history dated before the filing.
        # The dossier's own count says so: read them all rather than show a shorter history.
        by_kind["e"] = list(dossier.events.order_by("seq").annotate(
            k=Value("e"), n=F("seq"), a=F("action"), b=F("reason"), u=F("actor__staff_profile__unit__name"), t1=F("at"), t2=none_time,
        ).values_list("k", "n", "a", "b", "u", "t1", "t2"))
    return by_kind["e"], by_kind["s"], [row[2] for row in by_kind["r"]]


def _timeline(dossier: Dossier, events: list[tuple]) -> list[TimelineEntry]:
    entries = []
    for _k, _seq, value, reason, actor_unit, at, _ in events:
        action = _action(value)
        if action not in EVENT_WORDS:
            continue
        # Online filings come from the citizen; an actor without a staff profile is shown as the desk.
        unit = dossier.receiving_unit.name if action == Action.SUBMIT_ONLINE or not actor_unit else actor_unit
        entries.append(TimelineEntry(at, str(EVENT_WORDS[action]), unit, reason if action in REASONS_FOR_THE_CITIZEN else ""))
    return entries


def _events_of(dossier: Dossier):
    """The dossier's events between its first and last moments: on PostgreSQL events are partitioned by month
    of `at`, and without bounds the planner plans a probe of every month's index (a year of partitions cost
    more planning than the page's other queries together; ten years would cost ten times that).
    The first event is the filing (online submission or receipt at the counter), so none is earlier. The
    last one is the return of the result (returned_at), the decision (finished_at), or, while the dossier is
    open, its last action, which saved the dossier (updated_at). Should an event still fall outside (an
    imported history), the dossier's event_count tells `_history`, which then reads them all."""
    events = dossier.events.all()
    first = min(filter(None, (dossier.submitted_at, dossier.received_at)), default=None)
    if first is not None:
        events = events.filter(at__gte=first)
    last = max(filter(None, (dossier.finished_at, dossier.returned_at)), default=None) if dossier.finished_at else dossier.updated_at
    if last is not None:
        events = events.filter(at__lte=last)
    return events


def _action(value: str) -> Action | None:
    try:
        return Action(value)
    except ValueError:
        return None


def _related(dossier: Dossier, name: str):
    try:
        return getattr(dossier, name)
    except Exception:  # the RelatedObjectDoesNotExist of a one-to-one without its row
        return None


def view_of(dossier: Dossier, request=None) -> LookupView:
    state = DossierState(dossier.state)
    headline, explanation = STATUS_WORDS[state]
    events, step_rows, results = _history(dossier, results=state in (DossierState.RESULT_READY, DossierState.RETURNED))
    steps = [
        StepEntry(name, unit, str(STEP_WORDS.get(status, "")), status == StepStatus.ACTIVE, due_at, finished_at)
        for _k, _position, name, status, unit, due_at, finished_at in step_rows
    ]
    view = LookupView(
        dossier=dossier, headline=str(headline), explanation=str(explanation), tone=STATUS_TONE.get(state, "info"),
        timeline=_timeline(dossier, events), steps=steps, apology=_related(dossier, "apology"),
    )
    if state == DossierState.AWAITING_SUPPLEMENT:
        view.supplement = dossier.supplement_requests.filter(fulfilled_at__isnull=True).order_by("-number").first()
    if state == DossierState.AWAITING_PAYMENT:
        view.payments = list(dossier.payment_requests.filter(paid_at__isnull=True).order_by("requested_at"))
    if state == DossierState.NOT_ACCEPTED:
        view.not_accepted_reason = next((reason for _k, _seq, action, reason, *_rest in reversed(events) if action == Action.NOT_ACCEPT), "")
        version = catalog_selectors.version_in_force(dossier.procedure_version.procedure)
        if catalog_selectors.accepts_online_filing(version):
            view.file_again_url = reverse("portal:file_online", args=[version.procedure.code])
    if state in (DossierState.REFUSED, DossierState.STOPPED, DossierState.WITHDRAWN):
        closure = _related(dossier, "closure")
        view.closure_reason = closure.reason if closure else ""
    if state in (DossierState.RESULT_READY, DossierState.RETURNED):
        view.results = results
        view.rating_url = rating_link(dossier, request)
    if state == DossierState.RETURNED and dossier.return_method:
        view.return_method = str(RETURN_WORDS.get(dossier.return_method, ""))
    return view


def rating_link(dossier: Dossier, request=None) -> str:
    """The applicant's satisfaction-rating link (feedback app), or "" while that page does not exist."""
    try:
        from congvu.feedback.links import rating_url
    except ImportError:
        return ""
    try:
        return rating_url(dossier, request)
    except NoReverseMatch:
        return ""
