"""Staff pages about dossiers: intake at the counter, the worklist, the list, one dossier with its actions,
the register, and the downloads (letters, result files, Excel).

Views are thin: they parse a form, call one service or selector, and render. Every dossier comes through
`selectors.dossier_for(user, code)`: a dossier outside the user's scope is answered with 404, as if it did
not exist, so codes cannot be probed."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from congvu.catalog import selectors as catalog_selectors
from congvu.core import keyset
from congvu.core.excel import XLSX_CONTENT_TYPE
from congvu.documents.services import open_stored, store_upload
from congvu.documents.validation import DocumentError
from congvu.dossiers import exports, letters, pages, selectors
from congvu.dossiers.forms import (
    OUTCOME_INCOMPLETE, OUTCOME_REFUSE, DossierFilterForm, IntakeForm, ProcedureSearchForm, RecordResultForm, RegisterForm,
    WorklistFilterForm, action_form, ascii_filename,
)
from congvu.dossiers.services import perform_action
from congvu.dossiers.services.errors import Conflict, DossierError
from congvu.dossiers.services.intake import receive_dossier, record_incomplete_intake, refuse_intake
from congvu.dossiers.states import Action
from congvu.privacy import pages as privacy_pages
from congvu.privacy.models import RecordKind
from congvu.queueing import intake as queue_intake
from congvu.signing.services import sign_as_unit
from congvu.units.selectors import staff_profile_of

PAGE_SIZE = 50
PROCEDURE_RESULTS = 20


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("after", None)
    return query.urlencode()


def _attachment(content: bytes, content_type: str, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _dossier_or_404(user, code: str):
    dossier = selectors.dossier_for(user, code)
    if dossier is None:
        raise Http404
    return dossier


# ------------------------------------------------------------------------------------------------- intake


def _procedure_versions(q: str):
    return list(catalog_selectors.search_versions(q, sort="name")[:PROCEDURE_RESULTS]) if q.strip() else []


@require_safe
@login_required
def procedure_search(request):
    """The live results under the intake search field (htmx); the same list the page shows without JS."""
    form = ProcedureSearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    return render(request, "dossiers/_procedure_results.html", {"q": q, "versions": _procedure_versions(q)})


def _chosen_version(code: str):
    procedure = catalog_selectors.procedure_by_code(code) if code else None
    return catalog_selectors.version_in_force(procedure) if procedure else None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def intake(request):
    profile = staff_profile_of(request.user)
    ticket = queue_intake.ticket_from_request(request)  # the queue number this citizen was called with, if any
    code = (request.POST.get("procedure") if request.method == "POST" else request.GET.get("procedure")) or ""
    version = _chosen_version(code.strip())
    if version is None:
        search = ProcedureSearchForm(request.GET)
        q = search.cleaned_data["q"] if search.is_valid() else ""
        return render(request, "dossiers/intake.html", {
            "q": q, "versions": _procedure_versions(q), "profile": profile, "ticket": ticket,
            "procedure_error": _("There is no procedure in force with the code “%(code)s”.") % {"code": code} if code else "",
        }, status=400 if request.method == "POST" else 200)
    form = IntakeForm(version, request.POST if request.method == "POST" else None)
    context = {
        "version": version, "form": form, "profile": profile, "not_receivable": pages.not_receivable(version),
        "reused_chosen": request.POST.getlist("reused"), "ticket": ticket,
    }
    # The applicant's reusable documents are personal data: only who serves them at a counter reads them.
    context["citizen_documents"] = form.citizen_documents() if pages.may_read_citizen_documents(request.user) else []
    if profile is None:
        context["no_unit"] = True
        return render(request, "dossiers/intake.html", context, status=403 if request.method == "POST" else 200)
    if request.method != "POST" or not form.is_valid():
        return render(request, "dossiers/intake.html", context, status=400 if request.method == "POST" else 200)
    data = form.cleaned_data
    common = {"applicant": form.applicant_data(), "channel": data["channel"]}
    try:
        if data["outcome"] == OUTCOME_REFUSE:
            record = refuse_intake(request.user, profile.unit, version, reasons=data["reasons"], **common)
        elif data["outcome"] == OUTCOME_INCOMPLETE:
            record = record_incomplete_intake(
                request.user, profile.unit, version, checked_document_ids=[d.pk for d in form.checked_documents()],
                not_applicable_document_ids=[d.pk for d in form.not_applicable_documents()], other_missing=form.other_missing(), **common,
            )
        else:
            dossier = receive_dossier(
                request.user, profile.unit, version, checked_document_ids=[d.pk for d in form.checked_documents()],
                not_applicable_document_ids=[d.pk for d in form.not_applicable_documents()],
                summary=data.get("summary") or "", copies=data["copies"], reused_document_ids=data.get("reused") or [], **common,
            )
            if ticket is not None:
                queue_intake.link_received(request, ticket, dossier)
            return redirect(reverse("dossiers:detail", args=[dossier.code]) + "?tiep-nhan=1")
    except DossierError as error:
        form.add_service_error(error)
        return render(request, "dossiers/intake.html", context, status=400)
    return redirect("dossiers:intake_record", pk=record.pk)


@require_safe
@login_required
def citizen_documents(request):
    """The applicant's reusable documents under the personal ID field (htmx), for staff attached to a unit."""
    personal_id = (request.GET.get("personal_id") or "").strip()
    documents = pages.citizen_documents(request.user, personal_id)
    return render(request, "dossiers/_citizen_documents.html", {"documents": documents or [], "chosen": [], "looked_up": documents is not None})


