"""Writes of the monthly evaluation. Each function is one transaction that changes the sheet(s) and writes one
event per sheet changed; a refusal raises django.core.exceptions.ValidationError (Vietnamese) before anything
is written. An approved sheet is locked: every function here refuses it except `reopen_sheet`."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.documents.services import DocumentError, store_upload
from congvu.evaluation import access
from congvu.evaluation.arithmetic import PointsError, band_for, check_points, missing, quota_check, total_points
from congvu.evaluation.framework import FrameworkError, load_framework
from congvu.evaluation.models import Assignment, EventAction, Evidence, Framework, Sheet, SheetEvent, SheetScore, SheetState
from congvu.units.models import StaffProfile, Unit
from congvu.units.selectors import ancestors_of

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = {"decree_335": "decree_335_2025.json", "hanoi_3814": "hanoi_3814_2018.json"}
EVIDENCE_TYPES = ("pdf", "jpeg", "png")
EDITABLE_BY_PERSON = (SheetState.DRAFT, SheetState.SELF_ASSESSED)
SCORABLE = (SheetState.SELF_ASSESSED, SheetState.SCORED)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _event(sheet: Sheet, actor, action: str, from_state: str, *, reason: str = "", data=None) -> SheetEvent:
    return SheetEvent.objects.create(sheet=sheet, actor=actor if getattr(actor, "pk", None) else None, action=action, from_state=from_state,
                                     to_state=sheet.state, reason=reason, data=data)


def _who(user) -> str:
    return user.get_full_name() or user.get_username()


# ------------------------------------------------------------------------------------------------ frameworks


def shipped_definition(key: str) -> dict:
    return json.loads((DATA / SHIPPED[key]).read_text("utf-8"))


@transaction.atomic
def install_framework(definition: dict) -> Framework:
    """Store a framework version. Installing the same definition again returns the stored row (idempotent); a
    different definition under an existing code and version is refused: it must be a new version."""
    try:
        parsed = load_framework(definition)
    except FrameworkError as error:
        raise ValidationError(error.messages) from None
    existing = Framework.objects.filter(code=parsed.code, version=parsed.version).first()
    if existing is not None:
        if existing.definition != definition:
            raise ValidationError(_("Version %(version)s of framework %(code)s already exists with other content: give the change a new version number.")
                                  % {"version": parsed.version, "code": parsed.code})
        return existing
    framework = Framework(definition=definition)
    framework.copy_from(parsed)
    framework.save()
    return framework


@transaction.atomic
def assign_framework(framework: Framework, unit: Unit, year: int, *, include_subunits: bool = True, quota_exception: bool = False,
                     note: str = "") -> Assignment:
    if not framework.is_active:
        raise ValidationError(_("This framework version is no longer active."))
    assignment, _created = Assignment.objects.update_or_create(
        unit=unit, year=year, defaults={"framework": framework, "include_subunits": include_subunits, "quota_exception": quota_exception, "note": note})
    return assignment


def assignment_for(unit: Unit, year: int) -> Assignment | None:
    """The nearest assignment for the year: the unit's own, else the closest unit above that covers its subunits."""
    chain = [unit, *reversed(ancestors_of(unit))]
    found = {a.unit_id: a for a in Assignment.objects.filter(unit__in=[u.pk for u in chain], year=year).select_related("framework")}
    for position, u in enumerate(chain):
        a = found.get(u.pk)
        if a is not None and (position == 0 or a.include_subunits):
            return a
    return None


# ------------------------------------------------------------------------------------------------ opening sheets


def rating_unit(profile: StaffProfile) -> Unit:
    """The unit whose leaders rate this person: their own unit if someone other than them leads it, else the
    nearest unit above that has a leader (a one-stop desk without its own leader is rated by its ward; the
    head of a unit always by the level above)."""
    chain = [profile.unit, *reversed(ancestors_of(profile.unit))]
    if profile.is_head and len(chain) > 1:
        chain = chain[1:]  # the head is never rated by their own deputies
    for unit in chain:
        if access.leaders_of(unit, profile.user_id).exists():
            return unit
    return profile.unit


def _facts(user_ids: list[int], year: int, month: int) -> dict[int, dict]:
    from congvu.evaluation.prefill import facts_for

    start, end = month_bounds(year, month)
    return {uid: f.as_dict() for uid, f in facts_for(user_ids, start, end).items()}


def _suggestions(facts: dict, framework: Framework) -> dict[str, Decimal]:
    from congvu.evaluation.prefill import StaffMonthFacts
    from congvu.evaluation.suggest import suggest

    if not facts:
        return {}
    suggested = suggest(StaffMonthFacts.from_dict(facts), framework.spec.criteria_dicts())
    criteria = {c.code: c for c in framework.spec.criteria()}
    # A suggestion is only a starting point for the leader; keep it within the criterion's scale.
    return {code: min(max(Decimal(v), Decimal(0)), criteria[code].max_points).quantize(Decimal("0.01"))
            for code, v in suggested.items() if code in criteria and v is not None}


