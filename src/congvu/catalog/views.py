"""Public catalogue pages: the list (search, filters, Excel export), a procedure's page, and its printable
guidance sheet. No login: publishing procedures is a legal duty (Decree 118/2025)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.catalog import exports, portal_format, selectors
from congvu.catalog.forms import CatalogueFilterForm
from congvu.core.pdf import render_pdf
from congvu.core.text import fold

PAGE_SIZE = 20


def _filtered(request):
    form = CatalogueFilterForm(request.GET or None)
    filters = form.filters()
    versions = selectors.search_versions(
        filters["q"], filters["field"], filters["level"], include_abolished=filters["include_abolished"],
        online_only=filters["online"], sort=filters["sort"],
    )
    return form, filters, versions


def procedure_list(request):
    form, filters, versions = _filtered(request)
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in filters.items() if v and not (k == "sort" and v == "code")}
    return render(request, "catalog/procedure_list.html", {
        "form": form,
        "page": page,
        "query_string": urlencode(query),
        "filters": filters,
    })


def procedure_export(request):
    _form, _filters, versions = _filtered(request)
    content = exports.catalogue_workbook(versions.prefetch_related("fees", "gaps"))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="danh-muc-thu-tuc-{stamp}.xlsx"'
    return response


def _version_or_404(code: str, number: int | None = None):
    procedure = selectors.procedure_by_code(code)
    version = selectors.version_detail(procedure, number) if procedure else None
    if version is None:
        raise Http404(_("No procedure with this code is in force."))
    return version


def _detail_context(version, *, is_current: bool) -> dict:
    documents = list(version.documents.all())
    current = selectors.version_in_force(version.procedure)
    return {
        "version": version,
        "procedure": version.procedure,
        "is_current": is_current,
        "is_future": version.effective_from > timezone.localdate(),
        "current": current,
        "submit_groups": _by_heading([d for d in documents if d.group == "submit"]),
        "documents_to_show": [d for d in documents if d.group == "show"],
        "documents_notes": [d for d in documents if d.group == "note"],
        "fees": list(version.fees.all()),
        "linked": [(p, selectors.version_in_force(p)) for p in version.linked_procedures.all()],
        "history": selectors.version_history(version.procedure),
        # The portal's filing page says itself when no unit of the province receives it online yet.
        "online_filing": is_current and selectors.accepts_online_filing(version),
    }


def _by_heading(documents) -> list[tuple[str, list]]:
    """Consecutive documents under the same case heading ("Trường hợp …"), the portal's standard headings
    ("Giấy tờ phải nộp") left untitled since the section already says it."""
    groups: list[tuple[str, list]] = []
    for doc in documents:
        title = "" if fold(doc.heading).rstrip(" :") in portal_format.DOCUMENT_HEADINGS else doc.heading
        if groups and groups[-1][0] == title:
            groups[-1][1].append(doc)
        else:
            groups.append((title, [doc]))
    return groups


def procedure_detail(request, code: str):
    version = _version_or_404(code)
    return render(request, "catalog/procedure_detail.html", _detail_context(version, is_current=True))


def procedure_version(request, code: str, number: int):
    version = _version_or_404(code, number)
    current = selectors.version_in_force(version.procedure)
    return render(request, "catalog/procedure_detail.html", _detail_context(version, is_current=current is not None and current.pk == version.pk))


def procedure_guide_pdf(request, code: str):
    version = _version_or_404(code)
    context = _detail_context(version, is_current=True)
    context["printed_on"] = timezone.localdate()
    pdf = render_pdf("catalog/guide_pdf.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="huong-dan-{version.procedure.code}.pdf"'
    return response
