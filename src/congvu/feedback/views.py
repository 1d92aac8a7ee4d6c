"""Public pages: the rating survey behind the applicant's signed link, the feedback form, its confirmation, the
tracking page (code plus the sender's access token), and the published answers.

A tampered rating link, an unknown tracking code and a known code with a wrong token all get the same
Vietnamese "not found" page with status 404, so nothing can be learnt by trying codes."""

from django.core import signing
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from congvu.dossiers.models import Dossier
from congvu.feedback import codes, selectors, services, throttle
from congvu.feedback.errors import ErrorCode, FeedbackError
from congvu.feedback.forms import MAX_PROCEDURE_CANDIDATES, FeedbackForm, RatingForm, ReplyForm, VerdictForm
from congvu.feedback.links import dossier_code_from_rating_token, tracking_token, tracking_token_matches
from congvu.feedback.workflow import FeedbackState

PUBLISHED_PAGE_SIZE = 20
_GET_OR_POST = ["GET", "HEAD", "POST"]


def not_found(request):
    return render(request, "feedback/not_found.html", status=404)


# ------------------------------------------------------------------------------------------------ rating


def _rated_dossier(token: str) -> Dossier | None:
    try:
        code = dossier_code_from_rating_token(token)
    except signing.BadSignature:
        return None
    return Dossier.objects.select_related("procedure_version__procedure", "receiving_unit", "received_by").filter(code=code).first()


@require_http_methods(_GET_OR_POST)
def rate(request, token):
    dossier = _rated_dossier(token)
    if dossier is None:
        return not_found(request)
    posted = request.method == "POST"
    context = {"dossier": dossier, "token": token}
    if services.rating_of(dossier) is not None:
        return render(request, "feedback/rate_done.html", context, status=409 if posted else 200)
    if dossier.state not in services.RATABLE_STATES:
        return render(request, "feedback/rate_unavailable.html", context, status=409 if posted else 200)
    try:
        scheme = services.scheme_in_force(timezone.localdate())
    except FeedbackError as error:
        return render(request, "feedback/unavailable.html", {"message": error.message}, status=error.status)
    form = RatingForm(scheme.rules(), request.POST if posted else None)
    if posted and form.is_valid():
        try:
            services.submit_rating(dossier, form.scores(), form.perceptions(), form.cleaned_data["comment"])
        except FeedbackError as error:
            if error.code in (ErrorCode.ALREADY_RATED, ErrorCode.NOT_RATABLE):
                template = "feedback/rate_done.html" if error.code == ErrorCode.ALREADY_RATED else "feedback/rate_unavailable.html"
                return render(request, template, context, status=error.status)
            for field, messages in error.fields.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect("feedback:rate_thanks", token=token)
    context.update({"form": form, "scheme": scheme})
    return render(request, "feedback/rate.html", context, status=400 if posted else 200)


@require_safe
def rate_thanks(request, token):
    dossier = _rated_dossier(token)
    if dossier is None:
        return not_found(request)
    if services.rating_of(dossier) is None:
        return redirect("feedback:rate", token=token)
    return render(request, "feedback/rate_thanks.html", {"dossier": dossier})


# ------------------------------------------------------------------------------------------------ feedback form


@require_http_methods(_GET_OR_POST)
def submit(request):
    posted = request.method == "POST"
    form = FeedbackForm(request.POST if posted else None, initial=_initial(request))
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    if not throttle.allow(request):
                        raise FeedbackError(ErrorCode.RATE_LIMITED, "")
                    feedback = services.submit_feedback(form.feedback_input())
            except FeedbackError as error:
                if error.code == ErrorCode.RATE_LIMITED:
                    return render(request, "feedback/submit.html", {"form": form, "rate_limited": True}, status=429)
                form.add_service_error(error)
                status = error.status
            else:
                url = reverse("feedback:submitted", args=[feedback.code]) + "?" + urlencode({"t": tracking_token(feedback.code)})
                return redirect(url)
    return render(request, "feedback/submit.html", {"form": form}, status=status)


