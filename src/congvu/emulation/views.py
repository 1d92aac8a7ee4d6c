"""Emulation pages. Thin: forms check input, services write (PermissionDenied → a 403 page with the reason,
ValidationError → the form again with the Vietnamese messages, status 400), selectors read in the user's scope.
Anything outside the user's scope answers 404."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from congvu.core.excel import XLSX_CONTENT_TYPE
from congvu.core.pdf import render_pdf
from congvu.emulation import access, exports, selectors, services
from congvu.emulation.forms import (
    AdjustForm, DecisionForm, InitiativeFilterForm, InitiativeForm, MovementForm, RecogniseForm, RegisterFilterForm, RegisterForm, ScoreForm,
)
from congvu.emulation.models import Initiative, Movement, MovementState, Proposal, ProposalLine, ProposalState
from congvu.emulation.titles import catalogue
from congvu.units.models import StaffProfile, Unit
from congvu.units.selectors import staff_profile_of, visible_unit, visible_units


def _forbidden(request, message):
    return render(request, "emulation/forbidden.html", {"message": message}, status=403)


def _messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _staff_in(units):
    return StaffProfile.objects.filter(unit__in=units, user__is_active=True).select_related("user", "unit").order_by("unit__code", "user__username")


# ------------------------------------------------------------------------------------------------ home, titles


@require_safe
@login_required
def home(request):
    year = timezone.localdate().year
    profile = staff_profile_of(request.user)
    own = None
    if profile is not None:
        unit = profile.unit
        # One-stop officers sit in the ward's centre: their proposal is the ward's.
        while unit.kind not in selectors.SEPARATE_KINDS and unit.depth > 1:
            unit = Unit.objects.get(path=unit.path[: -Unit.steplen])
        own = unit
    return render(request, "emulation/home.html", {
        "year": year, "movements": selectors.movements_for(request.user, year)[:10], "own_unit": own,
        "is_admin": access.is_reform_admin(request.user),
        "proposals": selectors.proposals_for(request.user, year)[:20],
    })


@require_safe
@login_required
def titles(request):
    cat = catalogue()
    rows = [(t, [cat.describe(c) for c in t.conditions], t.quota.describe(cat.name_of(t.quota.of_title)) if t.quota else "") for t in cat.titles]
    return render(request, "emulation/titles.html", {"catalogue": cat, "rows": rows})


# ------------------------------------------------------------------------------------------------ movements


def _launch_units(user):
    return [u for u in visible_units(user).filter(kind__in=list(selectors.SEPARATE_KINDS)).order_by("depth", "code")
            if access.can_launch_movement(user, u)]


@require_safe
@login_required
def movement_list(request):
    year = request.GET.get("year", "")
    movements = selectors.movements_for(request.user, int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None)
    return render(request, "emulation/movement_list.html", {"movements": movements, "year": year,
                                                            "can_launch": bool(_launch_units(request.user))})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def movement_new(request):
    units = _launch_units(request.user)
    if not units:
        return _forbidden(request, _("Only a unit's leader or the reform office launches a movement."))
    queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("depth", "code")
    today = timezone.localdate()
    form = MovementForm(request.POST or None, units=queryset, initial={
        "year": today.year, "start": today.replace(month=1, day=1), "end": today.replace(month=12, day=31), "organiser": units[0]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            movement = services.launch_movement(request.user, name=d["name"], year=d["year"], start=d["start"], end=d["end"],
                                                organiser=d["organiser"], description=d["description"], criteria=d["criteria"])
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect(movement)
    return render(request, "emulation/movement_form.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _movement(request, pk) -> Movement:
    movement = get_object_or_404(Movement.objects.select_related("organiser"), pk=pk)
    if not access.can_view_movement(request.user, movement):
        raise Http404
    return movement


def _register_form(request, movement, data=None):
    profile = staff_profile_of(request.user)
    if access.can_manage_movement(request.user, movement):
        units = Unit.objects.filter(path__startswith=movement.organiser.path).filter(kind__in=list(selectors.SEPARATE_KINDS)).order_by("depth", "code")
    elif profile is not None and access.under(profile.unit, movement.organiser):
        units = Unit.objects.filter(pk=profile.unit_id)
    else:
        return None
    unit_list = list(units)
    if access.can_manage_movement(request.user, movement):
        staff = _staff_in(unit_list)
    elif profile is not None and profile.role == "unit_leader":
        staff = _staff_in(unit_list)
    else:
        staff = [profile]
    return RegisterForm(data, units=units, staff=staff, initial={"unit": unit_list[0] if unit_list else None})


def _movement_page(request, movement, *, register_form=None, error=None, status=200):
    if register_form is None and movement.state == MovementState.OPEN:
        register_form = _register_form(request, movement)
    return render(request, "emulation/movement.html", {
        "movement": movement, "criteria": movement.criteria.all(), "rows": selectors.movement_results(movement),
        "can_manage": access.can_manage_movement(request.user, movement), "register_form": register_form, "error": error,
    }, status=status)


@require_safe
@login_required
def movement_detail(request, pk):
    return _movement_page(request, _movement(request, pk))


@require_POST
@login_required
def movement_register(request, pk):
    movement = _movement(request, pk)
    form = _register_form(request, movement, request.POST)
    if form is None:
        return _forbidden(request, _("You cannot register in this movement."))
    if not form.is_valid():
        return _movement_page(request, movement, register_form=form, status=400)
    unit = form.cleaned_data["unit"]
    person = get_user_model().objects.filter(username=form.cleaned_data["person"]).first() if form.cleaned_data["person"] else None
    try:
        services.register_participant(request.user, movement, unit=unit, person=person, commitment=form.cleaned_data["commitment"])
    except PermissionDenied as error:
        return _forbidden(request, str(error))
    except ValidationError as error:
        _apply_errors(form, error)
        return _movement_page(request, movement, register_form=form, status=400)
    return redirect(reverse("emulation:movement", args=[movement.pk]) + "?luu=1")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def movement_score(request, pk, participant):
    movement = _movement(request, pk)
    target = get_object_or_404(movement.participants.select_related("unit", "user"), pk=participant)
    if not access.can_manage_movement(request.user, movement):
        return _forbidden(request, _("Only the organising unit scores the participants."))
    criteria = movement.criteria.all()
    scores = {s.criterion_id: s for s in target.scores.all()}
    form = ScoreForm(request.POST or None, criteria=criteria, scores=scores)
    if request.method == "POST" and form.is_valid():
        try:
            services.score_participant(request.user, target, form.points())
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            for code, messages in getattr(error, "error_dict", {}).items():
                for m in messages:
                    form.add_error(f"p_{code}" if f"p_{code}" in form.fields else None, m)
            if not hasattr(error, "error_dict"):
                for m in error.messages:
                    form.add_error(None, m)
        else:
            return redirect(reverse("emulation:movement", args=[movement.pk]) + "?luu=1")
    return render(request, "emulation/score.html", {"movement": movement, "participant": target, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def movement_close(request, pk):
    movement = _movement(request, pk)
    try:
        services.close_movement(request.user, movement)
    except PermissionDenied as error:
        return _forbidden(request, str(error))
    except ValidationError as error:
        return _movement_page(request, movement, error=" ".join(_messages(error)), status=400)
    return redirect(movement)


@require_safe
@login_required
def movement_export(request, pk):
    movement = _movement(request, pk)
    return _xlsx(exports.movement_workbook(movement, selectors.movement_results(movement)), f"phong-trao-{movement.pk}")


# ------------------------------------------------------------------------------------------------ initiatives


def _initiative_units(user):
    return [u for u in visible_units(user).order_by("depth", "code") if access.can_record_initiative(user, u)]


@require_safe
@login_required
def initiative_list(request):
    form = InitiativeFilterForm(request.GET or None)
    items = selectors.initiatives_for(request.user, **form.filters())
    return render(request, "emulation/initiative_list.html", {"form": form, "items": items, "query": request.GET.urlencode(),
                                                              "can_record": bool(_initiative_units(request.user))})


@require_safe
@login_required
def initiative_export(request):
    form = InitiativeFilterForm(request.GET or None)
    return _xlsx(exports.initiatives_workbook(selectors.initiatives_for(request.user, **form.filters())), "sang-kien")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def initiative_new(request):
    units = _initiative_units(request.user)
    if not units:
        return _forbidden(request, _("Only a unit's leader or the reform office records initiatives."))
    queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("depth", "code")
    staff = StaffProfile.objects.filter(unit__in=visible_units(request.user), user__is_active=True).select_related("user", "unit").order_by("unit__code", "user__username")
    form = InitiativeForm(request.POST or None, units=queryset, staff=staff, initial={"year": timezone.localdate().year, "unit": units[0]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            initiative = services.record_initiative(request.user, title=d["title"], unit=d["unit"], year=d["year"],
                                                    authors=[p.user for p in d["authors"]], summary=d["summary"])
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("emulation:initiative", initiative.pk)
    return render(request, "emulation/initiative_form.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _initiative(request, pk) -> Initiative:
    initiative = get_object_or_404(Initiative.objects.select_related("unit"), pk=pk)
    if not access.can_view_initiative(request.user, initiative):
        raise Http404
    return initiative


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def initiative_detail(request, pk):
    initiative = _initiative(request, pk)
    can_recognise = access.can_recognise(request.user, initiative, "unit") or access.can_recognise(request.user, initiative, "province")
    form = RecogniseForm(request.POST or None, initial={"scope": initiative.scope or "unit", "recognised_by": initiative.recognised_by,
                                                         "decision_number": initiative.decision_number, "decision_date": initiative.decision_date})
    if request.method == "POST":
        if not can_recognise:
            return _forbidden(request, _("You cannot recognise this initiative."))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.recognise_initiative(request.user, initiative, scope=d["scope"], recognised_by=d["recognised_by"],
                                              decision_number=d["decision_number"], decision_date=d["decision_date"])
            except PermissionDenied as error:
                return _forbidden(request, str(error))
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                return redirect(reverse("emulation:initiative", args=[initiative.pk]) + "?luu=1")
    return render(request, "emulation/initiative.html", {"initiative": initiative, "form": form if can_recognise else None},
                  status=400 if request.method == "POST" else 200)


# ------------------------------------------------------------------------------------------------ proposals


@require_safe
@login_required
def proposal_list(request):
    year = _year(request)
    existing = {p.unit_id: p for p in selectors.proposals_for(request.user, year)}
    rows = [(u, existing.get(u.pk), access.can_review_proposal(request.user, u)) for u in selectors.proposal_units(request.user)]
    return render(request, "emulation/proposal_list.html", {"year": year, "rows": rows})


def _proposal_unit(request, code) -> Unit:
    unit = visible_unit(request.user, code)
    if unit is None or unit.kind not in selectors.SEPARATE_KINDS:
        raise Http404
    return unit


def _proposal_page(request, unit, year, *, error=None, forms_by_line=None, status=200):
    proposal = Proposal.objects.filter(unit=unit, year=year).first()
    cat = catalogue()
    sections = []
    if proposal is not None:
        lines = list(proposal.lines.select_related("user", "adjusted_by"))
        editable = proposal.state == ProposalState.DRAFT and access.can_review_proposal(request.user, unit)
        for title in cat.collective + cat.individual:
            mine = [ln for ln in lines if ln.title == title.code]
            rows = [(ln, (forms_by_line or {}).get(ln.pk) or (AdjustForm(prefix=f"l{ln.pk}", initial={
                "proposed": "yes" if ln.proposed else "no", "reason": ln.adjustment_reason}) if editable else None)) for ln in mine]
            sections.append({"title": title, "rows": rows, "qualifying": sum(1 for ln in mine if ln.qualifies),
                             "proposed": sum(1 for ln in mine if ln.proposed)})
    return render(request, "emulation/proposal.html", {
        "unit": unit, "year": year, "proposal": proposal, "sections": sections, "error": error,
        "can_review": access.can_review_proposal(request.user, unit),
    }, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def proposal_detail(request, code, year):
    unit = _proposal_unit(request, code)
    if request.method == "POST":
        try:
            services.compute_proposal(request.user, unit, year)
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            return _proposal_page(request, unit, year, error=" ".join(_messages(error)), status=400)
        return redirect(reverse("emulation:proposal", args=[unit.code, year]) + "?luu=1")
    return _proposal_page(request, unit, year)


@require_POST
@login_required
def proposal_adjust(request, code, year, line):
    unit = _proposal_unit(request, code)
    target = get_object_or_404(ProposalLine.objects.select_related("proposal__unit"), pk=line, proposal__unit=unit, proposal__year=year)
    form = AdjustForm(request.POST, prefix=f"l{target.pk}")
    if not form.is_valid():
        return _proposal_page(request, unit, year, forms_by_line={target.pk: form}, status=400)
    try:
        services.adjust_line(request.user, target, proposed=form.cleaned_data["proposed"], reason=form.cleaned_data["reason"])
    except PermissionDenied as error:
        return _forbidden(request, str(error))
    except ValidationError as error:
        _apply_errors(form, error)
        return _proposal_page(request, unit, year, forms_by_line={target.pk: form}, error=" ".join(_messages(error)), status=400)
    return redirect(reverse("emulation:proposal", args=[unit.code, year]) + f"#line-{target.pk}")


@require_POST
@login_required
def proposal_submit(request, code, year):
    unit = _proposal_unit(request, code)
    proposal = get_object_or_404(Proposal, unit=unit, year=year)
    try:
        services.submit_proposal(request.user, proposal)
    except PermissionDenied as error:
        return _forbidden(request, str(error))
    except ValidationError as error:
        return _proposal_page(request, unit, year, error=" ".join(_messages(error)), status=400)
    return redirect(reverse("emulation:proposal", args=[unit.code, year]) + "?luu=1")


@require_safe
@login_required
def proposal_export(request, code, year):
    unit = _proposal_unit(request, code)
    proposal = get_object_or_404(Proposal, unit=unit, year=year)
    return _xlsx(exports.proposal_workbook(proposal), f"de-nghi-khen-thuong-{unit.code}-{year}")


# ------------------------------------------------------------------------------------------------ decisions and register


def _decision_units(user):
    return [u for u in visible_units(user).filter(kind__in=list(selectors.SEPARATE_KINDS)).order_by("depth", "code")
            if access.can_record_decision(user, u)]


@require_safe
@login_required
def decision_list(request):
    year = request.GET.get("year", "")
    decisions = selectors.decisions_for(request.user, int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None)
    return render(request, "emulation/decision_list.html", {"decisions": decisions, "year": year,
                                                            "can_record": bool(_decision_units(request.user))})


def _extra_awards(form, issuer):
    """The free lines of the decision form as AwardSpecs: a login name or a unit code, and a title code."""
    specs = []
    User = get_user_model()
    for who, title in form.extra_lines():
        user = User.objects.filter(username=who).first()
        if user is not None:
            profile = StaffProfile.objects.filter(user=user).select_related("unit").first()
            if profile is None:
                raise ValidationError({"extra": _("%(who)s has no unit.") % {"who": who}})
            specs.append(services.AwardSpec(title=title, unit=profile.unit, user=user))
            continue
        unit = Unit.objects.filter(code=who, path__startswith=issuer.path).first()
        if unit is None:
            raise ValidationError({"extra": _("No staff member or unit of the issuing unit is called “%(who)s”.") % {"who": who}})
        specs.append(services.AwardSpec(title=title, unit=unit))
    return specs


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def decision_new(request):
    units = _decision_units(request.user)
    if not units:
        return _forbidden(request, _("Only a unit's leader or the reform office records commendation decisions."))
    proposal = None
    if request.GET.get("proposal"):
        proposal = get_object_or_404(selectors.proposals_for(request.user, _year(request)), unit__code=request.GET["proposal"],
                                     state=ProposalState.SUBMITTED)
    lines = list(proposal.lines.filter(proposed=True).select_related("user")) if proposal else []
    queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("depth", "code")
    initial = {"year": proposal.year if proposal else timezone.localdate().year - 1,
               "issuer": proposal.unit if proposal and proposal.unit in units else units[0]}
    form = DecisionForm(request.POST or None, units=queryset, lines=lines, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            awards = services.awards_from_proposal(proposal, d.get("lines") or []) if proposal else []
            awards += _extra_awards(form, d["issuer"])
            decision = services.record_decision(request.user, number=d["number"], date=d["date"], signer=d["signer"], issuer=d["issuer"],
                                                year=d["year"], note=d["note"], awards=awards, proposal=proposal)
        except PermissionDenied as error:
            return _forbidden(request, str(error))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect(decision)
    cat = catalogue()
    line_rows = [(ln, cat.name_of(ln.title)) for ln in lines]
    return render(request, "emulation/decision_form.html", {"form": form, "proposal": proposal, "line_rows": line_rows,
                                                            "titles": cat.titles}, status=400 if request.method == "POST" else 200)


@require_safe
@login_required
def decision_detail(request, pk):
    decision = get_object_or_404(selectors.decisions_for(request.user), pk=pk)
    awards = decision.awards.select_related("user", "unit")
    cat = catalogue()
    return render(request, "emulation/decision.html", {"decision": decision, "awards": [(a, cat.name_of(a.title)) for a in awards]})


def _register_rows(request):
    form = RegisterFilterForm(request.GET or None)
    filters = form.filters()
    return form, filters, selectors.register(request.user, **filters)


@require_safe
@login_required
def register(request):
    form, _filters, awards = _register_rows(request)
    cat = catalogue()
    rows = [(a, cat.name_of(a.title)) for a in awards[:500]]
    return render(request, "emulation/register.html", {"form": form, "rows": rows, "count": awards.count(), "query": request.GET.urlencode()})


@require_safe
@login_required
def register_export(request):
    _form, _filters, awards = _register_rows(request)
    return _xlsx(exports.register_workbook(awards), "so-khen-thuong")


@require_safe
@login_required
def register_pdf(request):
    form, filters, awards = _register_rows(request)
    cat = catalogue()
    pdf = render_pdf("emulation/register_pdf.html", {"rows": [(a, cat.name_of(a.title)) for a in awards], "filters": filters,
                                                     "printed_on": timezone.localdate()}, paper="A4-landscape")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="so-khen-thuong-{timezone.localdate():%Y%m%d}.pdf"'
    return response
