"""Staff pages: the feedback list (filters, sort, pages, Excel), one item with the actions this person may take
and its history, the counter's entry of feedback by hotline, suggestion box or letter, and the ratings list.

Every item comes through `selectors.feedback_item(user, code)`: outside the user's scope it is a 404, as if it
did not exist. Inside the scope, an action the person may not take is a 403 with the reason."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from congvu.core.excel import XLSX_CONTENT_TYPE
from congvu.feedback import access, exports, selectors, services
from congvu.feedback.errors import FeedbackError
from congvu.feedback.links import tracking_url
from congvu.feedback.forms import (
    ACTION_FORMS, PERCEPTION_CHOICES, QUESTION_SHORT_LABELS, FeedbackFilterForm, RatingFilterForm, RecordFeedbackForm, action_form, aware,
)
from congvu.feedback.scoring import FACTORS, PERCEPTIONS
from congvu.feedback.workflow import FeedbackAction, FeedbackState, allowed_actions
from congvu.privacy import pages as privacy_pages
from congvu.privacy.models import RecordKind

PAGE_SIZE = 50


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def _forbidden(request, message: str):
    return render(request, "feedback/staff/forbidden.html", {"message": message}, status=403)


# ------------------------------------------------------------------------------------------------ feedback list


def _filtered(request):
    form = FeedbackFilterForm(request.GET or None, units=selectors.staff_units(request.user))
    return form, selectors.feedback_list(request.user, **form.filters())


@require_safe
@login_required
def feedback_list(request):
    form, items = _filtered(request)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(item, selectors.is_overdue(item, now)) for item in page.object_list]
    return render(request, "feedback/staff/list.html", {
        "form": form, "page": page, "rows": rows, "query": _query_without_page(request), "can_record": access.can_record(request.user),
        "can_read_ratings": access.can_read_ratings(request.user),
    })


@require_safe
@login_required
def feedback_export(request):
    _form, items = _filtered(request)
    return _xlsx(exports.feedback_workbook(items), "phan-anh-kien-nghi")


# ------------------------------------------------------------------------------------------------ one item


def _item_or_404(request, code):
    feedback = selectors.feedback_item(request.user, code)
    if feedback is None:
        raise Http404
    return feedback


def _detail(request, feedback, *, failed=None, error: FeedbackError | None = None, status: int = 200):
    mine = access.staff_actions(request.user, feedback)
    forms = [failed if failed is not None and failed.action == action else action_form(action, feedback) for action in mine]
    state = FeedbackState(feedback.state)
    others = [a for a in allowed_actions(state) if a in ACTION_FORMS and a not in mine]
    # The sender's phone and e-mail show, and the view is logged, only after a reason (Decree 13/2023).
    privacy = privacy_pages.reveal_context(request, RecordKind.FEEDBACK, feedback.code, feedback.responsible_unit)
    return render(request, "feedback/staff/detail.html", {
        **privacy, "feedback": feedback, "action_forms": forms, "error": error, "overdue": selectors.is_overdue(feedback),
        "history": selectors.history_of(feedback), "tracking_url": tracking_url(feedback.code, request), "leader_only": any(a in (FeedbackAction.ANSWER, FeedbackAction.REFUSE) for a in others),
    }, status=status)


@require_safe
@login_required
def feedback_detail(request, code):
    return _detail(request, _item_or_404(request, code))


@require_POST
@login_required
def feedback_action(request, code):
    feedback = _item_or_404(request, code)
    try:
        action = FeedbackAction(request.POST.get("action", ""))
    except ValueError:
        raise Http404 from None
    if action not in ACTION_FORMS:
        raise Http404
    form = action_form(action, feedback, request.POST)
    if not form.is_valid():
        return _detail(request, feedback, failed=form, status=400)
    try:
        services.perform(feedback, action, request.user, **form.params())
    except FeedbackError as error:
        form.add_service_error(error)
        feedback.refresh_from_db()
        return _detail(request, feedback, failed=form, error=error, status=error.status)
    return redirect(reverse("feedback_staff:detail", args=[feedback.code]) + "#lich-su")


# ------------------------------------------------------------------------------------------------ counter entry


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def record(request):
    if not access.can_record(request.user):
        return _forbidden(request, _("Only staff who handle feedback in a unit can record it."))
    posted = request.method == "POST"
    form = RecordFeedbackForm(request.POST if posted else None, units=selectors.staff_units(request.user))
    if posted and form.is_valid():
        try:
            feedback = services.record_feedback(
                request.user, form.feedback_input(), form.cleaned_data["channel"], received_at=aware(form.cleaned_data.get("received_at")),
            )
        except FeedbackError as error:
            form.add_service_error(error)
            return render(request, "feedback/staff/record.html", {"form": form}, status=error.status)
        return redirect(reverse("feedback_staff:detail", args=[feedback.code]) + "?moi=1")
    return render(request, "feedback/staff/record.html", {"form": form}, status=400 if posted else 200)


# ------------------------------------------------------------------------------------------------ ratings


def _ratings(request):
    form = RatingFilterForm(request.GET or None, units=selectors.staff_units(request.user), officers=selectors.officers_in_scope(request.user))
    return form, selectors.rating_list(request.user, **form.filters())


@require_safe
@login_required
def rating_list(request):
    if not access.can_read_ratings(request.user):
        return _forbidden(request, _("Ratings are open to unit leaders, inspectors and the reform office."))
    form, ratings = _ratings(request)
    page = Paginator(ratings, PAGE_SIZE).get_page(request.GET.get("page"))
    answers = selectors.answers_by_rating(page.object_list)
    try:
        scheme = services.scheme_in_force(timezone.localdate())
    except FeedbackError:
        scheme = None  # figures on the default scale; the page says no scheme is configured
    summary = selectors.rating_summary(ratings, scheme)
    rows = [(r, [answers.get(r.pk, {}).get(f.value) for f in FACTORS]) for r in page.object_list]
    return render(request, "feedback/staff/ratings.html", {
        "form": form, "page": page, "rows": rows, "query": _query_without_page(request), "summary": summary,
        "factor_labels": [QUESTION_SHORT_LABELS[f.value] for f in FACTORS],
        "factor_figures": [(QUESTION_SHORT_LABELS[f.value], summary.per_factor[f]) for f in FACTORS],
        "perception_figures": [
            (QUESTION_SHORT_LABELS[p.value], [(label, summary.perceptions[p.value].get(value, 0)) for value, label in PERCEPTION_CHOICES[p]])
            for p in PERCEPTIONS
        ],
    })


@require_safe
@login_required
def rating_export(request):
    if not access.can_read_ratings(request.user):
        return _forbidden(request, _("Ratings are open to unit leaders, inspectors and the reform office."))
    _form, ratings = _ratings(request)
    return _xlsx(exports.ratings_workbook(ratings), "danh-gia-hai-long")


# ------------------------------------------------------------------------------------------------ SIPAS index


def _sipas_query(request):
    from congvu.feedback.forms import SipasForm
    from congvu.indices.periods import Period

    units = selectors.staff_units(request.user)
    today = timezone.localdate()
    data = request.GET.copy()
    if units and not data.get("unit"):
        data["unit"] = units[0].code
    if not data.get("period"):
        data["period"] = Period.containing(today).key
    form = SipasForm(data, units=units)
    return form


@require_safe
@login_required
def sipas(request):
    from congvu.feedback import sipas as sipas_index
    from congvu.feedback.forms import OfficialResultsForm

    if not access.can_read_ratings(request.user):
        return _forbidden(request, _("Ratings are open to unit leaders, inspectors and the reform office."))
    form = _sipas_query(request)
    result = None
    if form.is_valid():
        result = sipas_index.sipas_index(form.cleaned_data["unit"], form.cleaned_data["period"])
    chart = None
    if result is not None:
        chart = {
            "labels": [str(f.name) for f in result.factors] + [str(result.overall.name)],
            "values": [float(f.percent) if f.percent is not None else None for f in [*result.factors, result.overall]],
            "official": _official_by_factor(result),
        }
    return render(request, "feedback/staff/sipas.html", {
        "form": form, "result": result, "chart": chart, "query": request.GET.urlencode(),
        "unit_code": form.cleaned_data["unit"].code if result else "", "period_key": form.cleaned_data["period"].key if result else "",
        "can_import": access.can_import_official_results(request.user), "upload_form": OfficialResultsForm(),
    }, status=200 if result is not None or not form.is_bound else 400)


def _official_by_factor(result) -> list:
    """The latest official year's value per factor in the chart's order (None where not published)."""
    if not result.official:
        return []
    year = max(r.year for r in result.official)
    values = {r.factor: float(r.value) for r in result.official if r.year == year}
    return [values.get(f.code) for f in [*result.factors, result.overall]]


@require_safe
@login_required
def sipas_export(request):
    from congvu.feedback import exports as feedback_exports
    from congvu.feedback import sipas as sipas_index

    if not access.can_read_ratings(request.user):
        return _forbidden(request, _("Ratings are open to unit leaders, inspectors and the reform office."))
    form = _sipas_query(request)
    if not form.is_valid():
        return render(request, "feedback/staff/bad_request.html", {"form": form}, status=400)
    result = sipas_index.sipas_index(form.cleaned_data["unit"], form.cleaned_data["period"])
    return _xlsx(feedback_exports.sipas_workbook(result), f"sipas-{result.unit.code}-{result.period.key}")


@require_safe
@login_required
def sipas_ratings(request):
    """The ratings behind one figure of the SIPAS page (factor and satisfied or not), with the page's filters."""
    if not access.can_read_ratings(request.user):
        return _forbidden(request, _("Ratings are open to unit leaders, inspectors and the reform office."))
    from congvu.feedback.sipas import FACTOR_NAMES

    form = _sipas_query(request)
    factor = request.GET.get("factor") or None
    satisfied = {"1": True, "0": False}.get(request.GET.get("satisfied", ""))
    if not form.is_valid() or (factor is not None and factor not in FACTOR_NAMES) or factor == "overall":
        return render(request, "feedback/staff/bad_request.html", {"form": form}, status=400)
    unit, period = form.cleaned_data["unit"], form.cleaned_data["period"]
    ratings = selectors.ratings_behind(unit, period, factor=factor, satisfied=satisfied)
    if request.GET.get("format") == "xlsx":
        return _xlsx(exports.ratings_workbook(ratings), f"danh-gia-{unit.code}-{period.key}")
    page = Paginator(ratings, PAGE_SIZE).get_page(request.GET.get("page"))
    answers = selectors.answers_by_rating(page.object_list)
    rows = [(r, [answers.get(r.pk, {}).get(f.value) for f in FACTORS]) for r in page.object_list]
    return render(request, "feedback/staff/sipas_ratings.html", {
        "unit": unit, "period": period, "factor_name": FACTOR_NAMES.get(factor) if factor else None, "satisfied": satisfied,
        "page": page, "rows": rows, "query": _query_without_page(request), "factor_labels": [QUESTION_SHORT_LABELS[f.value] for f in FACTORS],
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def official_results(request):
    """The reform office uploads the official survey results of a year (all or nothing) and sees what is held."""
    from congvu.feedback.forms import OfficialResultsForm
    from congvu.feedback.models import OfficialSurveyResult

    if not access.can_import_official_results(request.user):
        return _forbidden(request, _("Only the reform office can import official survey results."))
    form = OfficialResultsForm(request.POST or None, request.FILES or None)
    problems, status, imported = [], 200, None
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                imported = services.import_official_results(request.user, upload.name, upload.read(5 * 1024 * 1024 + 1))
            except FeedbackError as error:
                problems, status = error.fields.get("file", [error.message]), error.status
                form.add_error("file", error.message)
        else:
            status = 400
        if imported is not None:
            return redirect(reverse("feedback_staff:official_results") + f"?da-nhap={imported}")
    from congvu.units.selectors import visible_units

    held = (OfficialSurveyResult.objects.filter(unit__in=visible_units(request.user).values("pk")).select_related("unit", "imported_by")
            .order_by("-year", "unit__code", "factor"))
    page = Paginator(held, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "feedback/staff/official_results.html", {
        "form": form, "problems": problems, "page": page, "query": _query_without_page(request), "imported": request.GET.get("da-nhap"),
    }, status=status)


@require_safe
@login_required
def official_template(request):
    from congvu.feedback import exports as feedback_exports

    if not access.can_import_official_results(request.user):
        return _forbidden(request, _("Only the reform office can import official survey results."))
    units = selectors.staff_units(request.user)
    return _xlsx(feedback_exports.official_template(units[0].code if units else "MA-DON-VI", timezone.localdate().year - 1), "mau-ket-qua-sipas")
