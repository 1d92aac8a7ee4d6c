"""Every write of the feedback app: ratings, and each step of handling feedback.

Each function is one transaction that changes the row, appends its history entry and queues its notification
together (STYLE.md: every write is a named action). Bad input raises `FeedbackError` before anything is
written; callers show its message (Vietnamese) and status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.dossiers.codes import parse_code
from congvu.dossiers.models import Dossier
from congvu.feedback import access, codes
from congvu.feedback.errors import ErrorCode, FeedbackError
from congvu.feedback.links import tracking_url
from congvu.feedback.models import (
    STAFF_CHANNELS, Channel, Feedback, FeedbackDeadlines, FeedbackEvent, Nature, Rating, RatingAnswer, RatingScheme, SubjectKind, Topic,
    Verdict,
)
from congvu.feedback.scoring import FACTORS, PERCEPTIONS, Factor, Perception, check_answers, is_dislike, mean_score
from congvu.feedback.workflow import (
    FeedbackAction, FeedbackState, Step, TransitionNotAllowed, current_due, deadlines_from_receipt, is_late, next_state, publish_deadline,
    resume_deadline,
)
from congvu.units.models import Role, StaffProfile, Unit
from congvu.units.phones import normalise_phone
from congvu.units.selectors import can_see_unit
from congvu.workcal.services import calendar_for

TITLE_MAX = 200
CONTENT_MAX = 5000
TEXT_MAX = 5000
NAME_MAX = 200
COMMENT_MAX = 2000
SENDER = "Người gửi"  # how history names the sender, who has no account

# ------------------------------------------------------------------------------------------------ configuration


def deadlines_in_force(day: dt.date) -> FeedbackDeadlines:
    """The deadline rules in force on `day` (the earliest rules for a day before all of them)."""
    row = FeedbackDeadlines.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    row = row or FeedbackDeadlines.objects.order_by("effective_from").first()
    if row is None:
        raise FeedbackError(ErrorCode.NOT_CONFIGURED, _("No deadline rules for feedback are configured; please tell the system administrator."))
    return row


def scheme_in_force(day: dt.date) -> RatingScheme:
    row = RatingScheme.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    row = row or RatingScheme.objects.order_by("effective_from").first()
    if row is None:
        raise FeedbackError(ErrorCode.NOT_CONFIGURED, _("No rating scheme is configured; please tell the system administrator."))
    return row


# ------------------------------------------------------------------------------------------------ ratings

RATABLE_STATES = frozenset({"result_ready", "returned"})


def rating_of(dossier) -> Rating | None:
    return Rating.objects.filter(dossier=dossier).first()


def check_ratable(dossier) -> None:
    """Raise unless the applicant can rate this dossier now (result ready or returned, not rated yet)."""
    if dossier.state not in RATABLE_STATES:
        raise FeedbackError(ErrorCode.NOT_RATABLE, _("This dossier can be rated once its result is ready."))
    if Rating.objects.filter(dossier=dossier).exists():
        raise FeedbackError(ErrorCode.ALREADY_RATED, _("This dossier has already been rated. Thank you."))


def submit_rating(dossier, scores: dict[Factor, int | None], perceptions: dict[Perception, int | None], comment: str = "",
                  at: dt.datetime | None = None) -> Rating:
    """Record the applicant's one rating of `dossier`. A second rating, even one racing the first, is refused
    by the unique constraint and reported as already rated."""
    at = at or timezone.now()
    check_ratable(dossier)
    scheme = scheme_in_force(timezone.localdate(at))
    rules = scheme.rules()
    problems = check_answers(scores, perceptions, rules)
    if problems:
        fields: dict[str, list[str]] = {}
        for problem in problems:
            kind, _sep, question = problem.partition(":")
            if kind == "missing":
                fields.setdefault(question, []).append(_("Please answer this question."))
            elif kind == "range":
                fields.setdefault(question, []).append(_("Choose one of the answers offered."))
            else:
                fields.setdefault(Perception.APOLOGY.value, []).append(_("Answer this only if the result came later than the appointment."))
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("Some answers are missing or not valid."), fields)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("The comment is too long."), {"comment": [_("At most %(n)s characters.") % {"n": COMMENT_MAX}]})
    factor_scores = [scores.get(f) for f in FACTORS]
    mean = Decimal(str(mean_score(factor_scores))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                dossier=dossier, procedure_id=dossier.procedure_version.procedure_id, receiving_unit_id=dossier.receiving_unit_id,
                handling_unit_id=dossier.handling_unit_id, officer_id=dossier.received_by_id, scheme=scheme, submitted_at=at,
                mean_score=mean, dislike=is_dislike(factor_scores, rules), dossier_timeliness=dossier.timeliness or "", comment=comment,
            )
            answers = [(f.value, scores.get(f)) for f in FACTORS] + [(p.value, perceptions.get(p)) for p in PERCEPTIONS]
            RatingAnswer.objects.bulk_create([RatingAnswer(rating=rating, question=q, value=v) for q, v in answers if v is not None])
    except IntegrityError:
        if Rating.objects.filter(dossier=dossier).exists():
            raise FeedbackError(ErrorCode.ALREADY_RATED, _("This dossier has already been rated. Thank you.")) from None
        raise
    return rating


# ------------------------------------------------------------------------------------------------ feedback: intake


@dataclass
class FeedbackInput:
    subject_kind: str
    unit: Unit | None
    nature: str
    title: str
    content: str
    procedure: object | None = None
    officer: object | None = None
    officer_name: str = ""
    sender_name: str = ""
    sender_phone: str = ""
    sender_email: str = ""
    dossier_code: str = ""


def _spaces(value) -> str:
    return " ".join(str(value or "").split())


def _required_text(value, field: str, message: str, max_length: int = TEXT_MAX) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if not text:
        raise FeedbackError(ErrorCode.INVALID_INPUT, message, {field: [message]})
    if len(text) > max_length:
        message = _("At most %(n)s characters.") % {"n": max_length}
        raise FeedbackError(ErrorCode.INVALID_INPUT, message, {field: [message]})
    return text


def responsible_unit_for(unit: Unit) -> Unit:
    """The unit whose leader answers feedback about `unit`: the unit itself if it has an active leader, else the
    nearest unit above it that has one (a one-stop desk answers through its commune), else the unit itself."""
    chain = [*Unit.objects.get_ancestors(unit), unit] if unit.depth > 1 else [unit]
    led = set(
        StaffProfile.objects.filter(unit__in=chain, role=Role.UNIT_LEADER, user__is_active=True).values_list("unit_id", flat=True)
    )
    for candidate in reversed(chain):
        if candidate.pk in led:
            return candidate
    return unit


def default_topic(subject_kind: str) -> str:
    """Indicator 5.1's classification as first guessed from the subject; the unit corrects it on acceptance."""
    return Topic.REGULATION if subject_kind == SubjectKind.PROCEDURE else Topic.CONDUCT


