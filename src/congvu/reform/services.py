"""Writes of the PAR index and the external indices. Each function is one transaction that changes the state
and writes its audit row (who, when, what, before, after) together; a refusal raises ParError before anything
is written."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.documents.services import DocumentError, store_upload
from congvu.indices.periods import Period
from congvu.reform import access
from congvu.reform.framework import CENT, FrameworkDef, FrameworkError, Scoring, bound_points, load_framework
from congvu.reform.models import (
    Assessment, AssessmentState, AuditEntry, Criterion, CriterionScore, Evidence, ExternalIndex, Framework, Verification,
)
from congvu.units.models import StaffProfile

EVIDENCE_TYPES = ("pdf", "jpeg", "png")

# The keys the contract between the PAR index and the indicators names (congvu.indices.selectors.METRICS),
# used only while that module cannot be imported, so that a framework is still checked against real names.
CONTRACT_METRICS = frozenset({"766.total", "on_time_rate", "online_share", "satisfaction", "received", "open_overdue", "apologies", "finished_late"})


class ParErrorCode(enum.StrEnum):
    FORBIDDEN = "forbidden"
    LOCKED = "locked"
    INVALID = "invalid"
    INCOMPLETE = "incomplete"
    EXISTS = "exists"


class ParError(Exception):
    def __init__(self, code: ParErrorCode, message: str, fields: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields or {}

    @property
    def status(self) -> int:
        return 403 if self.code == ParErrorCode.FORBIDDEN else 400


# ------------------------------------------------------------------------------------------- metrics (guarded)


def known_metrics() -> set[str]:
    try:
        from congvu.indices.selectors import METRICS
    except ImportError:
        return set(CONTRACT_METRICS)
    return set(METRICS)


def metric_label(metric: str) -> str:
    try:
        from congvu.indices.selectors import METRICS
    except ImportError:
        return metric
    found = METRICS.get(metric)
    return str(getattr(found, "label", metric)) if found is not None else metric


def measured_value(metric: str, unit, year: int) -> Decimal | None:
    """The metric's value for the unit over the framework's year, or None when nothing is measured (or the
    indicators are not installed)."""
    try:
        from congvu.indices.selectors import metric_value
    except ImportError:
        return None
    value = metric_value(metric, unit, Period.year(year))
    return None if value is None else Decimal(value)


# ------------------------------------------------------------------------------------------- audit


def _audit(actor, action: str, *, framework=None, assessment=None, external_index=None, before=None, after=None, at=None) -> AuditEntry:
    return AuditEntry.objects.create(actor=actor if getattr(actor, "pk", None) else None, action=action, framework=framework,
                                     assessment=assessment, external_index=external_index, before=before, after=after, at=at or timezone.now())


def _num(value) -> str | None:
    return None if value is None else str(value)


# ------------------------------------------------------------------------------------------- frameworks


def _criterion_dict(c: Criterion, children: dict[int | None, list[Criterion]]) -> dict:
    data = {"code": c.code, "name": c.name, "max_points": str(c.max_points), "guidance": c.guidance}
    kids = children.get(c.pk, [])
    if kids:
        data["children"] = [_criterion_dict(k, children) for k in kids]
    if c.metric:
        data["metric"] = c.metric
        data["scoring"] = c.scoring
    return data


def framework_data(framework: Framework, criteria=None) -> dict:
    """The framework as the data `load_framework` reads (also its JSON export)."""
    criteria = list(criteria if criteria is not None else framework.criteria.order_by("order", "pk"))
    children: dict[int | None, list[Criterion]] = {}
    for c in criteria:
        children.setdefault(c.parent_id, []).append(c)
    return {
        "name": framework.name, "year": framework.year, "target": framework.target, "total": str(framework.total_points),
        "bands": [[label, str(minimum)] for label, minimum in framework.band_pairs], "legal_basis": framework.legal_basis,
        "example": framework.is_example, "areas": [_criterion_dict(c, children) for c in children.get(None, [])],
    }


def framework_def(framework: Framework) -> FrameworkDef:
    return load_framework(framework_data(framework))


def scoring_of(criterion: Criterion) -> Scoring | None:
    if not criterion.metric:
        return None
    data = criterion.scoring or {}
    if data.get("method") == "thresholds":
        return Scoring("thresholds", thresholds=tuple((Decimal(str(v)), Decimal(str(p))) for v, p in data.get("thresholds", [])))
    return Scoring("proportional", scale=Decimal(str(data.get("scale", 1))))


def install_framework(data: dict, *, actor=None, year: int | None = None) -> Framework:
    """Create a framework from validated data (a JSON or Excel file read into a dict). `year` overrides the
    file's year (the example files carry none). Refused if the year and target already have a framework."""
    if year is not None:
        data = {**data, "year": year}
    try:
        definition = load_framework(data, known_metrics=known_metrics())
    except FrameworkError as error:
        raise ParError(ParErrorCode.INVALID, " ".join(error.messages), {"errors": error.messages}) from None
    with transaction.atomic():
        if Framework.objects.filter(year=definition.year, target=definition.target).exists():
            raise ParError(ParErrorCode.EXISTS, _("A framework for %(year)s and these units already exists; edit it in the administration pages.") % {"year": definition.year})
        framework = Framework.objects.create(
            name=definition.name, year=definition.year, target=definition.target, total_points=definition.total,
            bands=[[label, str(minimum)] for label, minimum in definition.bands], legal_basis=definition.legal_basis, is_example=definition.example,
        )
        order, parent_of = 0, {}
        for area in definition.areas:
            for node, _depth in area.walk():
                order += 1
                created = Criterion.objects.create(
                    framework=framework, parent=parent_of.get(node.code), code=node.code, name=node.name, max_points=node.max_points,
                    order=order, metric=node.metric, scoring=node.scoring.as_dict() if node.scoring else None, guidance=node.guidance,
                )
                parent_of.update({child.code: created for child in node.children})
        _audit(actor, "install_framework", framework=framework, after=framework_data(framework))
    return framework