def _initial(request) -> dict:
    """A link from a procedure's or a unit's page may preselect what the feedback is about."""
    initial = {}
    if code := request.GET.get("don-vi"):
        initial["unit"] = str(code)[:60]
    if code := request.GET.get("thu-tuc"):
        initial.update({"subject_kind": "procedure", "procedure": str(code)[:60]})
    if code := request.GET.get("ho-so"):
        initial["dossier_code"] = str(code)[:60]
    return initial


@require_safe
def officer_options(request):
    """The officer list of the chosen unit (htmx swaps it in when the unit changes): display names only."""
    unit = selectors.public_unit(request.GET.get("unit", ""))
    return render(request, "feedback/_officer_select.html", {"officers": selectors.public_officers(unit), "chosen": ""})


@require_safe
def procedure_options(request):
    """Suggestions for the procedure field's list (htmx), "code — name" so that the choice is unambiguous."""
    q = str(request.GET.get("procedure", ""))[:200].strip()
    versions = []
    if len(q) >= 2:
        from congvu.catalog import selectors as catalog_selectors

        versions = list(catalog_selectors.search_versions(q, sort="name")[:MAX_PROCEDURE_CANDIDATES])
    return render(request, "feedback/_procedure_options.html", {"versions": versions})


def _tracked(request, code: str):
    code = codes.normalise_code(code)
    token = request.POST.get("t") if request.method == "POST" else request.GET.get("t")
    if not codes.is_valid_code(code):
        return None, token
    feedback = selectors.feedback_by_code(code)
    if feedback is None or not tracking_token_matches(feedback.code, token):
        return None, token
    return feedback, token


@require_safe
def submitted(request, code):
    feedback, token = _tracked(request, code)
    if feedback is None:
        return not_found(request)
    track = request.build_absolute_uri(reverse("feedback:track", args=[feedback.code]) + "?" + urlencode({"t": token}))
    return render(request, "feedback/submitted.html", {"feedback": feedback, "track_url": track})


@require_http_methods(_GET_OR_POST)
def track(request, code):
    feedback, token = _tracked(request, code)
    if feedback is None:
        return not_found(request)
    reply_form = verdict_form = None
    status = 200
    state = FeedbackState(feedback.state)
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "reply" and state == FeedbackState.AWAITING_INFO:
                reply_form = ReplyForm(request.POST)
                if reply_form.is_valid():
                    services.provide_info(feedback, reply_form.cleaned_data["reply"])
                    return redirect(_track_url(feedback.code, token) + "#tra-loi")
            elif what == "verdict" and state.has_answer and not feedback.verdict:
                verdict_form = VerdictForm(request.POST)
                if verdict_form.is_valid():
                    services.give_verdict(feedback, verdict_form.cleaned_data["verdict"], verdict_form.cleaned_data["note"])
                    return redirect(_track_url(feedback.code, token) + "#danh-gia")
            else:
                feedback.refresh_from_db()
                return render(request, "feedback/track.html", _track_context(feedback, token, stale=True), status=409)
        except FeedbackError as error:
            target = reply_form or verdict_form
            target.add_error(None, error.message)
            status = error.status
            feedback.refresh_from_db()
        else:
            status = 400
    return render(request, "feedback/track.html", _track_context(feedback, token, reply_form, verdict_form), status=status)


def _track_url(code: str, token: str) -> str:
    return reverse("feedback:track", args=[code]) + "?" + urlencode({"t": token})


def _track_context(feedback, token, reply_form=None, verdict_form=None, stale=False) -> dict:
    state = FeedbackState(feedback.state)
    return {
        "feedback": feedback, "token": token, "state": state, "stale": stale,
        "reply_form": reply_form or (ReplyForm() if state == FeedbackState.AWAITING_INFO else None),
        "verdict_form": verdict_form or (VerdictForm() if state.has_answer and not feedback.verdict else None),
        "overdue": selectors.is_overdue(feedback),
    }


@require_safe
def published(request):
    unit = selectors.public_unit(request.GET.get("don-vi", ""))
    page = Paginator(selectors.published_feedback(unit), PUBLISHED_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({"don-vi": unit.code}) if unit else ""
    return render(request, "feedback/published.html", {"page": page, "unit": unit, "units": selectors.public_units(), "query": query})