def _check_period(year: int, month: int) -> None:
    if not (2000 <= int(year) <= 2100 and 1 <= int(month) <= 12):
        raise ValidationError(_("Choose a month between 1 and 12 of a year such as 2026."))
    today = timezone.localdate()
    if (year, month) > (today.year, today.month):
        raise ValidationError(_("A sheet cannot be opened for a month that has not started yet."))


def open_sheets(profiles: Iterable[StaffProfile], year: int, month: int, *, actor=None) -> list[Sheet]:
    """The month's sheets of these staff members, created where missing with the system's facts (gathered for
    everyone in one batch) and the suggested points. Existing sheets are returned unchanged."""
    _check_period(year, month)
    profiles = list(profiles)
    existing = {s.user_id: s for s in Sheet.objects.filter(user_id__in=[p.user_id for p in profiles], year=year, month=month)}
    todo = [p for p in profiles if p.user_id not in existing]
    if todo:
        plans = []
        for profile in todo:
            unit = rating_unit(profile)
            assignment = assignment_for(unit, year)
            if assignment is None:
                raise ValidationError(_("No evaluation framework is assigned to %(unit)s for %(year)s.") % {"unit": unit.name, "year": year})
            plans.append((profile, unit, assignment.framework))
        facts = _facts([p.user_id for p in todo], year, month)
        with transaction.atomic():
            for profile, unit, framework in plans:
                sheet_facts = facts.get(profile.user_id, {})
                sheet, created = Sheet.objects.get_or_create(user_id=profile.user_id, year=year, month=month, defaults={
                    "unit": unit, "framework": framework, "facts": sheet_facts, "facts_at": timezone.now()})
                if created:
                    suggested = _suggestions(sheet_facts, framework)
                    SheetScore.objects.bulk_create([SheetScore(sheet=sheet, criterion=c.code, suggested_points=suggested.get(c.code))
                                                    for c in framework.spec.criteria()])
                    _event(sheet, actor, EventAction.CREATED, "", data={"framework": f"{framework.code} v{framework.version}"})
                existing[profile.user_id] = sheet
    return [existing[p.user_id] for p in profiles]


def open_sheet(user, year: int, month: int, *, actor=None) -> Sheet:
    profile = StaffProfile.objects.select_related("unit").filter(user=user).first()
    if profile is None:
        raise ValidationError(_("This account is not attached to a unit, so it has no evaluation sheet."))
    return open_sheets([profile], year, month, actor=actor)[0]


def staff_rated_by(unit: Unit) -> list[StaffProfile]:
    """Active staff whose rating unit is `unit`: its own staff (less a head rated above) and the staff of units
    under it that have no leader of their own."""
    profiles = (StaffProfile.objects.filter(unit__path__startswith=unit.path, user__is_active=True)
                .select_related("unit", "user").order_by("unit__path", "user__last_name", "user__first_name", "user__username"))
    return [p for p in profiles if rating_unit(p).pk == unit.pk]


def open_unit_month(unit: Unit, year: int, month: int, actor) -> list[Sheet]:
    if not access.can_view_unit(actor, unit):
        raise ValidationError(_("Only the unit's leaders open its evaluation sheets."))
    return open_sheets(staff_rated_by(unit), year, month, actor=actor)


@transaction.atomic
def refresh_facts(sheet: Sheet, actor) -> Sheet:
    """Gather the month's facts again (a late inspection record, a complaint answered after the sheet opened)."""
    sheet = Sheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.is_locked:
        raise ValidationError(_("This sheet is approved and locked; it changes only through a recorded reopening."))
    if not (access.can_self_assess(actor, sheet) or access.can_score(actor, sheet)):
        raise ValidationError(_("You may not change this sheet."))
    sheet.facts = _facts([sheet.user_id], sheet.year, sheet.month).get(sheet.user_id, {})
    sheet.facts_at = timezone.now()
    sheet.save(update_fields=["facts", "facts_at"])
    suggested = _suggestions(sheet.facts, sheet.framework)
    for score in sheet.scores.all():
        score.suggested_points = suggested.get(score.criterion)
        score.save(update_fields=["suggested_points"])
    _event(sheet, actor, EventAction.FACTS_REFRESHED, sheet.state)
    return sheet


# ------------------------------------------------------------------------------------------------ self-assessment


def _parse(sheet: Sheet, points: Mapping[str, object]) -> dict[str, Decimal | None]:
    try:
        return check_points(sheet.framework.spec, points)
    except PointsError as error:
        raise ValidationError({error.code: error.message}) from None


