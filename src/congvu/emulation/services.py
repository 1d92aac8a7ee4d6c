"""Writes of emulation and commendation. Each function checks who acts (PermissionDenied with a Vietnamese
message) and what is asked (ValidationError with Vietnamese messages) before writing anything, then changes the
state and writes one audit row in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from congvu.core.text import fold
from congvu.emulation import access, selectors
from congvu.emulation.eligibility import evaluate
from congvu.emulation.models import (
    AuditEntry, Award, CommendationDecision, Initiative, InitiativeScope, Movement, MovementCriterion, MovementState, Participant,
    Proposal, ProposalLine, ProposalState, Score,
)
from congvu.emulation.titles import catalogue
from congvu.units.models import StaffProfile, Unit


def _audit(actor, action: str, subject, **data) -> AuditEntry:
    label = f"{type(subject).__name__.lower()}:{subject.pk}"
    return AuditEntry.objects.create(actor=actor if getattr(actor, "pk", None) else None, action=action, subject=label, data=data)


def _name(user) -> str:
    return user.get_full_name() or user.username


def _year(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        raise ValidationError({"year": "Năm phải từ 2000 đến 2100."})
    return value


# ------------------------------------------------------------------------------------------------ movements


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    name: str
    max_points: Decimal


def launch_movement(actor, *, name: str, year: int, start: dt.date, end: dt.date, organiser: Unit, description: str = "",
                    criteria: list[CriterionSpec]) -> Movement:
    if not access.can_launch_movement(actor, organiser):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị tổ chức hoặc Ban Thi đua – Khen thưởng (cơ quan cải cách) được phát động phong trào.")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors.setdefault("name", []).append("Nhập tên phong trào.")
    _year(year)
    if end < start:
        errors.setdefault("end", []).append("Ngày kết thúc không được trước ngày bắt đầu.")
    if not criteria:
        errors.setdefault("criteria", []).append("Phong trào cần ít nhất một tiêu chí chấm điểm.")
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        errors.setdefault("criteria", []).append("Mã tiêu chí bị trùng.")
    if any(c.max_points <= 0 or not c.name.strip() or not c.code.strip() for c in criteria):
        errors.setdefault("criteria", []).append("Mỗi tiêu chí cần mã, tên và điểm tối đa lớn hơn 0.")
    if Movement.objects.filter(organiser=organiser, name=name, year=year).exists():
        errors.setdefault("name", []).append("Đơn vị đã phát động phong trào cùng tên trong năm này.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        movement = Movement.objects.create(name=name, year=year, start=start, end=end, organiser=organiser, description=description,
                                           created_by=actor)
        MovementCriterion.objects.bulk_create(MovementCriterion(movement=movement, code=c.code.strip(), name=c.name.strip(),
                                                                max_points=c.max_points, order=i) for i, c in enumerate(criteria))
        _audit(actor, "launch_movement", movement, name=name, criteria=[[c.code, c.name, str(c.max_points)] for c in criteria])
    return movement


def register_participant(actor, movement: Movement, *, unit: Unit, commitment: str, person=None, at=None) -> Participant:
    """Register the unit (person None) or a person of the unit, with their written commitment."""
    if not access.can_register(actor, movement, unit, person):
        raise PermissionDenied("Bạn không được đăng ký đơn vị hoặc cá nhân này vào phong trào.")
    if movement.state != MovementState.OPEN:
        raise ValidationError("Phong trào đã kết thúc, không nhận đăng ký.")
    if not (commitment or "").strip():
        raise ValidationError({"commitment": "Nhập nội dung đăng ký, cam kết thi đua."})
    if person is not None and not StaffProfile.objects.filter(user=person, unit=unit).exists():
        raise ValidationError({"person": "Người này không thuộc đơn vị đã chọn."})
    existing = movement.participants.filter(user=person) if person is not None else movement.participants.filter(unit=unit, user__isnull=True)
    if existing.exists():
        raise ValidationError("Đã đăng ký vào phong trào này rồi.")
    with transaction.atomic():
        participant = Participant.objects.create(movement=movement, unit=unit, user=person, commitment=commitment.strip(),
                                                 registered_by=actor, registered_at=at or timezone.now())
        _audit(actor, "register", movement, participant=participant.pk, unit=unit.code, person=person.pk if person else None)
    return participant


def score_participant(actor, participant: Participant, points: dict[str, tuple[Decimal | None, str]]) -> Participant:
    """Points per criterion code (None clears a score); the total is rewritten from the rows."""
    movement = participant.movement
    if not access.can_manage_movement(actor, movement):
        raise PermissionDenied("Chỉ đơn vị tổ chức phong trào chấm điểm.")
    if movement.state != MovementState.OPEN:
        raise ValidationError("Phong trào đã kết thúc, không chấm điểm được nữa.")
    criteria = {c.code: c for c in movement.criteria.all()}
    errors = {}
    for code, (value, _note) in points.items():
        c = criteria.get(code)
        if c is None:
            errors[code] = "Tiêu chí không thuộc phong trào này."
        elif value is not None and not (Decimal(0) <= value <= c.max_points):
            errors[code] = f"Điểm tiêu chí {c.code} phải từ 0 đến {c.max_points.normalize():f}."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for code, (value, note) in points.items():
            c = criteria[code]
            if value is None:
                Score.objects.filter(participant=participant, criterion=c).delete()
            else:
                Score.objects.update_or_create(participant=participant, criterion=c, defaults={
                    "points": value, "note": note or "", "scored_by": actor, "scored_at": timezone.now()})
        total = sum((s.points for s in participant.scores.all()), Decimal(0))
        before = participant.total_points
        participant.total_points = total
        participant.save(update_fields=["total_points"])
        _audit(actor, "score", movement, participant=participant.pk, before=str(before), after=str(total))
    return participant


def close_movement(actor, movement: Movement) -> Movement:
    if not access.can_manage_movement(actor, movement):
        raise PermissionDenied("Chỉ đơn vị tổ chức phong trào kết thúc phong trào.")
    if movement.state == MovementState.CLOSED:
        raise ValidationError("Phong trào đã kết thúc.")
    with transaction.atomic():
        movement.state = MovementState.CLOSED
        movement.save(update_fields=["state"])
        _audit(actor, "close_movement", movement)
    return movement


# ------------------------------------------------------------------------------------------------ initiatives


def _initiative_search(initiative: Initiative) -> str:
    return fold(" ".join([initiative.title, initiative.unit.name] + [_name(a) for a in initiative.authors.all()]))


def record_initiative(actor, *, title: str, unit: Unit, year: int, authors: list, summary: str = "") -> Initiative:
    if not access.can_record_initiative(actor, unit):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị hoặc cơ quan thi đua, khen thưởng ghi nhận sáng kiến của đơn vị.")
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Nhập tên sáng kiến."
    _year(year)
    if not authors:
        errors["authors"] = "Sáng kiến cần ít nhất một tác giả."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        initiative = Initiative.objects.create(title=title.strip(), unit=unit, year=year, summary=summary, created_by=actor)
        initiative.authors.set(authors)
        initiative.search_text = _initiative_search(initiative)
        initiative.save(update_fields=["search_text"])
        _audit(actor, "record_initiative", initiative, title=initiative.title, authors=[a.pk for a in authors])
    return initiative


def recognise_initiative(actor, initiative: Initiative, *, scope: str, recognised_by: str, decision_number: str,
                         decision_date: dt.date) -> Initiative:
    if scope not in InitiativeScope.values:
        raise ValidationError({"scope": "Chọn phạm vi ảnh hưởng của sáng kiến."})
    if not access.can_recognise(actor, initiative, scope):
        raise PermissionDenied("Sáng kiến có phạm vi ảnh hưởng toàn tỉnh trở lên do cơ quan thi đua, khen thưởng cấp tỉnh công nhận; "
                               "phạm vi cơ sở do lãnh đạo đơn vị công nhận.")
    errors = {}
    if not (decision_number or "").strip():
        errors["decision_number"] = "Nhập số quyết định công nhận."
    if decision_date is None:
        errors["decision_date"] = "Nhập ngày quyết định công nhận."
    elif decision_date.year < initiative.year:
        errors["decision_date"] = "Ngày công nhận không được trước năm của sáng kiến."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = initiative.scope
        initiative.scope, initiative.recognised_by = scope, (recognised_by or "").strip()
        initiative.decision_number, initiative.decision_date = decision_number.strip(), decision_date
        initiative.save(update_fields=["scope", "recognised_by", "decision_number", "decision_date"])
        _audit(actor, "recognise_initiative", initiative, before=before, scope=scope, decision=initiative.decision_number)
    return initiative


# ------------------------------------------------------------------------------------------------ proposals


def _reasons(verdict) -> list:
    return [[c.met, c.text] for c in verdict.checks]


def compute_proposal(actor, unit: Unit, year: int) -> Proposal:
    """Compute (or recompute, while a draft) the unit's proposal for the year. A reviewer's change of a line is
    kept across recomputation when the engine's verdict is unchanged; otherwise the line returns to the verdict."""
    _year(year)
    if not access.can_review_proposal(actor, unit):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị (hoặc cơ quan thi đua, khen thưởng cấp tỉnh) lập đề nghị khen thưởng của đơn vị.")
    existing = Proposal.objects.filter(unit=unit, year=year).first()
    if existing is not None and existing.state != ProposalState.DRAFT:
        raise ValidationError("Đề nghị đã gửi, không tính lại được.")
    cat = catalogue()
    facts = selectors.proposal_facts(unit, year, cat.lookback())
    outcome = evaluate(cat, year, facts.people, facts.unit)
    with transaction.atomic():
        proposal, _created = Proposal.objects.select_for_update().get_or_create(unit=unit, year=year)
        if proposal.state != ProposalState.DRAFT:
            raise ValidationError("Đề nghị đã gửi, không tính lại được.")
        kept = {(line.user_id, line.title): line for line in proposal.lines.all()}
        proposal.lines.all().delete()
        lines, order = [], 0
        for title in cat.collective:
            v = outcome.unit[title.code]
            old = kept.get((None, title.code))
            keep = old is not None and old.qualifies == v.qualifies and old.is_adjusted
            lines.append(ProposalLine(proposal=proposal, user=None, title=title.code, qualifies=v.qualifies, reasons=_reasons(v),
                                      provisional=v.provisional, proposed=old.proposed if keep else v.qualifies,
                                      adjustment_reason=old.adjustment_reason if keep else "", adjusted_by=old.adjusted_by if keep else None,
                                      order=order))
            order += 1
        for member in facts.members:
            result = facts.results.get(member.user_id)
            for title in cat.individual:
                v = outcome.people[member.user_id][title.code]
                old = kept.get((member.user_id, title.code))
                keep = old is not None and old.qualifies == v.qualifies and old.is_adjusted
                lines.append(ProposalLine(
                    proposal=proposal, user=member.user, title=title.code, qualifies=v.qualifies, reasons=_reasons(v),
                    level=getattr(result, "level", ""), level_label=getattr(result, "label", ""), points=getattr(result, "points", None),
                    provisional=v.provisional, proposed=old.proposed if keep else v.qualifies,
                    adjustment_reason=old.adjustment_reason if keep else "", adjusted_by=old.adjusted_by if keep else None, order=order))
                order += 1
        ProposalLine.objects.bulk_create(lines)
        proposal.provisional = any(line.provisional for line in lines) or any(
            getattr(facts.results.get(m.user_id), "level", "") == "" for m in facts.members)
        proposal.computed_at, proposal.computed_by = timezone.now(), actor
        proposal.save(update_fields=["provisional", "computed_at", "computed_by"])
        _audit(actor, "compute_proposal", proposal, members=len(facts.members), qualifying=sum(1 for line in lines if line.qualifies))
    return proposal