def clean_feedback(data: FeedbackInput) -> dict:
    """Checked and normalised fields of a new item; raises FeedbackError listing every field at fault."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if data.subject_kind not in SubjectKind.values:
        fail("subject_kind", _("Choose what the feedback is about."))
    if data.nature not in Nature.values:
        fail("nature", _("Choose whether this is a report or a recommendation."))
    unit = data.unit
    if unit is None:
        fail("unit", _("Choose the unit concerned."))
    elif not unit.is_active:
        fail("unit", _("This unit no longer exists; choose the unit that took it over."))
    if data.subject_kind == SubjectKind.PROCEDURE and data.procedure is None:
        fail("procedure", _("Choose the procedure concerned."))
    officer_name = _spaces(data.officer_name)
    officer = data.officer if data.subject_kind == SubjectKind.OFFICER else None
    if data.subject_kind == SubjectKind.OFFICER:
        if officer is not None and unit is not None:
            profile = StaffProfile.objects.filter(user=officer, unit=unit, user__is_active=True).first()
            if profile is None:
                fail("officer", _("This officer does not work at the chosen unit."))
            else:
                officer_name = officer.get_full_name() or officer_name
        if officer is None and not officer_name:
            fail("officer_name", _("Give the officer's name, or choose the officer from the list."))
    if len(officer_name) > NAME_MAX:
        fail("officer_name", _("At most %(n)s characters.") % {"n": NAME_MAX})
    title = _spaces(data.title)
    if not title:
        fail("title", _("Give the feedback a short subject."))
    elif len(title) > TITLE_MAX:
        fail("title", _("At most %(n)s characters.") % {"n": TITLE_MAX})
    content = str(data.content or "").replace("\x00", "").strip()
    if len(content) < 10:
        fail("content", _("Describe what happened in a few sentences (at least 10 characters)."))
    elif len(content) > CONTENT_MAX:
        fail("content", _("At most %(n)s characters.") % {"n": CONTENT_MAX})
    sender_name = _spaces(data.sender_name)
    if len(sender_name) > NAME_MAX:
        fail("sender_name", _("At most %(n)s characters.") % {"n": NAME_MAX})
    phone = ""
    try:
        phone = normalise_phone(str(data.sender_phone or "").replace("\x00", ""))
    except ValidationError as error:
        fail("sender_phone", " ".join(error.messages))
    email = str(data.sender_email or "").replace("\x00", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            fail("sender_email", _("Enter a valid email address."))
    dossier_code = str(data.dossier_code or "").replace("\x00", "").strip().upper()
    if dossier_code and parse_code(dossier_code) is None:
        fail("dossier_code", _("A dossier code looks like H15.50.05.13-260302-0001; check it on your receipt."))
    if errors:
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("Some information is missing or not valid."), errors)
    return {
        "dossier_code": dossier_code, "dossier": Dossier.objects.filter(code=dossier_code).first() if dossier_code else None,
        "subject_kind": data.subject_kind, "nature": data.nature, "unit": unit,
        "procedure": data.procedure if data.subject_kind == SubjectKind.PROCEDURE else None,
        "officer": officer, "officer_name": officer_name if data.subject_kind == SubjectKind.OFFICER else "",
        "title": title, "content": content, "sender_name": sender_name, "sender_phone": phone, "sender_email": email,
    }


def _actor_name(actor) -> str:
    if actor is None:
        return SENDER
    return (actor.get_full_name() or actor.get_username())[:200]


def _event(feedback: Feedback, action: FeedbackAction, from_state: str, actor, at, note: str = "", data: dict | None = None) -> FeedbackEvent:
    seq = (FeedbackEvent.objects.filter(feedback=feedback).order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    return FeedbackEvent.objects.create(
        feedback=feedback, seq=seq, action=action.value, from_state=from_state, to_state=feedback.state, actor=actor,
        actor_name=_actor_name(actor), at=at, note=note, data=data or {},
    )


def _create(cleaned: dict, *, channel: str, recorded_by, at: dt.datetime) -> Feedback:
    responsible = responsible_unit_for(cleaned["unit"])
    rules_row = deadlines_in_force(timezone.localdate(at))
    due = deadlines_from_receipt(calendar_for(responsible), at, rules_row.rules())
    action = FeedbackAction.RECORD if recorded_by is not None else FeedbackAction.SUBMIT
    state = next_state(action, None)
    feedback = Feedback(
        channel=channel, topic=default_topic(cleaned["subject_kind"]), responsible_unit=responsible, state=state.value,
        deadlines=rules_row, received_at=at, recorded_by=recorded_by, refuse_due_at=due.refuse, info_due_at=due.request_info,
        answer_due_at=due.answer, **cleaned,
    )
    feedback.due_at = current_due(state, feedback.answer_due_at, None)
    for _attempt in range(8):
        feedback.code = codes.new_code(timezone.localdate(at))
        feedback.refresh_search_text()
        try:
            with transaction.atomic():
                feedback.save()
            break
        except IntegrityError:
            if not Feedback.objects.filter(code=feedback.code).exists():
                raise
            feedback.pk = None
    else:  # eight collisions in a row: the day's code space is exhausted or the generator is broken
        raise RuntimeError("could not allocate a feedback tracking code")
    _event(feedback, action, "", recorded_by, at, data={"channel": channel, "responsible_unit": responsible.code})
    return feedback


@transaction.atomic
def submit_feedback(data: FeedbackInput, at: dt.datetime | None = None) -> Feedback:
    """Feedback sent through the public portal (name and contact optional)."""
    return _create(clean_feedback(data), channel=Channel.PORTAL, recorded_by=None, at=at or timezone.now())


@transaction.atomic
def record_feedback(officer, data: FeedbackInput, channel: str, received_at: dt.datetime | None = None,
                    at: dt.datetime | None = None) -> Feedback:
    """Feedback that came by hotline, suggestion box, letter or in person, entered by the unit's staff.
    `received_at` is when it arrived (a box is opened, a letter stamped) and starts the deadlines."""
    now = at or timezone.now()
    if not access.can_record(officer):
        raise FeedbackError(ErrorCode.FORBIDDEN, _("Only staff who handle feedback in a unit can record it."))
    if channel not in [c.value for c in STAFF_CHANNELS]:
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("Choose how the feedback arrived."), {"channel": [_("Choose how the feedback arrived.")]})
    if data.unit is not None and not can_see_unit(officer, data.unit):
        message = _("You can record feedback only for units you work in.")
        raise FeedbackError(ErrorCode.INVALID_INPUT, message, {"unit": [message]})
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        message = _("The time it arrived cannot be in the future.")
        raise FeedbackError(ErrorCode.INVALID_INPUT, message, {"received_at": [message]})
    if received_at < now - dt.timedelta(days=60):
        message = _("Feedback older than 60 days must be entered by the system administrator.")
        raise FeedbackError(ErrorCode.INVALID_INPUT, message, {"received_at": [message]})
    return _create(clean_feedback(data), channel=channel, recorded_by=officer, at=received_at)


# ------------------------------------------------------------------------------------------------ feedback: steps


def _lock(feedback: Feedback | int) -> Feedback:
    pk = feedback.pk if isinstance(feedback, Feedback) else feedback
    return Feedback.objects.select_for_update(of=("self",)).select_related("responsible_unit", "deadlines").get(pk=pk)


def _mark_step(row: Feedback, step: Step, at: dt.datetime, due: dt.datetime | None) -> bool:
    """Record that `step` overran its deadline, if it did; returns whether it did."""
    if not is_late(at, due):
        return False
    row.late = True
    if step.value not in row.late_steps:
        row.late_steps = [*row.late_steps, step.value]
    return True


def _act(feedback, action: FeedbackAction, *, actor, at, expected_version, apply, note: str = "", check_permission: bool = True) -> Feedback:
    at = at or timezone.now()
    with transaction.atomic():
        row = _lock(feedback)
        if expected_version is not None and row.lock_version != int(expected_version):
            raise FeedbackError(ErrorCode.CONFLICT, _("Someone else has just updated this feedback; reload the page and try again."))
        if check_permission and not access.may_perform(actor, row, action):
            if action in (FeedbackAction.ANSWER, FeedbackAction.REFUSE):
                raise FeedbackError(ErrorCode.FORBIDDEN, _("Only the leader of the responsible unit can answer or refuse this feedback."))
            raise FeedbackError(ErrorCode.FORBIDDEN, _("Only staff of the responsible unit can handle this feedback."))
        before = row.state
        try:
            target = next_state(action, FeedbackState(before))
        except TransitionNotAllowed:
            raise FeedbackError(ErrorCode.NOT_ALLOWED, _("This step is not possible in the feedback's current status.")) from None
        data = apply(row, at) or {}
        row.state = target.value
        row.due_at = current_due(target, row.answer_due_at, row.publish_due_at)
        row.lock_version += 1
        row.refresh_search_text()
        row.save()
        _event(row, action, before, actor, at, note=note, data=data)
    return row


def accept_feedback(feedback, actor, topic: str = "", note: str = "", expected_version=None, at=None) -> Feedback:
    """The unit takes the feedback up for handling, confirming its classification."""
    if topic and topic not in Topic.values:
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("Choose a classification."), {"topic": [_("Choose a classification.")]})
    note = str(note or "").strip()[:TEXT_MAX]

    def apply(row, at):
        row.accepted_at = at
        row.accepted_by = actor
        if topic:
            row.topic = topic
        return {"topic": row.topic}

    return _act(feedback, FeedbackAction.ACCEPT, actor=actor, at=at, expected_version=expected_version, apply=apply, note=note)


def refuse_feedback(feedback, actor, reason: str, expected_version=None, at=None) -> Feedback:
    """The leader refuses to handle it (outside the unit's competence, already decided, anonymous
    defamation…), with the reason the sender will read."""
    reason = _required_text(reason, "reason", _("State the reason for refusing."))

    def apply(row, at):
        late = _mark_step(row, Step.REFUSE, at, row.refuse_due_at)
        row.refused_at = row.closed_at = at
        row.refused_by = actor
        row.refusal_reason = reason
        return {"late": late}

    return _act(feedback, FeedbackAction.REFUSE, actor=actor, at=at, expected_version=expected_version, apply=apply, note=reason)


def request_info(feedback, actor, question: str, expected_version=None, at=None) -> Feedback:
    """Ask the sender for what is missing; the answer clock stops until they reply."""
    question = _required_text(question, "question", _("Say what information is needed."))

    def apply(row, at):
        late = _mark_step(row, Step.REQUEST_INFO, at, row.info_due_at)
        row.info_requested_at = at
        row.info_request = question
        row.info_reply = ""
        row.info_provided_at = None
        return {"late": late}

    return _act(feedback, FeedbackAction.REQUEST_INFO, actor=actor, at=at, expected_version=expected_version, apply=apply, note=question)


def provide_info(feedback, reply: str, actor=None, expected_version=None, at=None) -> Feedback:
    """The sender's reply (on the tracking page, or taken down by staff when it comes by phone). The answer
    deadline moves on by the office time spent waiting."""
    reply = _required_text(reply, "reply", _("Write the information requested."))

    def apply(row, at):
        previous = row.answer_due_at
        row.answer_due_at = resume_deadline(calendar_for(row.responsible_unit), row.answer_due_at, row.info_requested_at, at)
        row.info_provided_at = at
        row.info_reply = reply
        return {"answer_due_before": previous.isoformat(), "answer_due": row.answer_due_at.isoformat()}

    return _act(feedback, FeedbackAction.PROVIDE_INFO, actor=actor, at=at, expected_version=expected_version, apply=apply, note=reply,
                check_permission=actor is not None)


def answer_feedback(feedback, actor, answer: str, upheld: bool | None = None, expected_version=None, at=None) -> Feedback:
    """The responsible leader's answer. The sender's notification is queued in the same transaction, so it
    goes out exactly when the answer is saved.

    `upheld` is the unit's finding on feedback about an officer (True: the complaint was founded; False: it was
    not), which the officer's monthly evaluation counts. The staff page requires it for such feedback; None
    records it as unknown. It is refused for feedback about a procedure or a unit, which names no officer."""
    answer = _required_text(answer, "answer", _("Write the answer."), max_length=10_000)
    if upheld is not None and not isinstance(upheld, bool):
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("Choose whether the complaint was upheld."),
                            {"upheld": [_("Choose whether the complaint was upheld.")]})

    def apply(row, at):
        if upheld is not None and row.subject_kind != SubjectKind.OFFICER:
            raise FeedbackError(ErrorCode.INVALID_INPUT, _("Only feedback about an officer records whether the complaint was upheld."),
                                {"upheld": [_("Only feedback about an officer records whether the complaint was upheld.")]})
        late = _mark_step(row, Step.ANSWER, at, row.answer_due_at)
        row.answered_at = at
        row.answered_by = actor
        row.answer = answer
        row.upheld = upheld
        row.publish_due_at = publish_deadline(calendar_for(row.responsible_unit), at, row.deadlines.rules())
        _notify_answered(row)
        data = {"late": late}
        if upheld is not None:
            data["upheld"] = upheld
        return data

    return _act(feedback, FeedbackAction.ANSWER, actor=actor, at=at, expected_version=expected_version, apply=apply)


def _notify_answered(row: Feedback) -> None:
    if not (row.sender_email or row.sender_phone):
        return
    from congvu.notify import services as notify

    notify.enqueue(
        "feedback_answered", key=f"feedback:{row.pk}:answered",
        # The variables the notify templates of this kind use (congvu.notify.defaults.VARIABLES).
        context={
            "recipient_name": row.sender_name, "feedback_code": row.code, "feedback_title": row.title, "answer": row.answer,
            "answered_by": row.responsible_unit.name, "feedback_url": tracking_url(row.code),
            "answered_at": timezone.localtime(row.answered_at).strftime("%d/%m/%Y %H:%M"),
        },
        email=row.sender_email, phone=row.sender_phone,
    )


def publish_feedback(feedback, actor, public_summary: str, expected_version=None, at=None) -> Feedback:
    """Publish the answer on the portal, with a summary of the question that leaves out personal details."""
    summary = _required_text(public_summary, "public_summary", _("Write the summary of the feedback to publish."))

    def apply(row, at):
        late = _mark_step(row, Step.PUBLISH, at, row.publish_due_at)
        row.published_at = row.closed_at = at
        row.published_by = actor
        row.public_summary = summary
        return {"late": late}

    return _act(feedback, FeedbackAction.PUBLISH, actor=actor, at=at, expected_version=expected_version, apply=apply)


def give_verdict(feedback, verdict: str, note: str = "", at=None) -> Feedback:
    """The sender marks the answer satisfactory or not, once."""
    if verdict not in Verdict.values:
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("Choose satisfied or not satisfied."), {"verdict": [_("Choose satisfied or not satisfied.")]})
    note = str(note or "").replace("\x00", "").strip()
    if len(note) > COMMENT_MAX:
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("The comment is too long."), {"note": [_("At most %(n)s characters.") % {"n": COMMENT_MAX}]})

    def apply(row, at):
        if row.verdict:
            raise FeedbackError(ErrorCode.VERDICT_GIVEN, _("You have already given your opinion on this answer."))
        row.verdict = verdict
        row.verdict_at = at
        return {"verdict": verdict}

    return _act(feedback, FeedbackAction.RATE_ANSWER, actor=None, at=at, expected_version=None, apply=apply, note=note, check_permission=False)


ACTIONS = {
    FeedbackAction.ACCEPT: accept_feedback,
    FeedbackAction.REFUSE: refuse_feedback,
    FeedbackAction.REQUEST_INFO: request_info,
    FeedbackAction.PROVIDE_INFO: lambda feedback, actor, **kw: provide_info(feedback, actor=actor, **kw),
    FeedbackAction.ANSWER: answer_feedback,
    FeedbackAction.PUBLISH: publish_feedback,
}


def perform(feedback, action: FeedbackAction, actor, **params) -> Feedback:
    """One staff action by name (the staff page's single POST endpoint)."""
    return ACTIONS[action](feedback, actor, **params)


__all__ = [
    "FeedbackError", "FeedbackInput", "accept_feedback", "answer_feedback", "check_ratable", "clean_feedback", "deadlines_in_force",
    "give_verdict", "perform", "provide_info", "publish_feedback", "rating_of", "record_feedback", "refuse_feedback", "request_info",
    "responsible_unit_for", "scheme_in_force", "submit_feedback", "submit_rating",
]


# ------------------------------------------------------------------------------------------------ SIPAS rollups

# Ids are taken when a rating is inserted but become visible when its transaction commits, so on PostgreSQL a
# rating with a lower id can appear after a higher one was already rolled up. The ratings in this window below
# the checkpoint are looked at again on every refresh; a late one (the window's count grew) gets its month
# recomputed.
ROLLUP_RESCAN_MARGIN = 500


def _month_of(at: dt.datetime) -> dt.date:
    from congvu.indices.periods import DEFAULT_TIME_ZONE
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(DEFAULT_TIME_ZONE)).date().replace(day=1)