def save_self_assessment(sheet: Sheet, actor, points: Mapping[str, object], comments: Mapping[str, str] | None = None, *,
                         comment: str = "", files: Mapping[str, list] | None = None, submit: bool = False) -> Sheet:
    """The person's own points and explanations per criterion, with evidence files; `submit` sends the sheet to
    the leader (every criterion then needs points). Editable until the leader scores it."""
    if not access.can_self_assess(actor, sheet):
        raise ValidationError(_("Only the person evaluated fills in their self-assessment."))
    parsed = _parse(sheet, points)
    spec = sheet.framework.spec
    if submit:
        lacking = missing(spec, parsed)
        if lacking:
            raise ValidationError(_("Give points for every criterion before sending: %(names)s.") % {"names": "; ".join(c.name for c in lacking)})
    with transaction.atomic():
        locked = Sheet.objects.select_for_update().get(pk=sheet.pk)
        if locked.state not in EDITABLE_BY_PERSON:
            raise ValidationError(_("The leader has already scored this sheet; the self-assessment can no longer change."))
        before = locked.state
        scores = {s.criterion: s for s in locked.scores.all()}
        for c in spec.criteria():
            score = scores.get(c.code) or SheetScore(sheet=locked, criterion=c.code)
            score.self_points = parsed.get(c.code)
            score.self_comment = ((comments or {}).get(c.code) or "").strip()
            score.save()
            for upload in (files or {}).get(c.code, []) or []:
                try:
                    stored = store_upload(upload, getattr(upload, "name", "") or "minh-chung", uploaded_by=actor, allowed=EVIDENCE_TYPES)
                except DocumentError as error:
                    raise ValidationError({c.code: _("Evidence for “%(name)s”: %(error)s") % {"name": c.name, "error": error}}) from None
                Evidence.objects.create(score=score, file=stored, uploaded_by=actor)
        locked.self_total = total_points(spec, parsed) if not missing(spec, parsed) else None
        locked.self_comment = (comment or "").strip()
        if submit:
            locked.state = SheetState.SELF_ASSESSED
            locked.self_assessed_at = timezone.now()
        locked.save()
        _event(locked, actor, EventAction.SUBMITTED if submit else EventAction.SELF_ASSESSED, before,
               data={"self_total": None if locked.self_total is None else str(locked.self_total)})
    return locked


# ------------------------------------------------------------------------------------------------ scoring


def _apply_score(sheet: Sheet, actor, parsed: Mapping[str, Decimal | None], comments: Mapping[str, str], leader_comment: str,
                 data_extra: dict | None = None) -> None:
    spec = sheet.framework.spec
    before = sheet.state
    scores = {s.criterion: s for s in sheet.scores.all()}
    for c in spec.criteria():
        score = scores.get(c.code) or SheetScore(sheet=sheet, criterion=c.code)
        score.leader_points = parsed[c.code]
        score.leader_comment = (comments.get(c.code) or "").strip()
        score.save()
    sheet.points = total_points(spec, parsed)
    band = band_for(spec, sheet.points)
    sheet.band, sheet.level = band.code, band.level
    sheet.leader_comment = (leader_comment or "").strip()
    sheet.state = SheetState.SCORED
    sheet.scored_by, sheet.scored_at = actor, timezone.now()
    sheet.save()
    _event(sheet, actor, EventAction.SCORED, before, data={"points": str(sheet.points), "band": sheet.band, **(data_extra or {})})


def _check_scorer(sheet: Sheet, actor) -> None:
    if not access.can_score(actor, sheet):
        raise ValidationError(_("Only %(name)s's direct leader scores this sheet.") % {"name": _who(sheet.user)})
    if sheet.is_locked:
        raise ValidationError(_("This sheet is approved and locked; it changes only through a recorded reopening."))
    if sheet.state not in SCORABLE:
        raise ValidationError(_("%(name)s has not sent the self-assessment yet.") % {"name": _who(sheet.user)})


def score_sheet(sheet: Sheet, actor, points: Mapping[str, object], comments: Mapping[str, str] | None = None, *, leader_comment: str = "") -> Sheet:
    """The leader's points for every criterion; the total, band and level follow from the framework."""
    parsed = _parse(sheet, points)
    lacking = missing(sheet.framework.spec, parsed)
    if lacking:
        raise ValidationError(_("Give points for every criterion: %(names)s.") % {"names": "; ".join(c.name for c in lacking)})
    with transaction.atomic():
        locked = Sheet.objects.select_for_update().select_related("framework", "user").get(pk=sheet.pk)
        _check_scorer(locked, actor)
        _apply_score(locked, actor, parsed, comments or {}, leader_comment)
    return locked