def adjust_line(actor, line: ProposalLine, *, proposed: bool, reason: str) -> ProposalLine:
    """The reviewer proposes someone the engine did not (or withdraws someone it did), always with a reason;
    setting a line back to the engine's verdict clears the reason."""
    proposal = line.proposal
    if not access.can_review_proposal(actor, proposal.unit):
        raise PermissionDenied("Bạn không được sửa đề nghị khen thưởng của đơn vị này.")
    if proposal.state != ProposalState.DRAFT:
        raise ValidationError("Đề nghị đã gửi, không sửa được.")
    reason = (reason or "").strip()
    if proposed != line.qualifies and not reason:
        raise ValidationError({"reason": "Nêu lý do khi đề nghị khác với kết quả xét tự động."})
    with transaction.atomic():
        before = [line.proposed, line.adjustment_reason]
        line.proposed = proposed
        line.adjustment_reason = reason if proposed != line.qualifies else ""
        line.adjusted_by = actor if proposed != line.qualifies else None
        line.save(update_fields=["proposed", "adjustment_reason", "adjusted_by"])
        _audit(actor, "adjust_line", proposal, line=line.pk, title=line.title, user=line.user_id, before=before,
               after=[line.proposed, line.adjustment_reason])
    return line


def submit_proposal(actor, proposal: Proposal) -> Proposal:
    if not access.can_review_proposal(actor, proposal.unit):
        raise PermissionDenied("Bạn không được gửi đề nghị khen thưởng của đơn vị này.")
    if proposal.state != ProposalState.DRAFT:
        raise ValidationError("Đề nghị đã được gửi.")
    if proposal.computed_at is None:
        raise ValidationError("Chưa tính đề nghị: bấm «Tính lại» trước khi gửi.")
    if proposal.provisional:
        raise ValidationError("Kết quả xếp loại năm còn tạm tính (còn tháng chưa khóa hoặc người chưa được xếp loại): "
                              "tính lại sau khi mọi phiếu đánh giá của năm đã khóa rồi gửi.")
    with transaction.atomic():
        proposal.state, proposal.submitted_at, proposal.submitted_by = ProposalState.SUBMITTED, timezone.now(), actor
        proposal.save(update_fields=["state", "submitted_at", "submitted_by"])
        _audit(actor, "submit_proposal", proposal, proposed=proposal.lines.filter(proposed=True).count())
    return proposal


