"""Evaluation pages. Thin: forms check input, services write, selectors read. A sheet or unit the user may not
see is a 404 (nothing said about whether it exists); an action they may not take on something they see is a
400/403 page with the Vietnamese reason."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from congvu.core.excel import XLSX_CONTENT_TYPE
from congvu.core.pdf import render_pdf
from congvu.documents.services import open_stored
from congvu.evaluation import access, exports, selectors, services
from congvu.evaluation.arithmetic import group_breakdown
from congvu.evaluation.forms import PeriodForm, ReopenForm, ScoreForm, SelfAssessmentForm, current_period
from congvu.evaluation.models import Evidence, Sheet, SheetState
from congvu.privacy import pages as privacy_pages
from congvu.privacy.models import Reason, RecordKind
from congvu.units.models import Unit
from congvu.units.selectors import staff_profile_of


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _unit_or_404(request, code) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not access.can_view_unit(request.user, unit):
        raise Http404
    return unit


def _period_or_404(year, month=1) -> None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404


def _messages(error: ValidationError) -> list[str]:
    return [m for m in error.messages]


# ------------------------------------------------------------------------------------------------ home


@require_safe
@login_required
def home(request):
    form = PeriodForm(request.GET or None)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    this_year, this_month = current_period()
    profile = staff_profile_of(request.user)
    led = []
    if profile is not None and access.is_leader(request.user):
        led = [profile.unit]
    return render(request, "evaluation/home.html", {
        "sheets": selectors.my_sheets(request.user, year), "form": form, "led_units": led, "year": this_year, "month": this_month,
        "can_open_own": profile is not None,
    })


@require_http_methods(["POST"])
@login_required
def open_my_sheet(request):
    year, month = current_period()
    try:
        sheet = services.open_sheet(request.user, year, month, actor=request.user)
    except ValidationError as error:
        return render(request, "evaluation/error.html", {"messages_": _messages(error)}, status=400)
    return redirect("evaluation:sheet", sheet.pk)


# ------------------------------------------------------------------------------------------------ one sheet


def _sheet_or_404(request, pk) -> Sheet:
    sheet = get_object_or_404(Sheet.objects.select_related("user", "unit", "framework", "scored_by", "approved_by"), pk=pk)
    if not access.can_view_sheet(request.user, sheet):
        raise Http404
    return sheet


def _sheet_page(request, sheet, *, self_form=None, score_form=None, reopen_form=None, errors=None, status=200):
    from congvu.evaluation.prefill import StaffMonthFacts

    scores = {s.criterion: s for s in sheet.scores.prefetch_related("evidence__file")}
    spec = sheet.framework.spec
    can_self = access.can_self_assess(request.user, sheet) and sheet.state in services.EDITABLE_BY_PERSON
    can_score = access.can_score(request.user, sheet) and sheet.state in services.SCORABLE
    can_reopen = access.can_approve(request.user, sheet) and sheet.is_locked
    if can_self and self_form is None:
        self_form = SelfAssessmentForm(sheet, initial_points={c: s.self_points for c, s in scores.items()},
                                       initial_comments={c: s.self_comment for c, s in scores.items()}, with_files=True,
                                       initial={"comment": sheet.self_comment})
    if can_score and score_form is None:
        # Start from the leader's earlier points, else the system's suggestion, else the person's own.
        start = {c: next((v for v in (s.leader_points, s.suggested_points, s.self_points) if v is not None), None) for c, s in scores.items()}
        score_form = ScoreForm(sheet, initial_points=start, initial_comments={c: s.leader_comment for c, s in scores.items()},
                               initial={"leader_comment": sheet.leader_comment})
    if can_reopen and reopen_form is None:
        reopen_form = ReopenForm()
    leader_points = {c: s.leader_points for c, s in scores.items()}
    self_points = {c: s.self_points for c, s in scores.items()}
    rows = []
    self_groups = {g.code: value for g, value in group_breakdown(spec, self_points)}
    for group, group_leader in group_breakdown(spec, leader_points):
        rows.append({"group": group, "leader": group_leader if sheet.points is not None else None,
                     "self": self_groups[group.code] if sheet.self_total is not None else None,
                     "criteria": [(c, scores.get(c.code)) for c in group.criteria]})
    facts = StaffMonthFacts.from_dict(sheet.facts) if sheet.facts else None
    return render(request, "evaluation/sheet.html", {
        "sheet": sheet, "spec": spec, "rows": rows, "facts": facts, "self_form": self_form, "score_form": score_form,
        "reopen_form": reopen_form, "errors": errors or [], "history": selectors.history_of(sheet),
        "can_refresh": not sheet.is_locked and (can_self or can_score), "states": SheetState,
        "board_visible": access.can_view_unit(request.user, sheet.unit),
    }, status=status)


def _privacy_gate(request, sheet):
    """A staff member's evaluation is their personal record (Decree 13/2023): the person reads their own
    freely; the leaders who score or approve it read it as their duty, and the view is logged; any other
    viewer (a leader above, looking) gives a reason first, which is logged with the view."""
    if sheet.user_id == request.user.pk:
        return None
    duty = access.can_score(request.user, sheet) or access.can_approve(request.user, sheet)
    return privacy_pages.require_reason(request, RecordKind.EVALUATION_SHEET, str(sheet.pk), sheet.unit,
                                        implied_reason=Reason.EVALUATION if duty else None)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def sheet_detail(request, pk):
    sheet = _sheet_or_404(request, pk)
    if request.method != "POST":
        return _privacy_gate(request, sheet) or _sheet_page(request, sheet)
    action = request.POST.get("action", "")
    try:
        if action in ("save", "submit"):
            if not access.can_self_assess(request.user, sheet):
                return render(request, "evaluation/error.html", {"messages_": [_("Only the person evaluated fills in their self-assessment.")]}, status=403)
            form = SelfAssessmentForm(sheet, request.POST, request.FILES, with_files=True)
            if not form.is_valid():
                return _sheet_page(request, sheet, self_form=form, status=400)
            try:
                services.save_self_assessment(sheet, request.user, form.points(), form.comments(), comment=form.cleaned_data.get("comment", ""),
                                              files=form.uploads(), submit=action == "submit")
            except ValidationError as error:
                form.add_service_error(error)
                sheet.refresh_from_db()
                return _sheet_page(request, sheet, self_form=form, status=400)
        elif action == "score":
            if not access.can_score(request.user, sheet):
                return render(request, "evaluation/error.html", {"messages_": [_("Only %(name)s's direct leader scores this sheet.")
                                                                                 % {"name": sheet.user.get_full_name() or sheet.user.username}]}, status=403)
            form = ScoreForm(sheet, request.POST)
            if not form.is_valid():
                return _sheet_page(request, sheet, score_form=form, status=400)
            try:
                services.score_sheet(sheet, request.user, form.points(), form.comments(), leader_comment=form.cleaned_data.get("leader_comment", ""))
            except ValidationError as error:
                form.add_service_error(error)
                sheet.refresh_from_db()
                return _sheet_page(request, sheet, score_form=form, status=400)
        elif action == "reopen":
            form = ReopenForm(request.POST)
            if not form.is_valid():
                return _sheet_page(request, sheet, reopen_form=form, status=400)
            services.reopen_sheet(sheet, request.user, form.cleaned_data["reason"])
        elif action == "refresh":
            services.refresh_facts(sheet, request.user)
        else:
            return _sheet_page(request, sheet, errors=[_("Unknown action.")], status=400)
    except ValidationError as error:
        sheet.refresh_from_db()
        return _sheet_page(request, sheet, errors=_messages(error), status=400)
    return redirect(reverse("evaluation:sheet", args=[sheet.pk]) + "?luu=1")


@require_safe
@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(Evidence.objects.select_related("file", "score__sheet__unit"), pk=pk)
    if not access.can_view_sheet(request.user, evidence.score.sheet):
        raise Http404
    return FileResponse(open_stored(evidence.file), as_attachment=True, filename=evidence.file.original_name, content_type=evidence.file.content_type)


# ------------------------------------------------------------------------------------------------ the unit's month


def _board_context(request, unit, year, month):
    from congvu.evaluation.prefill import StaffMonthFacts

    sort = request.GET.get("sort", "name")
    state = request.GET.get("state", "")
    sheets = list(selectors.unit_month_sheets(unit, year, month, sort=sort, state=state).prefetch_related("scores"))
    rows = []
    for sheet in sheets:
        scores = list(sheet.scores.all())
        suggested = [s for s in scores if s.suggested_points is not None]
        rows.append({"sheet": sheet, "facts": StaffMonthFacts.from_dict(sheet.facts) if sheet.facts else None,
                     "suggested": suggested, "can_score": access.can_score(request.user, sheet)})
    all_sheets = list(selectors.unit_month_sheets(unit, year, month))
    quota = services.quota_for(unit, year, month, all_sheets)
    missing = [p for p in services.staff_rated_by(unit) if p.user_id not in {s.user_id for s in all_sheets}]
    return {
        "unit": unit, "year": year, "month": month, "rows": rows, "quota": quota, "missing": missing, "sort": sort, "state": state,
        "states": SheetState.choices, "counts": {value: sum(1 for s in all_sheets if s.state == value) for value, _l in SheetState.choices},
        "can_accept": any(r["can_score"] and r["sheet"].state == SheetState.SELF_ASSESSED for r in rows),
        "can_approve": any(s.state == SheetState.SCORED and access.can_approve(request.user, s) for s in all_sheets),
        "total": len(all_sheets),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def board(request, code, year, month):
    _period_or_404(year, month)
    unit = _unit_or_404(request, code)
    errors, done = [], ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "open":
                services.open_unit_month(unit, year, month, request.user)
                done = "opened"
            elif action == "accept":
                sheets = selectors.unit_month_sheets(unit, year, month).filter(state=SheetState.SELF_ASSESSED)
                services.accept_suggestions(sheets, request.user)
                done = "scored"
            elif action == "approve":
                services.approve_month(unit, year, month, request.user)
                done = "approved"
            else:
                errors = [_("Unknown action.")]
        except ValidationError as error:
            errors = _messages(error)
        if not errors:
            return redirect(reverse("evaluation:board", args=[unit.code, year, month]) + f"?xong={done}")
    context = _board_context(request, unit, year, month)
    context.update({"errors": errors, "done": request.GET.get("xong", "")})
    return render(request, "evaluation/board.html", context, status=400 if errors else 200)


@require_safe
@login_required
def board_export(request, code, year, month):
    _period_or_404(year, month)
    unit = _unit_or_404(request, code)
    sheets = selectors.unit_month_sheets(unit, year, month, sort=request.GET.get("sort", "name"))
    return _xlsx(exports.month_workbook(unit, year, month, sheets), f"danh-gia-{unit.code}-{year}-{month:02d}")


@require_safe
@login_required
def board_pdf(request, code, year, month):
    _period_or_404(year, month)
    unit = _unit_or_404(request, code)
    sheets = list(selectors.unit_month_sheets(unit, year, month))
    pdf = render_pdf("evaluation/month_pdf.html", {
        "unit": unit, "year": year, "month": month, "sheets": sheets, "quota": services.quota_for(unit, year, month, sheets),
        "printed_at": timezone.localtime(),
    }, paper="A4-landscape")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ket-qua-danh-gia-{unit.code}-{year}-{month:02d}.pdf"'
    return response


# ------------------------------------------------------------------------------------------------ quarter and year


@require_safe
@login_required
def summary(request, code, year):
    _period_or_404(year)
    unit = _unit_or_404(request, code)
    rows = selectors.unit_summary(unit, year)
    sort = request.GET.get("sort", "name")
    if sort == "-points":
        rows.sort(key=lambda r: (r.year.points is None, -(r.year.points or 0)))
    level = request.GET.get("level", "")
    if level:
        rows = [r for r in rows if r.year.level == level]
    return render(request, "evaluation/summary.html", {"unit": unit, "year": year, "rows": rows, "months": range(1, 13), "quarters": range(1, 5),
                                                       "sort": sort, "level": level})


@require_safe
@login_required
def summary_export(request, code, year):
    _period_or_404(year)
    unit = _unit_or_404(request, code)
    return _xlsx(exports.summary_workbook(unit, year, selectors.unit_summary(unit, year)), f"tong-hop-danh-gia-{unit.code}-{year}")