def _recompute_rating_months(buckets: set[tuple[int, dt.date]]) -> None:
    """Rebuild the rollup rows of each (handling unit id, month) from the raw ratings, one query per month."""
    from django.db.models import Count, Q

    from congvu.feedback.models import RatingMonth, RatingRollup
    from congvu.indices.periods import Period

    by_month: dict[dt.date, set[int]] = {}
    for unit_id, month in buckets:
        by_month.setdefault(month, set()).add(unit_id)
    for month, unit_ids in sorted(by_month.items()):
        period = Period.month(month.year, month.month)
        ratings = Rating.objects.filter(handling_unit_id__in=unit_ids, submitted_at__gte=period.start_instant(),
                                        submitted_at__lt=period.end_instant())
        answers = (RatingAnswer.objects.filter(rating__in=ratings.values("pk"))
                   .values("rating__handling_unit_id", "rating__scheme_id", "question", "value").annotate(n=Count("pk")).order_by())
        counts = (ratings.values("handling_unit_id").annotate(n=Count("pk"), dislikes=Count("pk", filter=Q(dislike=True))).order_by())
        RatingRollup.objects.filter(unit_id__in=unit_ids, month=month).delete()
        RatingMonth.objects.filter(unit_id__in=unit_ids, month=month).delete()
        RatingRollup.objects.bulk_create([
            RatingRollup(unit_id=row["rating__handling_unit_id"], month=month, scheme_id=row["rating__scheme_id"], question=row["question"],
                         value=row["value"], answers=row["n"])
            for row in answers
        ], batch_size=1000)
        RatingMonth.objects.bulk_create([
            RatingMonth(unit_id=row["handling_unit_id"], month=month, ratings=row["n"], dislikes=row["dislikes"]) for row in counts
        ], batch_size=1000)