# ------------------------------------------------------------------------------------------------ decisions


@dataclass(frozen=True)
class AwardSpec:
    title: str
    unit: Unit
    user: object | None = None
    amount: Decimal | None = None


def _award_search(award: Award, decision: CommendationDecision) -> str:
    who = _name(award.user) if award.user is not None else ""
    return fold(" ".join([who, award.user.username if award.user is not None else "", award.unit.name, decision.number]))


def record_decision(actor, *, number: str, date: dt.date, signer: str, issuer: Unit, year: int, awards: list[AwardSpec],
                    note: str = "", proposal: Proposal | None = None) -> CommendationDecision:
    if not access.can_record_decision(actor, issuer):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị ban hành hoặc cơ quan thi đua, khen thưởng cấp tỉnh ghi nhận quyết định khen thưởng.")
    errors: dict[str, list[str]] = {}
    number, signer = (number or "").strip(), (signer or "").strip()
    if not number:
        errors.setdefault("number", []).append("Nhập số quyết định.")
    if not signer:
        errors.setdefault("signer", []).append("Nhập người ký (họ tên, chức vụ).")
    _year(year)
    if date is None:
        errors.setdefault("date", []).append("Nhập ngày quyết định.")
    elif date.year < year:
        errors.setdefault("date", []).append("Quyết định không thể ký trước năm của thành tích.")
    if not awards:
        errors.setdefault("awards", []).append("Quyết định cần ít nhất một người hoặc tập thể được khen thưởng.")
    cat = catalogue()
    seen = set()
    for a in awards:
        title = cat.get(a.title)
        if title is None:
            errors.setdefault("awards", []).append(f"Danh hiệu «{a.title}» không có trong danh mục.")
            continue
        if (title.kind == "individual") != (a.user is not None):
            errors.setdefault("awards", []).append(f"{title.name} là danh hiệu {'cá nhân' if title.kind == 'individual' else 'tập thể'}.")
        if a.user is not None and not StaffProfile.objects.filter(user=a.user, unit=a.unit).exists():
            errors.setdefault("awards", []).append(f"{_name(a.user)} không thuộc {a.unit.name}.")
        if not access.under(a.unit, issuer) and not access.is_reform_admin(actor):
            errors.setdefault("awards", []).append(f"{a.unit.name} không thuộc đơn vị ban hành quyết định.")
        key = (a.title, getattr(a.user, "pk", None), a.unit.pk)
        if key in seen:
            errors.setdefault("awards", []).append(f"{title.name}: trùng người hoặc tập thể được khen.")
        seen.add(key)
        if a.amount is not None and a.amount < 0:
            errors.setdefault("awards", []).append("Tiền thưởng không được âm.")
    if number and CommendationDecision.objects.filter(issuer=issuer, number=number).exists():
        errors.setdefault("number", []).append("Đơn vị đã ghi nhận một quyết định có số này.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            decision = CommendationDecision.objects.create(number=number, date=date, signer=signer, issuer=issuer, year=year, note=note,
                                                           proposal=proposal, recorded_by=actor)
            rows = [Award(decision=decision, title=a.title, user=a.user, unit=a.unit, year=year, amount=a.amount) for a in awards]
            for row in rows:
                row.search_text = _award_search(row, decision)
            Award.objects.bulk_create(rows)
            _audit(actor, "record_decision", decision, number=number, awards=[[a.title, getattr(a.user, "pk", None), a.unit.code] for a in awards])
    except IntegrityError:
        raise ValidationError({"number": ["Đơn vị đã ghi nhận một quyết định có số này."]}) from None
    return decision


def awards_from_proposal(proposal: Proposal, line_ids=None) -> list[AwardSpec]:
    """The proposed lines of a submitted proposal as awards (all of them, or the chosen ones)."""
    lines = proposal.lines.filter(proposed=True).select_related("user")
    if line_ids is not None:
        lines = lines.filter(pk__in=list(line_ids))
    units = {p.user_id: p.unit for p in StaffProfile.objects.filter(user_id__in=[ln.user_id for ln in lines if ln.user_id]).select_related("unit")}
    return [AwardSpec(title=ln.title, unit=units.get(ln.user_id, proposal.unit) if ln.user_id else proposal.unit, user=ln.user) for ln in lines]


def parse_decimal(text: str) -> Decimal | None:
    """'1,5' or '1.5' → Decimal; '' → None; anything else raises ValidationError."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"«{text}» không phải là một số.") from None
    if not value.is_finite():
        raise ValidationError(f"«{text}» không phải là một số.")
    return value
