"""Staff dashboards and reports, and the public transparency page. Thin: the figures come from the rollup
selectors (`congvu.indices.selectors`), the SIPAS estimates from `congvu.feedback.sipas`; this module checks who
may look, reads the unit and period from the URL and lays the numbers out.

Who may open the dashboards: unit leaders, inspectors, the reform office, system administrators, superusers
(the people who judge units by these numbers); everybody else gets a 403 with the reason. A unit outside the
user's scope is a form error on the pages that choose it and a 404 on the list behind a number, as everywhere
in congvu, so codes cannot be probed. Every number on a page links to the records it counts.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from congvu.core.excel import XLSX_CONTENT_TYPE
from congvu.core.text import fold
from congvu.indices import reports
from congvu.indices.forms import PeriodForm, RankingForm, ReportForm, last_full_month
from congvu.indices.periods import Period, PeriodError
from congvu.units.models import Role, Unit
from congvu.units.selectors import active_q, staff_profile_of, visible_units

PAGE_SIZE = 50
OVERDUE_SHOWN = 10
# A page brings the rollups up to date with at most this many new records before reading, so that figures are
# fresh even when the worker is behind, without making one request pay for a large backlog.
REFRESH_LIMIT = 200
DASHBOARD_ROLES = {Role.UNIT_LEADER, Role.INSPECTOR, Role.REFORM_ADMIN, Role.SYSTEM_ADMIN}
TREND_MONTHS = 12
DEFAULT_RANKING_METRIC = "on_time_rate"
PUBLIC_CACHE_SECONDS = 600
# Who looks at the whole province first rather than at the unit their account sits in.
PROVINCE_WIDE_ROLES = {Role.REFORM_ADMIN, Role.SYSTEM_ADMIN}


# ------------------------------------------------------------------------------------------------ access


def refusal(user) -> str | None:
    """Why `user` may not open the dashboards, or None when they may."""
    if user.is_superuser:
        return None
    profile = staff_profile_of(user)
    if profile is None:
        return _("Your account is not attached to any unit, so there are no figures you may see.")
    if profile.role not in DASHBOARD_ROLES:
        return _("The dashboards and reports are for unit leaders, inspectors and the administrative reform office. "
                 "Your role (%(role)s) does not include them.") % {"role": profile.get_role_display()}
    return None


def dashboard_view(view):
    """login_required + the dashboard roles (403 page with the reason)."""
    @login_required
    def wrapped(request, *args, **kwargs):
        reason = refusal(request.user)
        if reason is not None:
            return render(request, "indices/forbidden.html", {"message": reason}, status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return require_safe(wrapped)


def home_unit(user) -> Unit | None:
    """The unit a page opens on: the user's own; for the reform office, system administrators and accounts without
    a unit (a superuser), the top of what they may see (the province)."""
    profile = staff_profile_of(user)
    if profile is not None and profile.role not in PROVINCE_WIDE_ROLES:
        return profile.unit
    return visible_units(user).order_by("depth", "path").first()


def _fresh():
    """Bring the rollups up to date with a small batch (see REFRESH_LIMIT) and say how fresh they are."""
    from congvu.indices import selectors, services

    services.refresh(limit=REFRESH_LIMIT, wait=False)  # never queue a page behind a rebuild
    return selectors.data_as_of()


def _form(request, form_class=PeriodForm, **kwargs):
    return form_class(request.GET, user=request.user, default_unit=home_unit(request.user), **kwargs)


def _invalid(request, template, context):
    """Bad unit or period: the page with the form's errors, answered 400, nothing computed."""
    return render(request, template, {**context, "invalid": True}, status=400)


def behind_url(unit: Unit, period: Period, metric: str, part: str = "numerator") -> str:
    return reverse("indices:behind") + "?" + urlencode({"unit": unit.code, "period": period.key, "metric": metric, "part": part})


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


# ------------------------------------------------------------------------------------------------ dashboard


