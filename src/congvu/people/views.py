"""Inspection, discipline and training pages. Thin: forms check input, services write, selectors read.
Something outside the user's reach is a 404; an action in reach the user may not take is a 403 page with
the reason (congvu.people.access)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from congvu.core.excel import XLSX_CONTENT_TYPE
from congvu.documents.services import open_stored
from congvu.people import access, exports, selectors, services
from congvu.people.followup import follow_up_status
from congvu.people.forms import (
    ActionFilterForm, ActionForm, AnnulForm, AttendanceForm, ConcludeForm, CourseFilterForm, CourseForm, DisciplineFilterForm,
    DisciplineRecordForm, EvidenceForm, FindingForm, InspectionFilterForm, OpenInspectionForm, PlanFilterForm, PlanForm, ReportForm,
    ReviewForm, apply_errors,
)
from congvu.people.models import CorrectiveAction, DisciplineRecord, Inspection, InspectionEvidence, InspectionFinding, InspectionPlan, TrainingCourse
from congvu.privacy import pages as privacy_pages
from congvu.privacy.models import Reason, RecordKind
from congvu.units.models import Unit
from congvu.units.selectors import visible_units


def _forbidden(request, message: str):
    return render(request, "people/forbidden.html", {"message": message}, status=403)


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def _units_in_scope(request):
    return visible_units(request.user).order_by("depth", "name", "code")


# ------------------------------------------------------------------------------------------------ home, mine


@require_safe
@login_required
def home(request):
    user = request.user
    year = timezone.localdate().year
    mine = selectors.my_records(user, year)
    return render(request, "people/home.html", {
        "is_inspector": access.is_inspector(user), "can_list_discipline": access.can_list_discipline(user),
        "can_plan": access.can_create_plan(user), "year": year, "mine": mine,
        "recent": selectors.inspections_for(user)[:8],
        "open_actions": [a for a in selectors.actions_for(user) if a.status in ("open", "overdue", "reported", "reported_late")][:10],
    })


@require_safe
@login_required
def mine(request):
    return render(request, "people/mine.html", {"mine": selectors.my_records(request.user)})


# ------------------------------------------------------------------------------------------------ plans


@require_safe
@login_required
def plan_list(request):
    form = PlanFilterForm(request.GET or None)
    return render(request, "people/plan_list.html", {"form": form, "plans": selectors.plans_for(request.user, **form.values()),
                                                      "can_plan": access.can_create_plan(request.user), "query": request.GET.urlencode()})


@require_safe
@login_required
def plan_export(request):
    form = PlanFilterForm(request.GET or None)
    return _xlsx(exports.plans_workbook(selectors.plans_for(request.user, **form.values())), "ke-hoach-kiem-tra")


def _plan_form(request, data=None):
    units = _units_in_scope(request)
    return PlanForm(data, units=units, inspectors=selectors.inspectors_in(units),
                    initial={"kind": "periodic", "start_date": timezone.localdate()})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def plan_new(request):
    if not access.can_create_plan(request.user):
        return _forbidden(request, _("Only inspectors plan inspections."))
    posted = request.method == "POST"
    form = _plan_form(request, request.POST if posted else None)
    if posted and form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.create_plan(request.user, title=d["title"], kind=d["kind"], start_date=d["start_date"], end_date=d["end_date"],
                                        units=d["units"], team=d["team"], team_leader=d["team_leader"], checklist=d["checklist"], purpose=d["purpose"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(plan)
    return render(request, "people/plan_form.html", {"form": form}, status=400 if posted else 200)


def _visible_plan(request, pk) -> InspectionPlan:
    plan = get_object_or_404(InspectionPlan.objects.select_related("checklist", "team_leader", "owner_unit"), pk=pk)
    if not access.can_view_plan(request.user, plan):
        raise Http404
    return plan


def _plan_page(request, plan, open_form=None, status=200):
    can_record = access.can_record_on_plan(request.user, plan)
    if can_record and open_form is None:
        open_form = OpenInspectionForm(units=_plan_units(plan, request), initial={"date": timezone.localdate()})
    return render(request, "people/plan_detail.html", {
        "plan": plan, "units": plan.units.order_by("name"), "team": plan.team.order_by("last_name", "first_name"),
        "inspections": plan.inspections.select_related("unit").order_by("-date", "-pk"), "can_record": can_record, "open_form": open_form,
        "items": plan.checklist.items.order_by("order", "pk"),
    }, status=status)


def _plan_units(plan, request):
    """Units of the plan and the units below them, in the user's scope: where an inspection may take place."""
    q = Q(pk__in=[])
    for unit in plan.units.all():
        q |= Q(path__startswith=unit.path)
    return _units_in_scope(request).filter(q)


