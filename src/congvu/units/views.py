"""Staff pages about units: the list (search, filters, sort, pages, Excel) and one unit's page.

Every unit comes through `selectors.visible_units`; a unit outside the user's scope is answered with
404, as if it did not exist, so that codes cannot be probed."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from congvu.units import selectors
from congvu.units.exports import units_workbook
from congvu.units.forms import UnitFilterForm

PAGE_SIZE = 50


@require_safe
@login_required
def unit_list(request):
    form = UnitFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    units = selectors.unit_list(request.user, **filters)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    parents = selectors.parents_of(page.object_list)
    rows = [(unit, parents.get(unit.pk)) for unit in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "units/unit_list.html", {
        "form": form, "page": page, "rows": rows, "query": query.urlencode(), "today": timezone.localdate(),
    })


@require_safe
@login_required
def unit_export(request):
    form = UnitFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    content = units_workbook(selectors.unit_list(request.user, **filters))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="don-vi-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@require_safe
@login_required
def unit_detail(request, code):
    scope = selectors.scope_of(request.user)
    unit = selectors.visible_unit(request.user, code, scope=scope)
    if unit is None:
        raise Http404
    # Ancestors and successors are named (they are public facts about this unit) but linked only when
    # the user may open them.
    ancestors = [(a, scope.covers(a)) for a in selectors.ancestors_of(unit)]
    lineage = selectors.unit_lineage(unit)
    successors = [(s, scope.covers(s)) for s in lineage.successors]
    return render(request, "units/unit_detail.html", {
        "unit": unit,
        "ancestors": ancestors,
        "children": selectors.children_of(unit),
        "staff": selectors.staff_of_unit(unit),
        "predecessors": lineage.predecessors,
        "successors": successors,
        "today": timezone.localdate(),
    })