@dashboard_view
def dashboard(request):
    from congvu.indices import selectors

    form = _form(request)
    if not form.is_valid():
        return _invalid(request, "indices/dashboard.html", {"form": form})
    unit, period = form.chosen_unit, form.chosen_period
    as_of = _fresh()
    summary = selectors.summary(unit, period)
    index = selectors.index_766(unit, period)
    query = urlencode({"unit": unit.code, "period": period.key})
    tiles = reports.tiles(summary, index, lambda metric, part="numerator": behind_url(unit, period, metric, part),
                          reverse("indices:scorecard") + "?" + query)
    months = period.last_months(TREND_MONTHS)
    values = selectors.trends(unit, months, [key for spec in reports.TREND_CHARTS for key in spec.metrics])
    trends = []
    for spec in reports.TREND_CHARTS:
        series = [(key, selectors.METRICS[key], values[key]) for key in spec.metrics]
        trends.append(reports.trend_chart(spec, months, series, lambda m, key: behind_url(unit, m, key)))
    # The on-time rate by default: it comes from the rollups in one grouped query for all the children.
    metric_key = request.GET.get("metric") or DEFAULT_RANKING_METRIC
    if metric_key not in selectors.METRICS:
        metric_key = DEFAULT_RANKING_METRIC
    metric = selectors.METRICS[metric_key]
    ranking = selectors.ranking(unit, period, metric_key)
    overdue_rows, overdue_count = selectors.longest_overdue(unit, period, OVERDUE_SHOWN)
    return render(request, "indices/dashboard.html", {
        "form": form, "unit": unit, "period": period, "as_of": as_of, "summary": summary, "index": index,
        "tiles": tiles, "trends": trends,
        "metrics": selectors.METRICS, "metric_key": metric_key, "metric": metric,
        "ranking": reports.ranking_table(ranking, metric, lambda u: behind_url(u, period, metric_key)),
        "ranking_chart": reports.ranking_chart(ranking, metric), "ranking_height": reports.chart_height(len(ranking)),
        "overdue_rows": overdue_rows, "overdue_count": overdue_count,
        "overdue_url": behind_url(unit, period, "open_overdue"),
        "query": query,
    })


# ------------------------------------------------------------------------------------------------ Decision 766


def _scorecard(request):
    from congvu.indices import selectors

    form = _form(request)
    if not form.is_valid():
        return form, None
    unit, period = form.chosen_unit, form.chosen_period
    as_of = _fresh()
    index = selectors.index_766(unit, period)
    card = reports.scorecard(index, lambda code, part: behind_url(unit, period, f"766.{code}", part)
                             if _has_records(unit, period, f"766.{code}", part) else "", selectors.METRICS)
    return form, {"unit": unit, "period": period, "as_of": as_of, "index": index, "card": card}


def _has_records(unit, period, metric, part) -> bool:
    """Whether a list of records stands behind this number (1.x count procedures, not dossiers, and 1.4 is not
    measurable here): only then is it a link."""
    from congvu.indices import selectors

    try:
        selectors.records_behind(unit, period, metric, part)
    except (KeyError, ValueError):
        return False
    return True


@dashboard_view
def scorecard(request):
    form, context = _scorecard(request)
    if context is None:
        return _invalid(request, "indices/scorecard.html", {"form": form})
    query = urlencode({"unit": context["unit"].code, "period": context["period"].key})
    return render(request, "indices/scorecard.html", {"form": form, "query": query, **context})


@dashboard_view
def scorecard_export(request, fmt):
    form, context = _scorecard(request)
    if context is None:
        return _invalid(request, "indices/scorecard.html", {"form": form})
    name = f"chi-so-766-{context['unit'].code}-{context['period'].key}"
    if fmt == "pdf":
        return _pdf(reports.scorecard_pdf(context), name)
    return _xlsx(reports.scorecard_workbook(context), name)


# ------------------------------------------------------------------------------------------------ ranking


def _ranking(request):
    from congvu.indices import selectors

    form = _form(request, RankingForm, metrics=selectors.METRICS)
    if not form.is_valid():
        return form, None
    unit, period = form.chosen_unit, form.chosen_period
    metric_key = form.cleaned_data["metric"]
    kind = form.cleaned_data.get("unit_kind") or None
    metric = selectors.METRICS[metric_key]
    as_of = _fresh()
    rows = selectors.ranking(unit, period, metric_key, kind=kind)
    return form, {
        "unit": unit, "period": period, "as_of": as_of, "metric": metric, "metric_key": metric_key, "unit_kind": kind or "",
        "rows": reports.ranking_table(rows, metric, lambda u: behind_url(u, period, metric_key)),
        "chart": reports.ranking_chart(rows, metric), "chart_height": reports.chart_height(len(rows)),
    }


@dashboard_view
def ranking(request):
    form, context = _ranking(request)
    if context is None:
        return _invalid(request, "indices/ranking.html", {"form": form})
    query = urlencode({"unit": context["unit"].code, "period": context["period"].key, "metric": context["metric_key"],
                       "unit_kind": context["unit_kind"]})
    return render(request, "indices/ranking.html", {"form": form, "query": query, **context})


@dashboard_view
def ranking_export(request):
    form, context = _ranking(request)
    if context is None:
        return _invalid(request, "indices/ranking.html", {"form": form})
    return _xlsx(reports.ranking_workbook(context), f"xep-hang-{context['unit'].code}-{context['period'].key}")


# ------------------------------------------------------------------------------------------------ reports


def _report(request):
    from congvu.indices import selectors

    form = _form(request, ReportForm)
    if not form.is_valid():
        return form, None
    unit, period = form.chosen_unit, form.chosen_period
    as_of = _fresh()
    return form, reports.report_context(
        unit=unit, period=period, as_of=as_of,
        rows=selectors.report_rows(unit, period, by="field"),
        summary=selectors.summary(unit, period), index=selectors.index_766(unit, period),
        satisfaction=_sipas(unit, period),
    )


