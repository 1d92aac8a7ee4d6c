"""Staff pages of the outbox: the list (filters, search, sort, pages, Excel), one message, retrying a failed
one, and the demo mailbox. Only system administrators, reform administrators and superusers may open them
(everyone else signed in gets 403): the outbox holds every citizen's contact details."""

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
from congvu.notify import selectors
from congvu.notify.exports import outbox_workbook
from congvu.notify.forms import MailboxFilterForm, OutboxFilterForm
from congvu.notify.models import OutboxMessage, Status
from congvu.notify.services import NotifyError, retry_message
from congvu.notify.transports import channel_setups

PAGE_SIZE = 50
MAILBOX_PAGE_SIZE = 20


def notification_manager_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.can_manage_notifications(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _status_counts() -> list[tuple[str, str, int]]:
    counts = selectors.status_counts()
    return [(value, label, counts.get(value, 0)) for value, label in Status.choices]


@require_safe
@notification_manager_required
def outbox_list(request):
    form = OutboxFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = Paginator(selectors.outbox(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notify/outbox_list.html", {
        "form": form, "page": page, "query": _query_without_page(request), "status_counts": _status_counts(),
        "setups": channel_setups(),
    })


@require_safe
@notification_manager_required
def outbox_export(request):
    form = OutboxFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    response = HttpResponse(outbox_workbook(selectors.outbox(**filters)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="hop-thu-di-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@require_safe
@notification_manager_required
def message_detail(request, pk):
    message = get_object_or_404(OutboxMessage.objects.select_related("dossier", "retried_by"), pk=pk)
    return render(request, "notify/message_detail.html", {"message": message, "open": message.status in (Status.PENDING, Status.SENDING)})


@require_POST
@notification_manager_required
def message_retry(request, pk):
    get_object_or_404(OutboxMessage, pk=pk)
    try:
        retry_message(pk, by=request.user)
    except NotifyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The message is queued again; the worker will send it shortly."))
    return redirect("notify:detail", pk=pk)


@require_safe
@notification_manager_required
def mailbox(request):
    form = MailboxFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = Paginator(selectors.mailbox(**filters), MAILBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notify/mailbox.html", {
        "form": form, "page": page, "query": _query_without_page(request), "setups": channel_setups(),
    })