@transaction.atomic
def accept_suggestions(sheets: Iterable[Sheet], actor) -> list[Sheet]:
    """One click on the unit's board: score every self-assessed sheet the actor scores with the system's
    suggestion where there is one and the person's own points elsewhere. Sheets already scored or not yet
    self-assessed are left alone; one event per sheet scored."""
    done = []
    for sheet in sheets:
        locked = Sheet.objects.select_for_update().select_related("framework", "user").get(pk=sheet.pk)
        if locked.state != SheetState.SELF_ASSESSED or not access.can_score(actor, locked):
            continue
        points = {s.criterion: (s.suggested_points if s.suggested_points is not None else s.self_points) for s in locked.scores.all()}
        parsed = _parse(locked, points)
        if missing(locked.framework.spec, parsed):
            continue
        _apply_score(locked, actor, parsed, {s.criterion: s.leader_comment for s in locked.scores.all()}, locked.leader_comment,
                     {"from": "suggestions"})
        done.append(locked)
    return done


# ------------------------------------------------------------------------------------------------ approval, reopening


def quota_for(unit: Unit, year: int, month: int, sheets=None):
    """The quota check of a unit's month over the bands of its scored and approved sheets."""
    sheets = list(sheets if sheets is not None else Sheet.objects.filter(unit=unit, year=year, month=month).select_related("framework"))
    rated = [s for s in sheets if s.state in (SheetState.SCORED, SheetState.APPROVED) and s.band]
    if not rated:
        return None
    assignment = assignment_for(unit, year)
    exception = bool(assignment and assignment.unit_id == unit.pk and assignment.quota_exception)
    return quota_check(rated[0].framework.spec, [s.band for s in rated], exception=exception)


@transaction.atomic
def approve_month(unit: Unit, year: int, month: int, actor) -> list[Sheet]:
    """The head approves the unit's month: every sheet must be scored, the top band within the quota; the scored
    sheets become approved and locked, one event each."""
    sheets = list(Sheet.objects.select_for_update().filter(unit=unit, year=year, month=month).select_related("framework", "user")
                  .order_by("user__username"))
    if not sheets:
        raise ValidationError(_("The unit has no evaluation sheet for %(month)02d/%(year)s.") % {"month": month, "year": year})
    pending = [s for s in sheets if s.state in (SheetState.DRAFT, SheetState.SELF_ASSESSED)]
    if pending:
        raise ValidationError(_("%(count)s sheet(s) are not scored yet: %(names)s.") % {"count": len(pending), "names": ", ".join(_who(s.user) for s in pending)})
    to_approve = [s for s in sheets if s.state == SheetState.SCORED]
    if not to_approve:
        raise ValidationError(_("Every sheet of this month is already approved."))
    refused = [s for s in to_approve if not access.can_approve(actor, s)]
    if refused:
        raise ValidationError(_("You may not approve the sheet(s) of %(names)s: the head of the unit approves, and nobody approves their own sheet.")
                              % {"names": ", ".join(_who(s.user) for s in refused)})
    frameworks = {s.framework_id for s in sheets}
    if len(frameworks) > 1:
        raise ValidationError(_("The sheets of this month were scored under different frameworks; reopen and rescore them under one."))
    check = quota_for(unit, year, month, sheets)
    if check is not None and not check.ok:
        raise ValidationError(check.message)
    now = timezone.now()
    for sheet in to_approve:
        sheet.state, sheet.approved_by, sheet.approved_at = SheetState.APPROVED, actor, now
        sheet.save(update_fields=["state", "approved_by", "approved_at"])
        _event(sheet, actor, EventAction.APPROVED, SheetState.SCORED, data={"points": str(sheet.points), "band": sheet.band,
                                                                              "quota": check.message if check else ""})
    return to_approve


@transaction.atomic
def reopen_sheet(sheet: Sheet, actor, reason: str) -> Sheet:
    """Unlock an approved sheet back to scored, so the leader can correct it and the head approve it again; the
    reason is recorded with who reopened it."""
    reason = " ".join((reason or "").split())
    locked = Sheet.objects.select_for_update().select_related("user").get(pk=sheet.pk)
    if not access.can_approve(actor, locked):
        raise ValidationError(_("Only the head of the unit reopens an approved sheet."))
    if not locked.is_locked:
        raise ValidationError(_("Only an approved sheet can be reopened."))
    if len(reason) < 10:
        raise ValidationError(_("Write the reason for reopening (at least 10 characters)."))
    locked.state, locked.approved_by, locked.approved_at = SheetState.SCORED, None, None
    locked.save(update_fields=["state", "approved_by", "approved_at"])
    _event(locked, actor, EventAction.REOPENED, SheetState.APPROVED, reason=reason)
    return locked