def validate_rows(framework: Framework, rows: list[Criterion]) -> None:
    """Check the framework as it would be with `rows` as its criteria (the admin's edits), raise FrameworkError."""
    load_framework(framework_data(framework, rows), known_metrics=known_metrics())


def publish_results(framework: Framework, actor) -> Framework:
    if not access.is_reform_admin(actor):
        raise ParError(ParErrorCode.FORBIDDEN, _("Only the reform office publishes results."))
    with transaction.atomic():
        framework = Framework.objects.select_for_update().get(pk=framework.pk)
        if not framework.assessments.filter(state=AssessmentState.VERIFIED).exists():
            raise ParError(ParErrorCode.INCOMPLETE, _("No assessment is verified yet: there is nothing to publish."))
        before = _num(framework.published_at)
        framework.published_at = timezone.now()
        framework.save(update_fields=["published_at"])
        _audit(actor, "publish_results", framework=framework, before={"published_at": before}, after={"published_at": str(framework.published_at)})
    return framework


# ------------------------------------------------------------------------------------------- assessments


def leaves_of(framework: Framework) -> list[Criterion]:
    criteria = list(framework.criteria.order_by("order", "pk"))
    parents = {c.parent_id for c in criteria}
    return [c for c in criteria if c.pk not in parents]


def open_assessment(framework: Framework, unit, actor) -> Assessment:
    """The unit's assessment, created as a draft with a row per leaf criterion the first time it is opened."""
    if unit.kind != framework.unit_kind:
        raise ParError(ParErrorCode.INVALID, _("This framework does not assess this kind of unit."))
    existing = Assessment.objects.filter(framework=framework, unit=unit).first()
    if existing is not None:
        return existing
    probe = Assessment(framework=framework, unit=unit)
    if not (access.can_edit_assessment(actor, probe) or access.can_verify(actor, unit)):
        raise ParError(ParErrorCode.FORBIDDEN, _("Only the unit's leader or a staff member they delegated assesses the unit."))
    with transaction.atomic():
        assessment, created = Assessment.objects.get_or_create(framework=framework, unit=unit)
        if created:
            CriterionScore.objects.bulk_create([CriterionScore(assessment=assessment, criterion=c) for c in leaves_of(framework)])
            _audit(actor, "open_assessment", framework=framework, assessment=assessment, after={"state": assessment.state})
    return assessment


