"""Queue pages: the kiosk and the display board (public, per centre), the counter (the officer's), the list of
counters and the statistics (staff, scoped through `units.selectors`).

Views are thin: they find the rows, check who may act, call one service and render. A counter or a centre
outside the user's scope is answered with 403 and a page that says why; a bad request with a Vietnamese message
and nothing written."""

import hashlib
from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from congvu.catalog import selectors as catalog_selectors
from congvu.core.excel import XLSX_CONTENT_TYPE, workbook_bytes
from congvu.core.pdf import render_pdf
from congvu.queueing import selectors, services, statistics
from congvu.queueing.errors import InvalidInput, QueueError
from congvu.queueing.forms import PeriodForm, TransferForm
from congvu.queueing.models import Counter, ServiceGroup, Ticket, VisitOutcome

COUNTER_ACTIONS = {"take", "leave", "call_next", "recall", "start", "skip", "finish", "transfer"}
QUICK_PROCEDURES = 12
QUEUE_PREVIEW = 10


def _unit_or_404(unit_code: str):
    unit = selectors.unit_by_code(unit_code)
    if unit is None:
        raise Http404
    return unit


def _forbidden(request, message: str):
    return render(request, "queueing/forbidden.html", {"message": message}, status=403)


# ------------------------------------------------------------------------------------------------- staff index


@require_safe
@login_required
def index(request):
    """The counters of the user's units, with their kiosk, board and statistics."""
    units: OrderedDict = OrderedDict()
    for counter in selectors.visible_counters(request.user):
        units.setdefault(counter.unit, []).append(counter)
    rows = [(unit, counters, selectors.can_see_statistics(request.user, unit)) for unit, counters in units.items()]
    return render(request, "queueing/index.html", {"rows": rows, "mine": selectors.counter_of(request.user)})


# ------------------------------------------------------------------------------------------------- kiosk


