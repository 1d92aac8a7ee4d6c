"""Pages of the privacy app: the reason form before a full record, the access log (inspectors, system
administrators), the register of data subjects' requests, and the citizen's own data export on the portal.

Records outside a person's reach answer 404 as their own pages do; a page the person may not use at all
answers 403 with the reason."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from congvu.core.excel import XLSX_CONTENT_TYPE, workbook_bytes
from congvu.privacy import access, export, records, selectors, services
from congvu.privacy.forms import AccessLogFilterForm, CloseRequestForm, DataRequestForm, RequestFilterForm, RevealForm
from congvu.privacy.models import Reason, RecordKind, RequestKind, RequestState
from congvu.units.selectors import staff_profile_of

PAGE_SIZE = 100
EXPORT_LIMIT = 50_000


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _forbidden(request, message: str):
    return render(request, "privacy/forbidden.html", {"message": message}, status=403)


# ------------------------------------------------------------------------------------------------ reveal


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def reveal(request):
    """Ask why, then log and remember the reason for this record and go back to its page."""
    source = request.POST if request.method == "POST" else request.GET
    record = records.find(request.user, str(source.get("kind", "")), str(source.get("key", ""))[:60])
    if record is None:
        raise Http404
    form = RevealForm(request.POST if request.method == "POST" else None, initial={"kind": record.kind, "key": record.key})
    if request.method == "POST" and form.is_valid():
        services.remember_reason(request, record.kind, record.key, form.cleaned_data["reason"], form.cleaned_data["reason_text"])
        return redirect(record.url)
    return render(request, "privacy/reveal.html", {"form": form, "record": record, "kind_label": RecordKind(record.kind).label},
                  status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def conceal(request):
    """Hide the details again before the reason runs out (a shared screen, a citizen at the counter)."""
    record = records.find(request.user, str(request.POST.get("kind", "")), str(request.POST.get("key", ""))[:60])
    if record is None:
        raise Http404
    services.forget_reason(request, record.kind, record.key)
    return redirect(record.url)


# ------------------------------------------------------------------------------------------------ access log


def _log_filters(request):
    form = AccessLogFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


@require_safe
@login_required
def access_log(request):
    if not access.can_read_access_log(request.user):
        return _forbidden(request, _("The personal data access log is read by inspectors and system administrators."))
    form, filters = _log_filters(request)
    invalid = form.is_bound and not form.is_valid()
    rows = [] if invalid else list(selectors.access_log(request.user, **filters)[:PAGE_SIZE + 1])
    return render(request, "privacy/access_log.html", {
        "form": form, "entries": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "query": request.GET.urlencode(),
    }, status=400 if invalid else 200)


@require_safe
@login_required
def access_log_export(request):
    if not access.can_read_access_log(request.user):
        return _forbidden(request, _("The personal data access log is read by inspectors and system administrators."))
    form, filters = _log_filters(request)
    if form.is_bound and not form.is_valid():
        return render(request, "privacy/access_log.html", {"form": form, "entries": [], "more": False, "query": ""}, status=400)
    entries = selectors.access_log(request.user, **filters)[:EXPORT_LIMIT]
    rows = (
        [timezone.localtime(e.at), e.user_name, str(e.get_record_kind_display()), e.record_key, e.unit.name if e.unit else "",
         str(e.get_reason_display()), e.reason_text]
        for e in entries.iterator(chunk_size=2000)
    )
    columns = [("Thời điểm", 18), ("Người xem", 28), ("Loại hồ sơ", 24), ("Hồ sơ", 26), ("Đơn vị", 36), ("Lý do", 40), ("Giải thích", 50)]
    content = workbook_bytes("Nhật ký truy cập", columns, rows)
    return _download(content, XLSX_CONTENT_TYPE, f"nhat-ky-truy-cap-du-lieu-ca-nhan-{timezone.localdate():%Y%m%d}.xlsx")


# ------------------------------------------------------------------------------------------------ requests


@require_safe
@login_required
def request_list(request):
    if not access.can_read_requests(request.user):
        return _forbidden(request, _("The register of personal data requests is kept by the one-stop desk, unit leaders, inspectors and system administrators."))
    form = RequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = list(selectors.requests(request.user, **filters)[:PAGE_SIZE + 1])
    return render(request, "privacy/request_list.html", {
        "form": form, "items": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "now": timezone.now(),
        "can_handle": access.can_handle_requests(request.user),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def request_new(request):
    if not access.can_handle_requests(request.user):
        return _forbidden(request, _("Requests are recorded by the one-stop desk, unit leaders and system administrators."))
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        profile = staff_profile_of(request.user)
        item = services.register_request(**form.cleaned_data, unit=profile.unit if profile else None, by=request.user)
        return redirect("privacy:request", pk=item.pk)
    return render(request, "privacy/request_new.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _request_or_404(request, pk):
    item = selectors.request_for(request.user, pk)
    if item is None:
        raise Http404
    return item


def _request_page(request, item, close_form=None, status=200):
    return render(request, "privacy/request_detail.html", {
        "item": item, "close_form": close_form or CloseRequestForm(), "can_handle": access.can_handle_requests(request.user),
        "can_export": access.can_handle_requests(request.user) and item.state == RequestState.OPEN and item.kind == RequestKind.ACCESS,
        "now": timezone.now(),
    }, status=status)


@require_safe
@login_required
def request_detail(request, pk):
    return _request_page(request, _request_or_404(request, pk))


@require_POST
@login_required
def request_close(request, pk):
    item = _request_or_404(request, pk)
    if not access.can_handle_requests(request.user):
        return _forbidden(request, _("Requests are answered by the one-stop desk, unit leaders and system administrators."))
    form = CloseRequestForm(request.POST)
    if not form.is_valid():
        return _request_page(request, item, form, status=400)
    try:
        services.close_request(item.pk, by=request.user, state=form.cleaned_data["state"], outcome=form.cleaned_data["outcome"])
    except services.RequestAlreadyClosed:
        form.add_error(None, _("This request was closed already, by someone else or in another tab."))
        item.refresh_from_db()
        return _request_page(request, item, form, status=409)
    return redirect("privacy:request", pk=item.pk)


@require_POST
@login_required
def request_export(request, pk):
    """The data of the person who asked, as far as this officer's units hold it, to hand over."""
    item = _request_or_404(request, pk)
    if not (access.can_handle_requests(request.user) and item.state == RequestState.OPEN and item.kind == RequestKind.ACCESS):
        return _forbidden(request, _("Data is exported only to answer an open request for a copy, by the one-stop desk, unit leaders or system administrators."))
    fmt = request.POST.get("format")
    if fmt not in ("json", "xlsx"):
        raise Http404
    data = export.citizen_data(item.personal_id, user=request.user)
    services.record_access(request.user, RecordKind.CITIZEN_EXPORT, f"yeu-cau-{item.pk}", item.unit, Reason.DATA_REQUEST,
                           f"Xuất dữ liệu ({fmt}) của {item.personal_id[:4]}****{item.personal_id[-4:]}")
    name = f"du-lieu-ca-nhan-yeu-cau-{item.pk}.{fmt}"
    if fmt == "json":
        return _download(export.as_json(data), "application/json; charset=utf-8", name)
    return _download(export.as_xlsx(data), XLSX_CONTENT_TYPE, name)