def _sipas(unit, period):
    from congvu.feedback import sipas

    return sipas.sipas_index(unit, period)


@dashboard_view
def report(request):
    form, context = _report(request)
    if context is None:
        return _invalid(request, "indices/report.html", {"form": form})
    query = urlencode({"unit": context["unit"].code, "period": context["period"].key})
    return render(request, "indices/report.html", {"form": form, "query": query, **context})


@dashboard_view
def report_export(request, fmt):
    form, context = _report(request)
    if context is None:
        return _invalid(request, "indices/report.html", {"form": form})
    name = f"bao-cao-tthc-{context['unit'].code}-{context['period'].key}"
    if fmt == "pdf":
        return _pdf(reports.report_pdf(context), name)
    return _xlsx(reports.report_workbook(context), name)


# ------------------------------------------------------------------------------------------------ behind a number


def _behind(request):
    """The records behind one number: unit (in scope, else 404), period, metric, part; then filters."""
    from congvu.indices import selectors

    unit = visible_units(request.user).filter(code=request.GET.get("unit", "")).first()
    if unit is None:
        raise Http404
    try:
        period = Period.parse(request.GET.get("period", ""))
    except PeriodError as error:
        return None, str(error)
    metric = request.GET.get("metric", "")
    part = request.GET.get("part") or "numerator"
    if part not in ("numerator", "denominator"):
        return None, _("The part of a measure is its numerator or its denominator.")
    _fresh()
    try:
        behind = selectors.records_behind(unit, period, metric, part)
    except (KeyError, ValueError):
        return None, _("These figures have no list of records behind them.")
    q = request.GET.get("q", "").strip()[:200]
    sort = request.GET.get("sort", "")
    rows, sorts, sort = reports.behind_rows(behind, q=q, sort=sort)
    return {"unit": unit, "period": period, "metric_key": metric, "part": part, "behind": behind, "rows": rows,
            "q": q, "sort": sort, "sorts": sorts, "metric": selectors.METRICS.get(metric)}, None


@dashboard_view
def behind(request):
    context, error = _behind(request)
    if context is None:
        return render(request, "indices/bad_request.html", {"message": error}, status=400)
    # Keyset pages: the province's overdue list at page 100 costs what page 1 does (no OFFSET).
    kind = context["behind"].kind
    page = reports.behind_page(context["behind"], context["rows"], context["q"], context["sort"], request.GET.get("after"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("after", None)
    return render(request, "indices/behind.html", {
        **context, "page": page, "count": reports.behind_count(context["behind"], context["rows"], context["q"]),
        "query": query.urlencode(), "columns": reports.behind_columns(kind),
        "table": reports.behind_table(kind, page.rows),
        "link_column": reports.LINK_COLUMN[context["behind"].kind],
    })


@dashboard_view
def behind_export(request):
    context, error = _behind(request)
    if context is None:
        return render(request, "indices/bad_request.html", {"message": error}, status=400)
    name = f"danh-sach-{context['unit'].code}-{context['period'].key}-{context['metric_key']}"
    return _xlsx(reports.behind_workbook(context), name)


# ------------------------------------------------------------------------------------------------ public page


def _provinces():
    return list(Unit.objects.filter(depth=1).filter(active_q()).order_by("path"))


def _transparency_rows(province, period):
    from congvu.feedback.sipas import overall_many
    from congvu.indices import selectors

    ranking = selectors.ranking(province, period, "on_time_rate")
    satisfaction = overall_many([row.unit for row in ranking], period)
    return reports.transparency_rows(ranking, lambda unit: satisfaction[unit.pk])


@require_safe
def transparency(request):
    """On-time rate and satisfaction per unit of the province for the last full month. Public: figures about
    units only, never a person's name or a dossier."""
    from congvu.indices import selectors

    period = last_full_month()
    provinces = _provinces()
    province = next((p for p in provinces if p.code == request.GET.get("tinh")), provinces[0] if provinces else None)
    q = request.GET.get("q", "").strip()[:100]
    rows, as_of = [], None
    if province is not None:
        # Anyone may load this page, so it neither writes (no refresh: the worker keeps the rollups current) nor
        # recomputes per request: the rows are cached until the figures change or PUBLIC_CACHE_SECONDS pass.
        as_of = selectors.data_as_of()
        key = f"indices:transparency:{province.pk}:{period.key}:{as_of.isoformat() if as_of else ''}"
        rows = cache.get_or_set(key, lambda: _transparency_rows(province, period), PUBLIC_CACHE_SECONDS)
    shown = [row for row in rows if all(term in fold(row.name) for term in fold(q).split())] if q else rows
    return render(request, "indices/transparency.html", {
        "period": period, "province": province, "provinces": provinces, "rows": shown, "all_count": len(rows), "q": q,
        "as_of": as_of, "chart": reports.transparency_chart(shown), "chart_height": reports.chart_height(len(shown), 44),
    })
