"""PAR index and external index pages. Thin: forms check input, services write, selectors read. A unit outside
the user's scope (and not theirs) is a 404; an action the user may not take is a 403 page with the reason."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from congvu.core.excel import XLSX_CONTENT_TYPE
from congvu.documents.services import open_stored
from congvu.reform import access, exports, selectors, services
from congvu.reform.forms import ExternalFilterForm, ExternalIndexForm, ImportFrameworkForm, ReturnForm, SelfAssessmentForm, VerificationForm
from congvu.reform.framework import FrameworkError
from congvu.reform.imports import read_framework_file
from congvu.reform.models import Assessment, AssessmentState, Evidence, ExternalIndex, Framework
from congvu.reform.services import ParError
from congvu.units.models import Unit
from congvu.units.selectors import can_see_unit, visible_units


def _forbidden(request, message: str):
    return render(request, "reform/forbidden.html", {"message": message}, status=403)


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


# ------------------------------------------------------------------------------------------------ home, frameworks


@require_safe
@login_required
def home(request):
    unit = selectors.my_unit(request.user)
    rows = []
    for framework in selectors.frameworks():
        mine = None
        if unit is not None and unit.kind == framework.unit_kind:
            mine = Assessment.objects.filter(framework=framework, unit=unit).first() or Assessment(framework=framework, unit=unit)
        rows.append((framework, mine))
    return render(request, "reform/home.html", {
        "rows": rows, "unit": unit, "is_admin": access.is_reform_admin(request.user),
        "latest_external": selectors.external_indices()[:8],
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def import_framework(request):
    if not access.is_reform_admin(request.user):
        return _forbidden(request, _("Only the reform office loads PAR frameworks."))
    posted = request.method == "POST"
    form = ImportFrameworkForm(request.POST if posted else None, request.FILES if posted else None)
    problems: list[str] = []
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = read_framework_file(upload.read(), upload.name)
            framework = services.install_framework(data, actor=request.user, year=form.cleaned_data.get("year"))
        except FrameworkError as error:
            problems = error.messages
        except ParError as error:
            problems = error.fields.get("errors") or [error.message]
        else:
            return redirect("reform:framework", framework.pk)
    return render(request, "reform/import.html", {"form": form, "problems": problems}, status=400 if posted else 200)


@require_safe
@login_required
def framework_detail(request, pk):
    framework = get_object_or_404(Framework, pk=pk)
    is_admin = access.is_reform_admin(request.user)
    assessments = []
    state = request.GET.get("state", "")
    if state not in AssessmentState.values:
        state = ""
    if is_admin:
        by_unit = {a.unit_id: a for a in selectors.assessments_in_scope(request.user, framework)}
        for unit in selectors.assessed_units(framework).filter(pk__in=visible_units(request.user).values("pk")).order_by("code"):
            a = by_unit.get(unit.pk)
            if state and (a.state if a else "") != state:
                continue
            assessments.append((unit, a))
    unit = selectors.my_unit(request.user)
    return render(request, "reform/framework.html", {
        "framework": framework, "tree": selectors.framework_tree(framework), "is_admin": is_admin, "assessments": assessments,
        "state": state, "states": AssessmentState.choices,
        "my_unit": unit if unit is not None and unit.kind == framework.unit_kind else None,
    })


@require_safe
@login_required
def framework_export(request, pk):
    framework = get_object_or_404(Framework, pk=pk)
    return _xlsx(exports.criteria_workbook(framework), f"bo-chi-so-cchc-{framework.year}-{framework.target}")


# ------------------------------------------------------------------------------------------------ assessment


def _unit_for(request, framework, code) -> Unit:
    unit = Unit.objects.filter(code=code, kind=framework.unit_kind).first()
    if unit is None:
        raise Http404
    probe = Assessment.objects.filter(framework=framework, unit=unit).first() or Assessment(framework=framework, unit=unit)
    if not (access.can_edit_assessment(request.user, probe) or can_see_unit(request.user, unit)):
        raise Http404
    return unit


def _assessment_page(request, framework, unit, assessment, *, form=None, error=None, status=200):
    leaves = services.leaves_of(framework)
    scores = selectors.scores_by_criterion(assessment)
    editable = assessment is not None and assessment.state == AssessmentState.DRAFT and access.can_edit_assessment(request.user, assessment)
    if assessment is None:
        editable = access.can_edit_assessment(request.user, Assessment(framework=framework, unit=unit))
    if editable and form is None:
        form = SelfAssessmentForm(leaves, scores)
    rows = []
    for criterion, depth, leaf in selectors.framework_tree(framework):
        fields = None
        if form is not None and leaf and not criterion.metric:
            score = scores.get(criterion.pk)
            fields = {"points": form[f"p_{criterion.pk}"], "explanation": form[f"e_{criterion.pk}"], "file": form[f"f_{criterion.pk}"],
                      "remove": [(e, form[f"rm_{e.pk}"]) for e in score.evidence.all()] if score else []}
        rows.append({"criterion": criterion, "depth": depth, "leaf": leaf, "score": scores.get(criterion.pk), "fields": fields,
                     "metric_label": services.metric_label(criterion.metric) if criterion.metric else ""})
    return render(request, "reform/assessment.html", {
        "framework": framework, "unit": unit, "assessment": assessment, "rows": rows, "form": form, "editable": editable, "error": error,
        "can_verify": access.can_verify(request.user, unit) and assessment is not None and assessment.state == AssessmentState.SUBMITTED,
        "can_delegate": assessment is not None and access.is_unit_leader_of(request.user, unit),
        "unit_staff": unit.staff.select_related("user").exclude(user=request.user) if assessment is not None else [],
        "history": selectors.history_of(assessment) if assessment is not None else [],
    }, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def assessment(request, pk, code):
    framework = get_object_or_404(Framework, pk=pk)
    unit = _unit_for(request, framework, code)
    existing = Assessment.objects.filter(framework=framework, unit=unit).first()
    if request.method != "POST":
        return _assessment_page(request, framework, unit, existing)
    # Refused before anything is written: a forbidden post must not even open the unit's draft.
    if not access.can_edit_assessment(request.user, existing or Assessment(framework=framework, unit=unit)):
        return _forbidden(request, _("Only the unit's leader or a staff member they delegated assesses the unit."))
    try:
        current = existing or services.open_assessment(framework, unit, request.user)
    except ParError as error:
        return _forbidden(request, error.message) if error.status == 403 else _assessment_page(request, framework, unit, existing, error=error, status=400)
    form = SelfAssessmentForm(services.leaves_of(framework), selectors.scores_by_criterion(current), request.POST, request.FILES)
    if not form.is_valid():
        return _assessment_page(request, framework, unit, current, form=form, status=400)
    try:
        services.save_self_assessment(current, request.user, form.entries(), files=form.uploads(), remove_evidence=form.removed())
        if request.POST.get("action") == "submit":
            services.submit_assessment(current, request.user)
    except ParError as error:
        if error.status == 403:
            return _forbidden(request, error.message)
        form.add_service_error(error)
        current.refresh_from_db()
        return _assessment_page(request, framework, unit, current, form=form, error=error, status=400)
    return redirect(reverse("reform:assessment", args=[framework.pk, unit.code]) + "?luu=1")


@require_POST
@login_required
def delegates(request, pk, code):
    framework = get_object_or_404(Framework, pk=pk)
    unit = _unit_for(request, framework, code)
    current = get_object_or_404(Assessment, framework=framework, unit=unit)
    users = [p.user for p in unit.staff.select_related("user").filter(user__username__in=request.POST.getlist("delegate"))]
    try:
        services.set_delegates(current, request.user, users)
    except ParError as error:
        if error.status == 403:
            return _forbidden(request, error.message)
        return _assessment_page(request, framework, unit, current, error=error, status=400)
    return redirect("reform:assessment", framework.pk, unit.code)


@require_safe
@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(Evidence.objects.select_related("file", "score__assessment__unit"), pk=pk)
    current = evidence.score.assessment
    if not access.can_view_assessment(request.user, current):
        raise Http404
    return FileResponse(open_stored(evidence.file), as_attachment=True, filename=evidence.file.original_name, content_type=evidence.file.content_type)


# ------------------------------------------------------------------------------------------------ verification


def _verify_page(request, framework, current, form, *, error=None, return_form=None, status=200):
    scores = selectors.scores_by_criterion(current)
    rows = []
    for criterion, depth, leaf in selectors.framework_tree(framework):
        fields = None
        if leaf and not criterion.metric:
            fields = {"verdict": form[f"v_{criterion.pk}"], "points": form[f"vp_{criterion.pk}"], "reason": form[f"vr_{criterion.pk}"]}
        rows.append({"criterion": criterion, "depth": depth, "leaf": leaf, "score": scores.get(criterion.pk), "fields": fields,
                     "metric_label": services.metric_label(criterion.metric) if criterion.metric else ""})
    return render(request, "reform/verify.html", {
        "framework": framework, "unit": current.unit, "assessment": current, "rows": rows, "form": form, "error": error,
        "return_form": return_form or ReturnForm(),
    }, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def verify(request, pk, code):
    framework = get_object_or_404(Framework, pk=pk)
    unit = _unit_for(request, framework, code)
    if not access.can_verify(request.user, unit):
        return _forbidden(request, _("Only the reform office verifies self-assessments."))
    current = get_object_or_404(Assessment, framework=framework, unit=unit)
    if current.state != AssessmentState.SUBMITTED:
        return redirect("reform:assessment", framework.pk, unit.code)
    leaves = services.leaves_of(framework)
    if request.method != "POST":
        return _verify_page(request, framework, current, VerificationForm(leaves, selectors.scores_by_criterion(current)))
    form = VerificationForm(leaves, selectors.scores_by_criterion(current), request.POST)
    if not form.is_valid():
        return _verify_page(request, framework, current, form, status=400)
    try:
        services.verify_assessment(current, request.user, form.decisions(), finish=request.POST.get("action") == "finish")
    except ParError as error:
        if error.status == 403:
            return _forbidden(request, error.message)
        form.add_service_error(error)
        current.refresh_from_db()
        return _verify_page(request, framework, current, form, error=error, status=400)
    current.refresh_from_db()
    if current.state == AssessmentState.VERIFIED:
        return redirect("reform:assessment", framework.pk, unit.code)
    return redirect(reverse("reform:verify", args=[framework.pk, unit.code]) + "?luu=1")


@require_POST
@login_required
def return_to_unit(request, pk, code):
    framework = get_object_or_404(Framework, pk=pk)
    unit = _unit_for(request, framework, code)
    if not access.can_verify(request.user, unit):
        return _forbidden(request, _("Only the reform office verifies self-assessments."))
    current = get_object_or_404(Assessment, framework=framework, unit=unit)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _verify_page(request, framework, current, VerificationForm(services.leaves_of(framework), selectors.scores_by_criterion(current)),
                            return_form=form, status=400)
    try:
        services.return_assessment(current, request.user, form.cleaned_data["reason"])
    except ParError as error:
        return _forbidden(request, error.message) if error.status == 403 else redirect("reform:assessment", framework.pk, unit.code)
    return redirect("reform:assessment", framework.pk, unit.code)


# ------------------------------------------------------------------------------------------------ results


def _results_allowed(request, framework) -> bool:
    return access.is_reform_admin(request.user) or framework.published_at is not None


@require_safe
@login_required
def results(request, pk):
    framework = get_object_or_404(Framework, pk=pk)
    if not _results_allowed(request, framework):
        return _forbidden(request, _("The results are open to everyone once the reform office publishes them."))
    rows = selectors.par_results(framework)
    ranked = [r for r in rows if r.rank is not None]
    return render(request, "reform/results.html", {
        "framework": framework, "rows": rows, "is_admin": access.is_reform_admin(request.user),
        "band_counts": selectors.band_counts(framework, rows),
        "chart": {"labels": [r.unit.short_name or r.unit.name for r in ranked], "scores": [float(r.score) for r in ranked],
                  "title": _("Final PAR index score"), "max": float(framework.total_points)},
    })


@require_safe
@login_required
def results_export(request, pk):
    framework = get_object_or_404(Framework, pk=pk)
    if not _results_allowed(request, framework):
        return _forbidden(request, _("The results are open to everyone once the reform office publishes them."))
    return _xlsx(exports.results_workbook(framework, selectors.par_results(framework)), f"ket-qua-chi-so-cchc-{framework.year}-{framework.target}")


@require_POST
@login_required
def publish(request, pk):
    framework = get_object_or_404(Framework, pk=pk)
    try:
        services.publish_results(framework, request.user)
    except ParError as error:
        if error.status == 403:
            return _forbidden(request, error.message)
        rows = selectors.par_results(framework)
        return render(request, "reform/results.html", {
            "framework": framework, "rows": rows, "is_admin": True, "error": error, "band_counts": selectors.band_counts(framework, rows),
            "chart": {"labels": [], "scores": [], "title": ""},
        }, status=400)
    return redirect("reform:results", framework.pk)


# ------------------------------------------------------------------------------------------------ external indices


@require_safe
@login_required
def external_list(request):
    form = ExternalFilterForm(request.GET or None)
    items = selectors.external_indices(**form.filters())
    return render(request, "reform/external_list.html", {"form": form, "items": items, "is_admin": access.is_reform_admin(request.user),
                                                         "query": request.GET.urlencode()})


@require_safe
@login_required
def external_export(request):
    form = ExternalFilterForm(request.GET or None)
    return _xlsx(exports.external_workbook(selectors.external_indices(**form.filters())), "chi-so-ben-ngoai")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def external_edit(request, pk=None):
    if not access.is_reform_admin(request.user):
        return _forbidden(request, _("Only the reform office enters external indices."))
    instance = get_object_or_404(ExternalIndex, pk=pk) if pk else None
    units = visible_units(request.user).order_by("depth", "code")
    initial = {}
    if instance is not None:
        initial = {name: getattr(instance, name) for name in ("year", "kind", "score", "rank", "ranked_count", "source", "note")}
        initial["unit"] = instance.unit.code
    else:
        top = units.filter(depth=1).first()
        initial = {"year": timezone.localdate().year - 1, "unit": top.code if top else None}
    posted = request.method == "POST"
    form = ExternalIndexForm(request.POST if posted else None, initial=initial, units=units)
    if posted and form.is_valid():
        try:
            services.save_external_index(request.user, form.cleaned_data, instance)
        except ParError as error:
            for field, message in error.fields.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            return redirect(reverse("reform:external") + "?luu=1")
    return render(request, "reform/external_form.html", {"form": form, "instance": instance}, status=400 if posted else 200)