def refresh_rating_rollups(limit: int | None = None) -> int:
    """Bring the monthly rating rollups up to date with the ratings submitted since the last refresh; returns how
    many new ratings were taken in. Idempotent: each touched (unit, month) is recomputed from its ratings, never
    incremented, so running it twice or concurrently (the checkpoint row is locked) gives the same rows.
    `limit` caps the new ratings taken in one call (the worker loops until 0)."""
    from congvu.feedback.models import RatingRollupCheckpoint

    with transaction.atomic():
        checkpoint = RatingRollupCheckpoint.objects.select_for_update().filter(pk=1).first()
        if checkpoint is None:
            RatingRollupCheckpoint.objects.get_or_create(pk=1)
            checkpoint = RatingRollupCheckpoint.objects.select_for_update().get(pk=1)
        last = checkpoint.last_rating_id
        window_start = max(0, last - ROLLUP_RESCAN_MARGIN)
        buckets: set[tuple[int, dt.date]] = set()
        late = Rating.objects.filter(pk__gt=window_start, pk__lte=last).count()
        if late != checkpoint.window_count:
            for unit_id, at in Rating.objects.filter(pk__gt=window_start, pk__lte=last).values_list("handling_unit_id", "submitted_at"):
                buckets.add((unit_id, _month_of(at)))
        new = Rating.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "handling_unit_id", "submitted_at")
        if limit is not None:
            new = new[:limit]
        taken = 0
        for pk, unit_id, at in new.iterator(chunk_size=5000):
            buckets.add((unit_id, _month_of(at)))
            last = pk
            taken += 1
        _recompute_rating_months(buckets)
        checkpoint.last_rating_id = last
        checkpoint.window_count = Rating.objects.filter(pk__gt=max(0, last - ROLLUP_RESCAN_MARGIN), pk__lte=last).count()
        checkpoint.refreshed_at = timezone.now()
        checkpoint.save()
    return taken