# ------------------------------------------------------------------------------------------------ citizen


def _signed_in(request):
    from congvu.citizens.identity import signed_in_citizen

    return signed_in_citizen(request)


def _sign_in_url() -> str:
    """The portal's citizen sign-in page when sign-in is configured, else "" (the page then says so)."""
    from django.conf import settings

    oidc = getattr(settings, "CITIZEN_OIDC", {}) or {}
    if not (oidc.get("issuer") and oidc.get("client_id")):
        return ""
    from django.urls import NoReverseMatch

    try:
        return reverse("citizens:sign_in")
    except NoReverseMatch:
        return ""


@require_safe
def my_data(request):
    identity = _signed_in(request)
    context = {"identity": identity, "sign_in_url": _sign_in_url()}
    if identity is not None:
        data = export.citizen_data(identity.personal_id)
        context["counts"] = {key: len(data[key]) for key in ("dossiers", "counter_visits", "ratings", "feedback", "stored_documents", "notifications")}
    response = render(request, "privacy/my_data.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def my_data_download(request):
    identity = _signed_in(request)
    if identity is None:
        return render(request, "privacy/my_data.html", {"identity": None, "sign_in_url": _sign_in_url(), "expired": True}, status=401)
    fmt = request.POST.get("format")
    if fmt not in ("json", "xlsx"):
        return render(request, "privacy/my_data.html", {"identity": identity, "sign_in_url": "", "bad_format": True}, status=400)
    data = export.citizen_data(identity.personal_id)
    services.record_citizen_export(identity, fmt=fmt)
    name = f"du-lieu-ca-nhan-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "json":
        return _download(export.as_json(data), "application/json; charset=utf-8", name)
    return _download(export.as_xlsx(data), XLSX_CONTENT_TYPE, name)