def _kiosk_page(request, unit, *, error: str = "", status: int = 200):
    return render(request, "queueing/kiosk.html", {
        "unit": unit, "groups": selectors.kiosk_groups(unit, timezone.localdate()), "error": error,
        "auto_print": request.GET.get("in") == "1" or request.POST.get("in") == "1",
    }, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def kiosk(request, unit_code):
    unit = _unit_or_404(unit_code)
    if request.method != "POST":
        return _kiosk_page(request, unit)
    pk = selectors.parse_id(request.POST.get("group"))
    group = ServiceGroup.objects.filter(unit=unit, pk=pk).first() if pk is not None else None
    if group is None:
        return _kiosk_page(request, unit, error=_("Please choose one of the services below."), status=400)
    try:
        ticket = services.issue_ticket(unit, group)
    except QueueError as error:
        return _kiosk_page(request, unit, error=error.message, status=error.status)
    url = reverse("queueing:ticket", args=[unit.code, selectors.ticket_token(ticket)])
    return redirect(url + ("?in=1" if request.POST.get("in") == "1" else ""))


def _ticket_or_404(unit_code: str, token: str) -> Ticket:
    unit = _unit_or_404(unit_code)
    ticket = selectors.ticket_by_token(unit, token)
    if ticket is None:
        raise Http404
    return ticket


@require_safe
def ticket(request, unit_code, token):
    ticket = _ticket_or_404(unit_code, token)
    return render(request, "queueing/ticket.html", {
        "ticket": ticket, "unit": ticket.unit, "ahead": selectors.ahead_of(ticket), "token": token,
        "auto_print": request.GET.get("in") == "1",
    })


@require_safe
def ticket_pdf(request, unit_code, token):
    """The ticket as an 80 mm PDF, for kiosks that print files rather than pages."""
    ticket = _ticket_or_404(unit_code, token)
    content = render_pdf("queueing/ticket_pdf.html", {"ticket": ticket, "unit": ticket.unit, "ahead": selectors.ahead_of(ticket)})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="so-thu-tu-{ticket.code}.pdf"'
    return response


# ------------------------------------------------------------------------------------------------- display board


def _version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _board_context(request, unit) -> dict:
    """The board's body and announcement, each with a version. The page polls with both versions: it gets 204
    (nothing swapped) until something changes, and the announcement (an aria-live region, which screen
    readers read out on every change) is replaced only when the call it announces changes."""
    context = {"board": selectors.board(unit), "unit": unit}
    body = render_to_string("queueing/_board_body.html", context, request)
    announce = render_to_string("queueing/_board_announce.html", context, request)
    return {
        "unit": unit, "body": mark_safe(body), "announce": mark_safe(announce),  # noqa: S308 - our own rendered templates
        "version": _version(body), "announce_version": _version(announce),
    }


@require_safe
def board(request, unit_code):
    return render(request, "queueing/board.html", _board_context(request, _unit_or_404(unit_code)))


@require_safe
def board_update(request, unit_code):
    context = _board_context(request, _unit_or_404(unit_code))
    announce_changed = request.GET.get("a") != context["announce_version"]
    if request.GET.get("v") == context["version"] and not announce_changed:
        return HttpResponse(status=204)
    context["oob"] = announce_changed
    return render(request, "queueing/_board.html", context)


# ------------------------------------------------------------------------------------------------- counter


def _counter_context(request, counter: Counter, transfer_form: TransferForm | None = None) -> dict:
    today = timezone.localdate()
    current = selectors.current_ticket(counter)
    queue = selectors.queue_in_order(counter, today)
    procedures = []
    if current is not None:
        group = current.target_group or current.group
        procedures = list(catalog_selectors.current_versions().filter(procedure__in=group.procedures.all()).order_by("procedure__code")[:QUICK_PROCEDURES])
    return {
        "counter": counter,
        "on_duty": counter.officer_id == request.user.pk,
        "current": current,
        "procedures": procedures,
        "waiting_count": queue.count(),
        "queue": list(queue[:QUEUE_PREVIEW]),
        "skipped": list(selectors.skipped_at(counter, today)),
        "served_today": counter.visits.filter(ticket__day=today, outcome=VisitOutcome.DONE).count(),
        "groups": list(counter.groups.order_by("position", "prefix")),
        "transfer_form": transfer_form or TransferForm(counter),
    }


def _counter_or_403(request, pk: int):
    counter = get_object_or_404(Counter.objects.select_related("unit", "officer"), pk=pk)
    if not selectors.can_operate(request.user, counter):
        return counter, _forbidden(request, _("This counter belongs to a centre outside your units."))
    return counter, None


@require_safe
@login_required
def counter(request, pk):
    counter, denied = _counter_or_403(request, pk)
    if denied:
        return denied
    return render(request, "queueing/counter.html", _counter_context(request, counter))


@require_safe
@login_required
def counter_queue(request, pk):
    """The waiting list of the counter page, polled by htmx."""
    counter, denied = _counter_or_403(request, pk)
    if denied:
        return denied
    context = _counter_context(request, counter)
    return render(request, "queueing/_counter_queue.html", context)


def _ticket_of_request(request, counter: Counter) -> Ticket:
    pk = selectors.parse_id(request.POST.get("ticket"))
    ticket = Ticket.objects.filter(pk=pk, unit_id=counter.unit_id).first() if pk is not None else None
    if ticket is None:
        raise InvalidInput(_("This ticket does not exist at this centre; reload the page."))
    return ticket


def _act(request, counter: Counter, action: str):
    """Run one counter action; the message to show after it."""
    user = request.user
    if action == "take":
        services.take_counter(counter, user)
        return messages.SUCCESS, _("You are now on duty at %(counter)s.") % {"counter": counter.label}
    if action == "leave":
        services.leave_counter(counter, user)
        return messages.SUCCESS, _("You have left %(counter)s.") % {"counter": counter.label}
    if action == "call_next":
        ticket = services.call_next(counter, user)
        if ticket is None:
            return messages.INFO, _("Nobody is waiting for this counter.")
        return messages.SUCCESS, _("Called number %(ticket)s.") % {"ticket": ticket.code}
    ticket = _ticket_of_request(request, counter)
    if action == "recall":
        services.recall(ticket, counter, user)
        return messages.SUCCESS, _("Called number %(ticket)s again.") % {"ticket": ticket.code}
    if action == "start":
        services.start_serving(ticket, counter, user)
        return messages.SUCCESS, _("Serving number %(ticket)s.") % {"ticket": ticket.code}
    if action == "skip":
        services.skip(ticket, counter, user)
        return messages.WARNING, _("Number %(ticket)s was skipped; you can recall it today.") % {"ticket": ticket.code}
    services.finish(ticket, counter, user)
    return messages.SUCCESS, _("Number %(ticket)s is done.") % {"ticket": ticket.code}


@require_POST
@login_required
def counter_action(request, pk):
    counter, denied = _counter_or_403(request, pk)
    if denied:
        return denied
    action = request.POST.get("action", "")
    if action not in COUNTER_ACTIONS:
        raise Http404
    try:
        if action == "transfer":
            form = TransferForm(counter, request.POST)
            if not form.is_valid():
                return _counter_error(request, counter, _("Choose where to send the citizen."), 400, form)
            ticket = _ticket_of_request(request, counter)
            services.transfer(ticket, counter, request.user, note=form.cleaned_data["note"], **form.destination())
            level, message = messages.SUCCESS, _("Number %(ticket)s was transferred.") % {"ticket": ticket.code}
        else:
            level, message = _act(request, counter, action)
    except QueueError as error:
        counter.refresh_from_db()
        return _counter_error(request, counter, error.message, error.status)
    messages.add_message(request, level, message)
    return redirect("queueing:counter", pk=counter.pk)


def _counter_error(request, counter, message: str, status: int, transfer_form=None):
    context = _counter_context(request, counter, transfer_form)
    context["error"] = message
    return render(request, "queueing/counter.html", context, status=status)


# ------------------------------------------------------------------------------------------------- statistics


def _statistics_request(request, unit_code):
    unit = _unit_or_404(unit_code)
    if not selectors.can_see_statistics(request.user, unit):
        return unit, None, _forbidden(request, _("Queue statistics are for the leaders of this centre and the reform office."))
    return unit, PeriodForm(request.GET or None), None


@require_safe
@login_required
def statistics_page(request, unit_code):
    unit, form, denied = _statistics_request(request, unit_code)
    if denied:
        return denied
    context = {"unit": unit, "form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "queueing/statistics.html", context, status=400)
    start, end = form.period()
    report = statistics.queue_report(unit, start, end)
    query = request.GET.copy()
    query["tu"], query["den"] = start.isoformat(), end.isoformat()
    context.update({"report": report, "charts": statistics.charts(report), "export_query": query.urlencode()})
    return render(request, "queueing/statistics.html", context)


@require_safe
@login_required
def statistics_export(request, unit_code):
    unit, form, denied = _statistics_request(request, unit_code)
    if denied:
        return denied
    if form.is_bound and not form.is_valid():
        return render(request, "queueing/statistics.html", {"unit": unit, "form": form}, status=400)
    start, end = form.period()
    report = statistics.queue_report(unit, start, end)
    content = workbook_bytes(_("Queue statistics"), statistics.export_columns(), statistics.export_rows(report))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="xep-hang-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response

