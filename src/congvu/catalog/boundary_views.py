"""Staff pages of the province's list of procedures received regardless of administrative boundary (Decree
118/2025): list (search, status filter, pagination, Excel), add, end, import a published list with a report.

For catalogue administrators: a superuser, the system administrators, the administrative reform office, or anyone
granted the "change" permission on the listings. Thin: forms check input, `congvu.catalog.boundary` writes."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from congvu.catalog import boundary
from congvu.catalog.boundary_forms import EndListingForm, ImportForm, ListingFilterForm, ListingForm
from congvu.catalog.models import BoundaryFreeListing
from congvu.core.excel import XLSX_CONTENT_TYPE, workbook_bytes
from congvu.core.text import search_terms
from congvu.units.models import Role, Unit, UnitKind
from congvu.units.selectors import active_q, staff_profile_of

PAGE_SIZE = 50
_ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.REFORM_ADMIN}


def can_manage(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.has_perm("catalog.change_boundaryfreelisting"):
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role in _ADMIN_ROLES


def _province(user):
    """The province whose list the user manages: their unit's; for an account without a unit, the first one."""
    profile = staff_profile_of(user)
    if profile is not None:
        return boundary.province_of(profile.unit)
    return Unit.objects.filter(active_q(), depth=1, kind=UnitKind.PROVINCE).order_by("path").first()


def _guarded(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not can_manage(request.user):
            return render(request, "catalog/boundary_forbidden.html", {
                "message": _("Only catalogue administrators (the system administrators and the administrative reform office) "
                             "manage the list of procedures received regardless of administrative boundary."),
            }, status=403)
        province = _province(request.user)
        if province is None:
            return render(request, "catalog/boundary_forbidden.html", {"message": _("There is no province in the system yet.")}, status=403)
        return view(request, province, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _listings(province, filters: dict):
    today = timezone.localdate()
    qs = BoundaryFreeListing.objects.filter(province=province).select_related("procedure", "created_by")
    if filters["status"] == "":
        qs = qs.filter(boundary.in_force_q(today))
    elif filters["status"] == "ended":
        qs = qs.filter(valid_to__lt=today)
    for term in search_terms(filters["q"]):
        qs = qs.filter(Q(procedure__code__icontains=term) | Q(procedure__versions__search_text__contains=term)
                       | Q(decision_number__icontains=term)).distinct()
    return qs.order_by("procedure__code", "-valid_from", "-pk")


def _names(listings) -> dict[int, str]:
    """The name of each listed procedure's version in force (one query)."""
    from congvu.catalog.selectors import current_versions

    ids = {item.procedure_id for item in listings}
    return dict(current_versions().filter(procedure_id__in=ids).values_list("procedure_id", "name")) if ids else {}


@require_safe
@_guarded
def listing_list(request, province):
    form = ListingFilterForm(request.GET or None)
    filters = form.values()
    qs = _listings(province, filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _names(page.object_list)
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "catalog/boundary_list.html", {
        "province": province, "form": form, "page": page, "rows": [(item, names.get(item.procedure_id, "")) for item in page.object_list],
        "query_string": query, "today": timezone.localdate(), "add_form": ListingForm(), "import_form": ImportForm(),
    })


@require_safe
@_guarded
def listing_export(request, province):
    form = ListingFilterForm(request.GET or None)
    listings = list(_listings(province, form.values()))
    names = _names(listings)
    columns = [(_("Procedure code"), 14), (_("Procedure name"), 60), (_("Number of the listing decision"), 22),
               (_("Date of the listing decision"), 14), (_("Listed from"), 14), (_("Last day listed"), 14), (_("Decision that removes it"), 22)]
    rows = ([item.procedure.code, names.get(item.procedure_id, ""), item.decision_number, item.decision_date, item.valid_from,
             item.valid_to, item.end_decision_number] for item in listings)
    response = HttpResponse(workbook_bytes(_("Boundary-free procedures"), columns, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="thu-tuc-khong-phu-thuoc-dia-gioi-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


@require_http_methods(["GET", "HEAD", "POST"])
@_guarded
def listing_new(request, province):
    form = ListingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            listing = boundary.add_listing(data["procedure"], province, data["decision_number"], data["decision_date"],
                                           data.get("valid_from"), actor=request.user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect(reverse("catalog:boundary_list") + f"?q={listing.procedure.code}&added=1")
    return render(request, "catalog/boundary_form.html", {"province": province, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@_guarded
def listing_end(request, province, pk: int):
    listing = get_object_or_404(BoundaryFreeListing.objects.select_related("procedure"), pk=pk, province=province)
    form = EndListingForm(request.POST or None, initial={"valid_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            boundary.end_listing(listing, form.cleaned_data["valid_to"], form.cleaned_data.get("end_decision_number") or "", actor=request.user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect(reverse("catalog:boundary_list") + "?status=all&ended=1")
    return render(request, "catalog/boundary_end.html", {"province": province, "form": form, "listing": listing},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@_guarded
def listing_import(request, province):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            report = boundary.import_listings(province, upload.name, upload.read(), decision_number=data.get("decision_number") or "",
                                              decision_date=data.get("decision_date"), actor=request.user)
            status = 200 if report.ok else 400
    return render(request, "catalog/boundary_import.html", {"province": province, "form": form, "report": report}, status=status)