@require_safe
@login_required
def intake_record(request, pk):
    record = pages.intake_record_for(request.user, pk)
    if record is None:
        raise Http404
    return render(request, "dossiers/intake_record.html", {"record": record})


@require_safe
@login_required
def intake_record_letter(request, pk):
    record = pages.intake_record_for(request.user, pk)
    if record is None:
        raise Http404
    content, name = pages.intake_letter(record)
    return _attachment(content, "application/pdf", ascii_filename(name, record.letter_number, extension="pdf"), inline=True)


# ------------------------------------------------------------------------------------------------- lists


def _list_filters(request):
    units = pages.filter_units(request.user)
    form = DossierFilterForm(request.GET or None, units=units)
    return form, form.filters()


@require_safe
@login_required
def dossier_list(request):
    form, filters = _list_filters(request)
    # Keyset pages: page 200 of a province's list costs what page 1 does, and no COUNT(*) of millions.
    page = keyset.page(selectors.dossier_list(request.user, **filters), form.ordering(), request.GET.get("after"), PAGE_SIZE)
    return render(request, "dossiers/dossier_list.html", {
        "form": form, "page": page, "rows": pages.dossier_rows(page.rows), "query": _query_without_page(request),
    })


@require_safe
@login_required
def dossier_export(request):
    form, filters = _list_filters(request)
    dossiers = keyset.order_by(selectors.dossier_list(request.user, **filters), form.ordering())
    return _attachment(exports.dossiers_workbook(dossiers), XLSX_CONTENT_TYPE, ascii_filename("ho-so", f"{timezone.localdate():%Y%m%d}", extension="xlsx"))


def _worklist(request):
    """The filter form, its values, the instant the marks are for, and the calendars read (shared by the
    "soon" filter and the marks, so a receiving unit's calendar is looked up once)."""
    form = WorklistFilterForm(request.GET or None)
    return form, {**form.values(), "now": timezone.now(), "calendars": {}}


@require_safe
@login_required
def worklist(request):
    form, values = _worklist(request)
    # Keyset pages by due time: each part of the worklist (the unit's steps, the user's elsewhere) is read up
    # to one page in index order, however many steps the unit has.
    parts = selectors.worklist_parts(request.user, **values)
    page = keyset.page_of_union(parts, selectors.WORKLIST_ORDERING, request.GET.get("after"), PAGE_SIZE)
    return render(request, "dossiers/worklist.html", {
        "form": form, "page": page, "rows": pages.step_rows(page.rows, values["now"], values["calendars"]),
        "query": _query_without_page(request), "online_waiting": selectors.online_waiting(request.user),
    })


@require_safe
@login_required
def worklist_export(request):
    _form, values = _worklist(request)
    steps = keyset.order_by(selectors.worklist_steps(request.user, **values), selectors.WORKLIST_ORDERING)
    rows = pages.step_rows(steps, values["now"], values["calendars"])
    return _attachment(exports.worklist_workbook(rows), XLSX_CONTENT_TYPE, ascii_filename("viec-can-lam", f"{timezone.localdate():%Y%m%d}", extension="xlsx"))


# ------------------------------------------------------------------------------------------------- one dossier