@require_safe
@login_required
def plan_detail(request, pk):
    return _plan_page(request, _visible_plan(request, pk))


@require_POST
@login_required
def inspection_new(request, pk):
    plan = _visible_plan(request, pk)
    if not access.can_record_on_plan(request.user, plan):
        return _forbidden(request, _("Only the inspection team records inspections under this plan."))
    form = OpenInspectionForm(request.POST, units=_plan_units(plan, request))
    if form.is_valid():
        try:
            inspection = services.open_inspection(plan, request.user, unit=form.cleaned_data["unit"], date=form.cleaned_data["date"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(inspection)
    return _plan_page(request, plan, open_form=form, status=400)


# ------------------------------------------------------------------------------------------------ inspections


@require_safe
@login_required
def inspection_list(request):
    form = InspectionFilterForm(request.GET or None)
    return render(request, "people/inspection_list.html", {"form": form, "inspections": selectors.inspections_for(request.user, **form.values()),
                                                            "query": request.GET.urlencode()})


@require_safe
@login_required
def inspection_export(request):
    form = InspectionFilterForm(request.GET or None)
    return _xlsx(exports.inspections_workbook(selectors.inspections_for(request.user, **form.values())), "bien-ban-kiem-tra")


def _visible_inspection(request, pk) -> Inspection:
    inspection = get_object_or_404(Inspection.objects.select_related("plan__checklist", "plan__team_leader", "unit", "notice"), pk=pk)
    if not (access.can_view_inspection(request.user, inspection) or access.named_in(request.user, inspection)):
        raise Http404
    return inspection


def _inspection_page(request, inspection, *, forms=None, status=200):
    user = request.user
    can_record = access.can_record(user, inspection)
    full = access.can_view_inspection(user, inspection)
    forms = forms or {}
    sub_units = Unit.objects.filter(path__startswith=inspection.unit.path).order_by("depth", "name")
    if can_record:
        forms.setdefault("finding", FindingForm(items=inspection.plan.checklist.items.order_by("order", "pk"),
                                                staff=selectors.staff_choices(sub_units)))
        forms.setdefault("evidence", EvidenceForm())
        forms.setdefault("action", ActionForm(units=sub_units))
        forms.setdefault("conclude", ConcludeForm())
    today = timezone.localdate()
    actions = []
    if full:
        for action in inspection.actions.select_related("unit", "finding").order_by("deadline", "pk"):
            action.status = follow_up_status(action.state, action.deadline, today,
                                             timezone.localtime(action.reported_at).date() if action.reported_at else None)
            action.can_report = access.can_report_action(user, action) and action.state == "open"
            action.can_review = access.can_review_action(user, action) and action.state == "reported"
            # Each action's forms get their own ids (several sit on the page); the one that failed comes back with its errors.
            failed = forms.get("action_pk") == action.pk
            action.report_form = forms["report"] if failed and "report" in forms else ReportForm(auto_id=f"id_a{action.pk}_%s")
            action.review_form = forms["review"] if failed and "review" in forms else ReviewForm(auto_id=f"id_r{action.pk}_%s")
            actions.append(action)
    findings = selectors.visible_findings(user, inspection)
    return render(request, "people/inspection_detail.html", {
        "inspection": inspection, "plan": inspection.plan, "findings": findings, "full": full, "can_record": can_record,
        "evidence": inspection.evidence.filter(finding__isnull=True).select_related("file") if full else [],
        "actions": actions, "forms": forms,
        "can_notice": access.can_view_notice(user, inspection) and inspection.notice_id is not None,
        "history": inspection.events.select_related("actor").order_by("at", "pk") if full else [],
    }, status=status)


@require_safe
@login_required
def inspection_detail(request, pk):
    return _inspection_page(request, _visible_inspection(request, pk))


def _recording(request, pk):
    """The inspection for a POST that writes the record: 404 out of reach, 403 in reach but not on the team."""
    inspection = _visible_inspection(request, pk)
    if not access.can_record(request.user, inspection):
        message = _("The inspection is concluded; its record can no longer change.") if inspection.is_concluded else _("Only the inspection team records this inspection.")
        return inspection, _forbidden(request, message)
    return inspection, None


@require_POST
@login_required
def finding_add(request, pk):
    inspection, refused = _recording(request, pk)
    if refused:
        return refused
    sub_units = Unit.objects.filter(path__startswith=inspection.unit.path)
    form = FindingForm(request.POST, request.FILES, items=inspection.plan.checklist.items.all(), staff=selectors.staff_choices(sub_units))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.add_finding(inspection, request.user, checklist_item=d["checklist_item"], label=d["label"], staff=d["staff"],
                                 is_violation=d["is_violation"], severity=d["severity"], description=d["description"],
                                 files=[d["files"]] if d.get("files") else None)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(reverse("people:inspection", args=[inspection.pk]) + "#findings")
    return _inspection_page(request, inspection, forms={"finding": form}, status=400)


@require_POST
@login_required
def finding_remove(request, pk):
    finding = get_object_or_404(InspectionFinding, pk=pk)
    inspection, refused = _recording(request, finding.inspection_id)
    if refused:
        return refused
    services.remove_finding(finding, request.user)
    return redirect(reverse("people:inspection", args=[inspection.pk]) + "#findings")


@require_POST
@login_required
def evidence_add(request, pk):
    inspection, refused = _recording(request, pk)
    if refused:
        return refused
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_evidence(inspection, request.user, [form.cleaned_data["files"]], description=form.cleaned_data["description"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(reverse("people:inspection", args=[inspection.pk]) + "#evidence")
    return _inspection_page(request, inspection, forms={"evidence": form}, status=400)


@require_safe
@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(InspectionEvidence.objects.select_related("file", "finding", "inspection__plan", "inspection__unit"), pk=pk)
    if not access.can_view_evidence(request.user, evidence):
        raise Http404
    return FileResponse(open_stored(evidence.file), as_attachment=True, filename=evidence.file.original_name, content_type=evidence.file.content_type)


@require_POST
@login_required
def action_add(request, pk):
    inspection, refused = _recording(request, pk)
    if refused:
        return refused
    form = ActionForm(request.POST, units=Unit.objects.filter(path__startswith=inspection.unit.path))
    if form.is_valid():
        try:
            services.add_action(inspection, request.user, description=form.cleaned_data["description"], deadline=form.cleaned_data["deadline"],
                                unit=form.cleaned_data["unit"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(reverse("people:inspection", args=[inspection.pk]) + "#actions")
    return _inspection_page(request, inspection, forms={"action": form}, status=400)


@require_POST
@login_required
def action_remove(request, pk):
    action = get_object_or_404(CorrectiveAction, pk=pk)
    inspection, refused = _recording(request, action.inspection_id)
    if refused:
        return refused
    services.remove_action(action, request.user)
    return redirect(reverse("people:inspection", args=[inspection.pk]) + "#actions")


@require_POST
@login_required
def conclude(request, pk):
    inspection, refused = _recording(request, pk)
    if refused:
        return refused
    form = ConcludeForm(request.POST)
    if form.is_valid():
        try:
            services.conclude(inspection, request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(inspection)
    return _inspection_page(request, inspection, forms={"conclude": form}, status=400)


@require_safe
@login_required
def notice_pdf(request, pk):
    inspection = _visible_inspection(request, pk)
    if not access.can_view_notice(request.user, inspection) or inspection.notice_id is None:
        raise Http404
    stored = inspection.notice
    return FileResponse(open_stored(stored), filename=stored.original_name, content_type="application/pdf")


# ------------------------------------------------------------------------------------------------ corrective actions


@require_safe
@login_required
def action_list(request):
    form = ActionFilterForm(request.GET or None)
    return render(request, "people/action_list.html", {"form": form, "actions": selectors.actions_for(request.user, **form.values()),
                                                        "query": request.GET.urlencode(), "labels": exports.STATUS_LABELS})


@require_safe
@login_required
def action_export(request):
    form = ActionFilterForm(request.GET or None)
    return _xlsx(exports.actions_workbook(selectors.actions_for(request.user, **form.values())), "yeu-cau-khac-phuc")


def _visible_action(request, pk) -> CorrectiveAction:
    action = get_object_or_404(CorrectiveAction.objects.select_related("inspection__plan", "inspection__unit", "unit"), pk=pk)
    if not access.can_view_inspection(request.user, action.inspection):
        raise Http404
    return action


@require_POST
@login_required
def action_report(request, pk):
    action = _visible_action(request, pk)
    form = ReportForm(request.POST, auto_id=f"id_a{action.pk}_%s")
    if form.is_valid():
        try:
            services.report_action(action, request.user, form.cleaned_data["report"])
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(reverse("people:inspection", args=[action.inspection_id]) + "#actions")
    return _inspection_page(request, action.inspection, forms={"report": form, "action_pk": action.pk}, status=400)


@require_POST
@login_required
def action_review(request, pk):
    action = _visible_action(request, pk)
    form = ReviewForm(request.POST, auto_id=f"id_r{action.pk}_%s")
    if form.is_valid():
        try:
            services.review_action(action, request.user, accept=form.cleaned_data["decision"] == "accept", note=form.cleaned_data["note"])
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(reverse("people:inspection", args=[action.inspection_id]) + "#actions")
    return _inspection_page(request, action.inspection, forms={"review": form, "action_pk": action.pk}, status=400)


# ------------------------------------------------------------------------------------------------ discipline


@require_safe
@login_required
def discipline_list(request):
    form = DisciplineFilterForm(request.GET or None)
    return render(request, "people/discipline_list.html", {
        "form": form, "records": selectors.discipline_for(request.user, **form.values()), "query": request.GET.urlencode(),
        "can_enter": access.is_leader(request.user) or access.is_system_admin(request.user)})


@require_safe
@login_required
def discipline_export(request):
    form = DisciplineFilterForm(request.GET or None)
    return _xlsx(exports.discipline_workbook(selectors.discipline_for(request.user, **form.values())), "ky-luat")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def discipline_new(request):
    if not (access.is_leader(request.user) or access.is_system_admin(request.user)):
        return _forbidden(request, _("Discipline is recorded by a leader of the person's unit or of a unit above it."))
    posted = request.method == "POST"
    staff = selectors.staff_choices(visible_units(request.user)).exclude(pk=request.user.pk)
    form = DisciplineRecordForm(request.POST if posted else None, staff=staff, initial={"staff": request.GET.get("staff")})
    if posted and form.is_valid():
        try:
            record = services.record_discipline(request.user, **form.cleaned_data)
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(record)
    return render(request, "people/discipline_form.html", {"form": form}, status=400 if posted else 200)


def _visible_record(request, pk) -> DisciplineRecord:
    record = get_object_or_404(DisciplineRecord.objects.select_related("staff", "unit", "inspection"), pk=pk)
    if not access.can_view_discipline(request.user, record):
        raise Http404
    return record


def _discipline_page(request, record, annul_form=None, status=200):
    can_annul = not record.annulled and access.can_enter_discipline(request.user, record.staff, record.unit)
    return render(request, "people/discipline_detail.html", {
        "record": record, "can_annul": can_annul, "annul_form": annul_form or AnnulForm(),
        "history": record.events.select_related("actor").order_by("at", "pk"),
    }, status=status)


@require_safe
@login_required
def discipline_detail(request, pk):
    record = _visible_record(request, pk)
    # A discipline record is the person's own (Decree 13/2023): they read it freely; the leaders who decide
    # discipline for their unit read it as their duty, logged; inspectors and others give a reason first.
    if record.staff_id != request.user.pk:
        duty = access.can_enter_discipline(request.user, record.staff, record.unit)
        gate = privacy_pages.require_reason(request, RecordKind.DISCIPLINE, str(record.pk), record.unit,
                                            implied_reason=Reason.EVALUATION if duty else None)
        if gate is not None:
            return gate
    return _discipline_page(request, record)


@require_POST
@login_required
def discipline_annul(request, pk):
    record = _visible_record(request, pk)
    form = AnnulForm(request.POST)
    if form.is_valid():
        try:
            services.annul_discipline(record, request.user, form.cleaned_data["reason"])
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(record)
    return _discipline_page(request, record, annul_form=form, status=400)


# ------------------------------------------------------------------------------------------------ training


@require_safe
@login_required
def course_list(request):
    form = CourseFilterForm(request.GET or None)
    return render(request, "people/course_list.html", {
        "form": form, "courses": selectors.courses_for(request.user, **form.values()), "query": request.GET.urlencode(),
        "can_create": access.role_of(request.user) in access.TRAINING_ROLES})


@require_safe
@login_required
def course_export(request):
    form = CourseFilterForm(request.GET or None)
    return _xlsx(exports.courses_workbook(selectors.courses_for(request.user, **form.values())), "boi-duong")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def course_new(request):
    units = _units_in_scope(request)
    if access.role_of(request.user) not in access.TRAINING_ROLES:
        return _forbidden(request, _("Training is organised by unit leaders and the reform office for units in their scope."))
    posted = request.method == "POST"
    profile_unit = selectors.profile_unit(request.user)
    form = CourseForm(request.POST if posted else None, units=units, initial={"organiser": profile_unit.code if profile_unit else None})
    if posted and form.is_valid():
        try:
            course = services.create_course(request.user, **form.cleaned_data)
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(course)
    return render(request, "people/course_form.html", {"form": form}, status=400 if posted else 200)


def _visible_course(request, pk) -> TrainingCourse:
    course = get_object_or_404(TrainingCourse.objects.select_related("organiser"), pk=pk)
    if not access.can_view_course(request.user, course):
        raise Http404
    return course


def _course_page(request, course, form=None, status=200):
    can_manage = access.can_manage_training(request.user, course.organiser)
    if can_manage and form is None:
        form = AttendanceForm(staff=selectors.staff_choices(visible_units(request.user)))
    return render(request, "people/course_detail.html", {"course": course, "rows": selectors.attendance_of(request.user, course),
                                                          "can_manage": can_manage, "form": form}, status=status)


@require_safe
@login_required
def course_detail(request, pk):
    return _course_page(request, _visible_course(request, pk))


@require_safe
@login_required
def course_attendance_export(request, pk):
    course = _visible_course(request, pk)
    return _xlsx(exports.attendance_workbook(course, selectors.attendance_of(request.user, course)), f"diem-danh-{course.pk}")


@require_POST
@login_required
def course_attendance(request, pk):
    course = _visible_course(request, pk)
    if not access.can_manage_training(request.user, course.organiser):
        return _forbidden(request, _("Training is organised by unit leaders and the reform office for units in their scope."))
    form = AttendanceForm(request.POST, staff=selectors.staff_choices(visible_units(request.user)))
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_attendance(course, request.user, d["staff"], attended=d["attended"], completed_on=d["completed_on"],
                                       certificate_number=d["certificate_number"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(course)
    return _course_page(request, course, form=form, status=400)