def rebuild_rating_rollups() -> int:
    """Recompute every rating rollup from the raw ratings (after a restore or a bug fix); returns the ratings seen."""
    from congvu.feedback.models import RatingMonth, RatingRollup, RatingRollupCheckpoint

    with transaction.atomic():
        RatingRollupCheckpoint.objects.select_for_update().filter(pk=1).first()
        RatingRollup.objects.all().delete()
        RatingMonth.objects.all().delete()
        RatingRollupCheckpoint.objects.update_or_create(pk=1, defaults={"last_rating_id": 0, "window_count": 0})
    return refresh_rating_rollups()


# ------------------------------------------------------------------------------------------------ official SIPAS results


def import_official_results(user, name: str, content: bytes, at: dt.datetime | None = None) -> int:
    """Import a file of official SIPAS survey results (see `official_import`); returns the rows written. All or
    nothing: any problem in any row writes nothing and raises with every problem listed by row. A row for a
    (year, unit, factor) already imported replaces it (a corrected publication)."""
    from congvu.feedback.models import OfficialSurveyResult
    from congvu.feedback.official_import import ImportFileError, check_rows, read_table

    if not access.can_import_official_results(user):
        raise FeedbackError(ErrorCode.FORBIDDEN, _("Only the reform office can import official survey results."))
    try:
        rows, problems = check_rows(read_table(name or "", content))
    except ImportFileError as error:
        raise FeedbackError(ErrorCode.INVALID_INPUT, str(error), {"file": [str(error)]}) from None
    units = {u.code: u for u in Unit.objects.filter(code__in={r.unit_code for r in rows})}
    for row in rows:
        unit = units.get(row.unit_code)
        if unit is None or not can_see_unit(user, unit):
            problems.append(_("Row %(line)s: no unit with code %(code)s in your scope.") % {"line": row.line, "code": row.unit_code})
    if not rows and not problems:
        problems.append(_("The file has no data rows."))
    if problems:
        problems.sort(key=lambda p: int("".join(ch for ch in p.split(":")[0] if ch.isdigit()) or 0))
        raise FeedbackError(ErrorCode.INVALID_INPUT, _("Nothing was imported: correct these rows and upload the file again."), {"file": problems})
    at = at or timezone.now()
    with transaction.atomic():
        for row in rows:
            OfficialSurveyResult.objects.update_or_create(
                year=row.year, unit=units[row.unit_code], factor=row.factor,
                defaults={"value": row.value, "sample_size": row.sample_size, "source": row.source, "imported_by": user, "imported_at": at},
            )
    return len(rows)