def _locked_for_unit(assessment: Assessment, actor) -> Assessment:
    if not access.can_edit_assessment(actor, assessment):
        raise ParError(ParErrorCode.FORBIDDEN, _("Only the unit's leader or a staff member they delegated assesses the unit."))
    locked = Assessment.objects.select_for_update().select_related("framework", "unit").get(pk=assessment.pk)
    if locked.state != AssessmentState.DRAFT:
        raise ParError(ParErrorCode.LOCKED, _("The self-assessment is submitted and can no longer be changed."))
    return locked


@dataclass
class SelfEntry:
    points: Decimal | None
    explanation: str = ""


def parse_points(text) -> Decimal | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not value.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text})
    return value


def _check_points(points: Decimal | None, criterion: Criterion, errors: dict, key: str) -> None:
    if points is None:
        return
    if points < 0 or points > criterion.max_points:
        errors[key] = _("Points must be between 0 and %(max)s.") % {"max": criterion.max_points.normalize()}
    elif points != points.quantize(CENT):
        errors[key] = _("Use at most two decimals.")


def _score_snapshot(scores) -> dict:
    return {s.criterion.code: {"self_points": _num(s.self_points), "explanation": s.explanation, "verification": s.verification,
                               "verified_points": _num(s.verified_points), "reason": s.correction_reason} for s in scores}


def save_self_assessment(assessment: Assessment, actor, entries: dict[str, SelfEntry], *, files: dict | None = None,
                         remove_evidence: list[int] | None = None) -> Assessment:
    """Save the unit's draft: points (0 … max, two decimals) and explanations of self-assessed criteria, new
    evidence files per criterion code (checked by content: PDF, JPEG, PNG), evidence to remove."""
    files = files or {}
    with transaction.atomic():
        assessment = _locked_for_unit(assessment, actor)
        scores = {s.criterion.code: s for s in assessment.scores.select_related("criterion")}
        errors: dict[str, str] = {}
        for code, entry in entries.items():
            score = scores.get(code)
            if score is None or score.criterion.metric:
                errors[code] = _("Criterion %(code)s is not assessed by the unit.") % {"code": code}
                continue
            _check_points(entry.points, score.criterion, errors, code)
        for code in files:
            if code not in scores or scores[code].criterion.metric:
                errors[code] = _("Criterion %(code)s is not assessed by the unit.") % {"code": code}
        if errors:
            raise ParError(ParErrorCode.INVALID, _("Some points are not valid."), errors)
        before = _score_snapshot(scores.values())
        for code, entry in entries.items():
            score = scores[code]
            score.self_points, score.explanation = entry.points, entry.explanation.strip()
            score.save(update_fields=["self_points", "explanation"])
        added = []
        for code, uploads in files.items():
            for upload in uploads:
                try:
                    stored = store_upload(upload, getattr(upload, "name", "") or "minh-chung", uploaded_by=actor, allowed=EVIDENCE_TYPES)
                except DocumentError as error:
                    raise ParError(ParErrorCode.INVALID, error.message, {code: error.message}) from None
                Evidence.objects.create(score=scores[code], file=stored, uploaded_by=actor)
                added.append([code, stored.original_name])
        removed = []
        if remove_evidence:
            for evidence in Evidence.objects.filter(pk__in=remove_evidence, score__assessment=assessment).select_related("file", "score__criterion"):
                removed.append([evidence.score.criterion.code, evidence.file.original_name])
                evidence.delete()
        assessment.self_score = _self_total(assessment)
        assessment.save(update_fields=["self_score"])
        after = _score_snapshot(assessment.scores.select_related("criterion"))
        _audit(actor, "save_self_assessment", framework=assessment.framework, assessment=assessment,
               before={"scores": before}, after={"scores": after, "evidence_added": added, "evidence_removed": removed})
    return assessment


def _self_total(assessment: Assessment) -> Decimal:
    total = Decimal(0)
    for s in assessment.scores.select_related("criterion"):
        total += (s.verified_points if s.criterion.metric else s.self_points) or Decimal(0)
    return total


def _score_bound(assessment: Assessment) -> None:
    """Measure every bound criterion for the framework's year and snapshot its value and points."""
    for s in assessment.scores.select_related("criterion").filter(criterion__metric__gt=""):
        value = measured_value(s.criterion.metric, assessment.unit, assessment.framework.year)
        s.metric_value = None if value is None else value.quantize(Decimal("0.0001"))
        s.verified_points = bound_points(scoring_of(s.criterion), s.criterion.max_points, value)
        s.verification = Verification.AUTOMATIC
        s.save(update_fields=["metric_value", "verified_points", "verification"])


