"""Staff pages of the national portal sync: the dossiers by sync state (filters, search, sort, pages, Excel),
one dossier's changes with every call's payload and answer, and the "Gửi lại" (resend) button. Only system
administrators, the reform office and superusers may open them (everyone else signed in gets 403): the
payloads hold every applicant's details, across all units."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from congvu.core.excel import XLSX_CONTENT_TYPE
from congvu.dossiers.models import Dossier
from congvu.sync import selectors
from congvu.sync.adapter import AdapterConfig
from congvu.sync.exports import sync_workbook
from congvu.sync.forms import SyncFilterForm
from congvu.sync.models import SyncState
from congvu.sync.services import SyncError, resend
from congvu.units.selectors import order_by_name, visible_units

PAGE_SIZE = 50


def sync_manager_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.can_manage_sync(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _form(request) -> SyncFilterForm:
    units = order_by_name(visible_units(request.user).filter(depth__lte=4))
    return SyncFilterForm(request.GET or None, units=list(units))


def _state_counts() -> list[tuple[str, str, int]]:
    counts = selectors.state_counts()
    return [(value, label, counts.get(value, 0)) for value, label in SyncState.choices]


@require_safe
@sync_manager_required
def sync_list(request):
    form = _form(request)
    filters = form.filters() if request.GET else {}
    page = Paginator(selectors.dossier_syncs(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    config = AdapterConfig.from_settings()
    return render(request, "sync/sync_list.html", {
        "form": form, "page": page, "query": _query_without_page(request), "state_counts": _state_counts(), "config": config,
        "waiting_changes": selectors.waiting_changes(),
    })


@require_safe
@sync_manager_required
def sync_export(request):
    form = _form(request)
    filters = form.filters() if request.GET else {}
    response = HttpResponse(sync_workbook(selectors.dossier_syncs(**filters)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="dong-bo-dvcqg-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@require_safe
@sync_manager_required
def sync_detail(request, code):
    dossier = get_object_or_404(Dossier.objects.select_related("receiving_unit", "applicant"), code=code)
    sync = selectors.sync_of(dossier)
    now = timezone.now()
    return render(request, "sync/sync_detail.html", {
        "dossier": dossier, "sync": sync, "config": AdapterConfig.from_settings(),
        "changes": selectors.changes_of(dossier)[:200], "calls": selectors.calls_of(dossier)[:100], "resends": selectors.resends_of(dossier)[:20],
        "in_flight": bool(sync and sync.claim_token and sync.next_attempt_at and sync.next_attempt_at > now),
    })


@require_POST
@sync_manager_required
def sync_resend(request, code):
    dossier = get_object_or_404(Dossier, code=code)
    try:
        resend(dossier, by=request.user)
    except SyncError as exc:
        messages.error(request, exc.message)
    else:
        if AdapterConfig.from_settings() is None:
            messages.warning(request, _("Queued again, but national portal sync is not configured: it will be sent once it is."))
        else:
            messages.success(request, _("Queued again; the sync worker will send it shortly."))
    return redirect("sync:detail", code=dossier.code)