def _detail(request, dossier, *, status: int = 200, failed=None, error: DossierError | None = None):
    context = pages.detail_context(request.user, dossier, failed=failed)
    # The applicant's personal details show, and the view is logged, only after a reason (Decree 13/2023).
    context.update(privacy_pages.reveal_context(request, RecordKind.DOSSIER, dossier.code, dossier.receiving_unit))
    context.update({
        "error": error,
        "conflict": isinstance(error, Conflict),
        "just_received": request.GET.get("tiep-nhan") == "1",
    })
    return render(request, "dossiers/dossier_detail.html", context, status=status)


@require_safe
@login_required
def dossier_detail(request, code):
    return _detail(request, _dossier_or_404(request.user, code))


@require_POST
@login_required
def dossier_action(request, code):
    dossier = _dossier_or_404(request.user, code)
    try:
        action = Action(request.POST.get("action", ""))
    except ValueError:
        raise Http404 from None
    if action not in pages.possible_actions(dossier):
        return _detail(request, dossier, status=409, error=DossierError("transition_not_allowed", _("This action is not possible in the dossier's current state.")))
    if action not in pages.available_actions(request.user, dossier):
        return _detail(request, dossier, status=403, error=pages.refusal(request.user, dossier, action))
    form = action_form(action, dossier, request.POST, request.FILES, **pages.action_choices(request.user, dossier, action))
    if not form.is_valid():
        return _detail(request, dossier, status=400, failed=form)
    try:
        with transaction.atomic():
            # The scan is kept only if the result is recorded: the transaction takes its row back otherwise.
            params = form.params(_stored_result(request, form)) if isinstance(form, RecordResultForm) else form.params()
            perform_action(dossier, action, actor=request.user, expected_version=form.cleaned_data["expected_version"], **params)
    except Conflict as conflict:
        dossier.refresh_from_db()
        return _detail(request, dossier, status=409, error=conflict)
    except DocumentError as error:
        form.add_error("file", error.message)
        return _detail(request, dossier, status=400, failed=form)
    except DossierError as error:
        form.add_service_error(error)
        dossier.refresh_from_db()
        return _detail(request, dossier, status=error.status if 400 <= error.status < 500 else 400, failed=form, error=error)
    return redirect(reverse("dossiers:detail", args=[dossier.code]) + f"#{pages.anchor_after(action)}")


def _stored_result(request, form):
    upload = form.cleaned_data.get("file")
    if not upload:
        return None
    return store_upload(upload, upload.name, uploaded_by=request.user)


@require_safe
@login_required
def dossier_letter(request, code, kind):
    dossier = _dossier_or_404(request.user, code)
    letter = pages.letter_for(dossier, kind, request.GET.get("so"))
    if letter is None:
        raise Http404
    content = letter()
    return _attachment(content, "application/pdf", ascii_filename(dossier.code, kind, extension="pdf"), inline=True)


@require_safe
@login_required
def result_file(request, code, pk):
    dossier = _dossier_or_404(request.user, code)
    stored = pages.stored_file_of(dossier, pk)
    if stored is None:
        raise Http404
    with open_stored(stored) as handle:
        content = handle.read()
    if stored.content_type == "application/pdf":
        # Handed out signed by the unit that decided (invisibly: a scanned decision has content where a stamp
        # would go); the stored file stays as uploaded, so an earlier signature on it stays valid too.
        content = sign_as_unit(content, dossier.handling_unit, visible=False)
    extension = stored.storage_name.rsplit(".", 1)[-1] if "." in stored.storage_name else "bin"
    return _attachment(content, stored.content_type, ascii_filename(dossier.code, f"tep-{stored.pk}", extension=extension))


# ------------------------------------------------------------------------------------------------- register


@require_safe
@login_required
def register(request):
    units = pages.register_units(request.user)
    form = RegisterForm(request.GET or None, units=units, initial={"year": timezone.localdate().year})
    if request.GET and form.is_valid():
        unit = next(u for u in units if u.code == form.cleaned_data["unit"])
        year = form.cleaned_data["year"]
        fmt = request.GET.get("format")
        dossiers = selectors.dossiers_for(request.user).filter(receiving_unit=unit)
        name = ascii_filename("so-theo-doi", unit.code, str(year), extension="xlsx" if fmt == "xlsx" else "pdf")
        if fmt == "xlsx":
            return _attachment(letters.register_xlsx(unit, year, dossiers), XLSX_CONTENT_TYPE, name)
        if fmt == "pdf":
            return _attachment(letters.register_pdf(unit, year, dossiers), "application/pdf", name, inline=True)
    return render(request, "dossiers/register.html", {"form": form})