def submit_assessment(assessment: Assessment, actor) -> Assessment:
    """Submit the draft: every self-assessed criterion needs points; bound criteria are measured now. The
    unit can no longer change it."""
    with transaction.atomic():
        assessment = _locked_for_unit(assessment, actor)
        missing = [s.criterion.code for s in assessment.scores.select_related("criterion").order_by("criterion__order")
                   if not s.criterion.metric and s.self_points is None]
        if missing:
            raise ParError(ParErrorCode.INCOMPLETE, _("Give points to every criterion before submitting; missing: %(codes)s.") % {"codes": ", ".join(missing)},
                           {code: _("Points are required.") for code in missing})
        _score_bound(assessment)
        assessment.state, assessment.submitted_at, assessment.submitted_by = AssessmentState.SUBMITTED, timezone.now(), actor
        assessment.self_score = _self_total(assessment)
        assessment.save(update_fields=["state", "submitted_at", "submitted_by", "self_score"])
        _audit(actor, "submit_assessment", framework=assessment.framework, assessment=assessment, before={"state": AssessmentState.DRAFT},
               after={"state": assessment.state, "self_score": str(assessment.self_score)})
    return assessment


@dataclass
class Decision:
    verdict: str  # Verification.ACCEPTED or Verification.CORRECTED
    points: Decimal | None = None
    reason: str = ""


def verify_assessment(assessment: Assessment, actor, decisions: dict[str, Decision], *, finish: bool = False) -> Assessment:
    """Record the reform office's verdict per self-assessed criterion: accept the unit's points, or correct
    them with a mandatory reason. With `finish`, every criterion must have a verdict; bound criteria are
    measured again and the final score (the sum of verified points) is fixed."""
    if not access.can_verify(actor, assessment.unit):
        raise ParError(ParErrorCode.FORBIDDEN, _("Only the reform office verifies self-assessments."))
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().select_related("framework", "unit").get(pk=assessment.pk)
        if assessment.state != AssessmentState.SUBMITTED:
            raise ParError(ParErrorCode.LOCKED, _("Only a submitted self-assessment can be verified."))
        scores = {s.criterion.code: s for s in assessment.scores.select_related("criterion")}
        before = _score_snapshot(scores.values())
        errors: dict[str, str] = {}
        for code, decision in decisions.items():
            score = scores.get(code)
            if score is None or score.criterion.metric:
                errors[code] = _("Criterion %(code)s is scored by the system.") % {"code": code}
            elif decision.verdict == Verification.CORRECTED:
                if decision.points is None:
                    errors[code] = _("Give the corrected points.")
                elif not decision.reason.strip():
                    errors[code] = _("A correction needs its reason.")
                else:
                    _check_points(decision.points, score.criterion, errors, code)
            elif decision.verdict not in (Verification.ACCEPTED, Verification.PENDING):
                errors[code] = _("Choose accept or correct.")
        if errors:
            raise ParError(ParErrorCode.INVALID, _("Some verdicts are not valid."), errors)
        for code, decision in decisions.items():
            score = scores[code]
            if decision.verdict == Verification.CORRECTED:
                score.verification, score.verified_points, score.correction_reason = Verification.CORRECTED, decision.points, decision.reason.strip()
            elif decision.verdict == Verification.ACCEPTED:
                score.verification, score.verified_points, score.correction_reason = Verification.ACCEPTED, score.self_points, ""
            else:
                score.verification, score.verified_points, score.correction_reason = Verification.PENDING, None, ""
            score.save(update_fields=["verification", "verified_points", "correction_reason"])
        if finish:
            pending = [s.criterion.code for s in assessment.scores.select_related("criterion").order_by("criterion__order")
                       if not s.criterion.metric and s.verification not in (Verification.ACCEPTED, Verification.CORRECTED)]
            if pending:
                transaction.set_rollback(True)
                raise ParError(ParErrorCode.INCOMPLETE, _("Accept or correct every criterion first; not verified: %(codes)s.") % {"codes": ", ".join(pending)},
                               {code: _("Accept or correct this criterion.") for code in pending})
            _score_bound(assessment)
            assessment.final_score = sum((s.verified_points or Decimal(0) for s in assessment.scores.all()), Decimal(0))
            assessment.state, assessment.verified_at, assessment.verified_by = AssessmentState.VERIFIED, timezone.now(), actor
            assessment.save(update_fields=["final_score", "state", "verified_at", "verified_by"])
        after = _score_snapshot(assessment.scores.select_related("criterion"))
        _audit(actor, "finish_verification" if finish else "save_verification", framework=assessment.framework, assessment=assessment,
               before={"state": AssessmentState.SUBMITTED, "scores": before},
               after={"state": assessment.state, "final_score": _num(assessment.final_score), "scores": after})
    return assessment


