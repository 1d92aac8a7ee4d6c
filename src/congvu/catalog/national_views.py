"""The catalogue administrator's page of differences from the national portal: list (filter, sort, Excel) and
a decision per difference (accept or dismiss, each one transaction in `national_refresh`).

Catalogue administrators are those with the model permissions on differences (the reform office's role group
holds every catalogue permission, system administrators every permission): viewing needs `view_`, deciding
`change_`. Anyone else gets the 403 page."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST, require_safe

from congvu.catalog import national_refresh
from congvu.catalog.models import DifferenceStatus, NationalField, NationalProcedureDifference
from congvu.core.excel import XLSX_CONTENT_TYPE, workbook_bytes
from congvu.core.text import fold

PAGE_SIZE = 50
VIEW_PERMISSION = "catalog.view_nationalproceduredifference"
DECIDE_PERMISSION = "catalog.change_nationalproceduredifference"
SORTS = {
    "code": ("procedure__code", "field"),
    "-fetched": ("-fetched_at", "procedure__code"),
    "fetched": ("fetched_at", "procedure__code"),
    "field": ("field", "procedure__code"),
}


class DifferenceFilterForm(forms.Form):
    q = forms.CharField(label=pgettext_lazy("national difference", "Procedure code or name"), required=False, max_length=200)
    field = forms.ChoiceField(
        label=pgettext_lazy("national difference", "What differs"), required=False,
        choices=[("", pgettext_lazy("national difference", "All"))] + list(NationalField.choices),
    )
    status = forms.ChoiceField(
        label=pgettext_lazy("national difference", "Decision"), required=False,
        choices=[("", pgettext_lazy("national difference", "All"))] + list(DifferenceStatus.choices), initial=DifferenceStatus.PENDING,
    )
    sort = forms.ChoiceField(label=pgettext_lazy("national difference", "Sort by"), required=False, choices=[
        ("code", pgettext_lazy("national difference", "Procedure code")),
        ("-fetched", pgettext_lazy("national difference", "Latest fetched first")),
        ("fetched", pgettext_lazy("national difference", "Oldest fetched first")),
        ("field", pgettext_lazy("national difference", "What differs")),
    ])

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status", DifferenceStatus.PENDING) if self.is_bound else DifferenceStatus.PENDING
        return {
            "q": (data.get("q") or "").replace("\x00", "").strip(), "field": data.get("field") or "",
            "status": status or "", "sort": data.get("sort") or "code",
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("dismiss", "dismiss")])
    note = forms.CharField(label=pgettext_lazy("national difference", "Note"), required=False, max_length=2000)


def _allowed(request, permission) -> bool:
    return request.user.has_perm(permission)


def _forbidden(request):
    return render(request, "403.html", status=403)


def _filtered(request):
    # The page opens on what waits for a decision; "All" is an explicit empty status in the query.
    form = DifferenceFilterForm(request.GET or None)
    filters = form.filters()
    rows = NationalProcedureDifference.objects.select_related("procedure", "version", "decided_by")
    if filters["status"]:
        rows = rows.filter(status=filters["status"])
    if filters["field"]:
        rows = rows.filter(field=filters["field"])
    if filters["q"]:
        folded = fold(filters["q"])
        rows = rows.filter(Q(procedure__code__icontains=filters["q"]) | Q(version__search_text__contains=folded))
    return form, filters, rows.order_by(*SORTS[filters["sort"]])


@require_safe
@login_required
def difference_list(request):
    if not _allowed(request, VIEW_PERMISSION):
        return _forbidden(request)
    form, filters, rows = _filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/national_differences.html", {
        "form": form, "page": page, "query": urlencode(filters), "filters": filters,
        "can_decide": _allowed(request, DECIDE_PERMISSION),
        "pending_count": NationalProcedureDifference.objects.filter(status=DifferenceStatus.PENDING).count(),
    })


@require_safe
@login_required
def difference_export(request):
    if not _allowed(request, VIEW_PERMISSION):
        return _forbidden(request)
    _form, _filters, rows = _filtered(request)
    columns = [
        (_("Procedure code"), 14), (_("Procedure"), 50), (pgettext_lazy("national difference", "What differs"), 22),
        (pgettext_lazy("national difference", "In our catalogue"), 50), (pgettext_lazy("national difference", "On the national portal"), 50),
        (pgettext_lazy("national difference", "Last fetched"), 18), (pgettext_lazy("national difference", "Decision"), 18),
        (pgettext_lazy("national difference", "Decided by"), 24), (pgettext_lazy("national difference", "Decided at"), 18),
        (pgettext_lazy("national difference", "Note"), 40),
    ]

    def local(value):
        return timezone.localtime(value) if value else None

    content = workbook_bytes(str(pgettext_lazy("national difference", "Differences from the national portal")), [(str(h), w) for h, w in columns], (
        [r.procedure.code, r.version.name, r.get_field_display(), r.ours, r.theirs, local(r.fetched_at), r.get_status_display(),
         (r.decided_by.get_full_name() or r.decided_by.get_username()) if r.decided_by else "", local(r.decided_at), r.decision_note]
        for r in rows.iterator(chunk_size=1000)
    ))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="khac-biet-dvcqg-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@require_POST
@login_required
def difference_decide(request, pk: int):
    if not _allowed(request, DECIDE_PERMISSION):
        return _forbidden(request)
    difference = get_object_or_404(NationalProcedureDifference, pk=pk)
    form = DecisionForm(request.POST)
    back = request.POST.get("next") or ""
    target = back if back.startswith("?") else ""
    if not form.is_valid():
        messages.error(request, _("Choose to accept or to dismiss the difference."))
        return redirect(_list_url() + target)
    action = national_refresh.accept if form.cleaned_data["decision"] == "accept" else national_refresh.dismiss
    try:
        action(difference, by=request.user, note=form.cleaned_data["note"])
    except national_refresh.DifferenceError as error:
        messages.error(request, error.message)
    else:
        if action is national_refresh.accept:
            text = _("Accepted: the catalogue now has the national portal's value.")
        else:
            text = pgettext("national difference", "Dismissed.")
        messages.success(request, f"{difference.procedure.code} — {difference.get_field_display()}: {text}")
    return redirect(_list_url() + target)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("catalog:national_differences")