def return_assessment(assessment: Assessment, actor, reason: str) -> Assessment:
    """Send a submitted self-assessment back to the unit as a draft (a missing file, an obvious slip), with the reason."""
    if not access.can_verify(actor, assessment.unit):
        raise ParError(ParErrorCode.FORBIDDEN, _("Only the reform office verifies self-assessments."))
    if not (reason or "").strip():
        raise ParError(ParErrorCode.INVALID, _("Say why the self-assessment goes back to the unit."), {"reason": _("This field is required.")})
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().select_related("framework").get(pk=assessment.pk)
        if assessment.state != AssessmentState.SUBMITTED:
            raise ParError(ParErrorCode.LOCKED, _("Only a submitted self-assessment can be sent back."))
        assessment.state = AssessmentState.DRAFT
        assessment.save(update_fields=["state"])
        assessment.scores.filter(criterion__metric="").update(verification=Verification.PENDING, verified_points=None, correction_reason="")
        _audit(actor, "return_assessment", framework=assessment.framework, assessment=assessment, before={"state": AssessmentState.SUBMITTED},
               after={"state": AssessmentState.DRAFT, "reason": reason.strip()})
    return assessment


def set_delegates(assessment: Assessment, actor, users) -> Assessment:
    """The unit leader names the staff of the unit who may fill in the self-assessment with them."""
    if not access.is_unit_leader_of(actor, assessment.unit):
        raise ParError(ParErrorCode.FORBIDDEN, _("Only the unit's leader delegates the self-assessment."))
    users = list(users)
    outside = [u for u in users if not StaffProfile.objects.filter(user=u, unit=assessment.unit).exists()]
    if outside:
        raise ParError(ParErrorCode.INVALID, _("Only staff of the unit itself can be delegated."))
    with transaction.atomic():
        before = sorted(assessment.delegates.values_list("username", flat=True))
        assessment.delegates.set(users)
        _audit(actor, "set_delegates", framework=assessment.framework, assessment=assessment, before={"delegates": before},
               after={"delegates": sorted(u.username for u in users)})
    return assessment


# ------------------------------------------------------------------------------------------- external indices

EXTERNAL_FIELDS = ("year", "kind", "unit", "score", "rank", "ranked_count", "source", "note")


def _external_snapshot(item: ExternalIndex) -> dict:
    return {"year": item.year, "kind": item.kind, "unit": item.unit.code if item.unit_id else None, "score": _num(item.score),
            "rank": item.rank, "ranked_count": item.ranked_count, "source": item.source, "note": item.note}


def save_external_index(actor, values: dict, instance: ExternalIndex | None = None) -> ExternalIndex:
    """Create or change one external index (values already cleaned by the form)."""
    if not access.is_reform_admin(actor):
        raise ParError(ParErrorCode.FORBIDDEN, _("Only the reform office enters external indices."))
    with transaction.atomic():
        item = instance if instance is not None else ExternalIndex()
        before = _external_snapshot(item) if item.pk else None
        for name in EXTERNAL_FIELDS:
            setattr(item, name, values.get(name))
        item.source, item.note = (item.source or "").strip(), (item.note or "").strip()
        clash = ExternalIndex.objects.filter(year=item.year, kind=item.kind, unit=item.unit).exclude(pk=item.pk).exists()
        if clash:
            raise ParError(ParErrorCode.EXISTS, _("This index is already entered for this year and unit."), {"kind": _("This index is already entered for this year and unit.")})
        item.updated_at = timezone.now()
        item.save()
        _audit(actor, "save_external_index", external_index=item, before=before, after=_external_snapshot(item))
    return item
