"""What the dashboard pages show, laid out once for the page, the Excel file and the PDF, so the three can never
disagree: tiles, trend and ranking charts with their tables, the Decision 766 scorecard, the lists behind a
number, and the report a reform office sends upward ("Tình hình, kết quả giải quyết TTHC").

The figures themselves come from the rollup selectors; nothing here counts records. Rates travel as 0–1
Decimals (Measure.rate) and are shown as percentages rounded half-up to one decimal, the way reports print them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from congvu.core import keyset
from congvu.core.excel import FORMULA_TRIGGERS, workbook_bytes
from congvu.core.pdf import render_pdf
from congvu.core.text import search_terms
from congvu.indices.measures import Measure

ONE_DECIMAL = Decimal("0.1")
# Metrics whose values are percentages (0–100) already, as the rollup selectors give them.
RATE_KINDS = {"percent"}


# ------------------------------------------------------------------------------------------------ numbers


def percent(rate) -> Decimal | None:
    """A 0–1 rate as a percentage with one decimal (half-up), None stays None."""
    if rate is None:
        return None
    return (Decimal(rate) * 100).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def one_decimal(number) -> Decimal | None:
    return None if number is None else Decimal(number).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def is_rate(metric) -> bool:
    return getattr(metric, "kind", "") in RATE_KINDS


def metric_number(metric, value) -> Decimal | int | None:
    """The number a person reads for a metric's value: a percentage for rates, points with two decimals for
    scores, the count itself for counts."""
    if value is None:
        return None
    if is_rate(metric):
        return one_decimal(value)
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def show(number, suffix: str = "") -> str:
    """Vietnamese number formatting as reports print it (dot between thousands, decimal comma), "—" for no value."""
    if number is None:
        return "—"
    # At most two decimals: sums of working days come with the full precision of the arithmetic behind them.
    decimals = 0 if isinstance(number, int) else min(2, max(0, -Decimal(number).as_tuple().exponent))
    text = f"{Decimal(number).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".") + suffix


def show_metric(metric, value) -> str:
    return show(metric_number(metric, value), "%" if is_rate(metric) else "")


def _float(number):
    return None if number is None else float(number)


def local_time(at: dt.datetime | None) -> str:
    return timezone.localtime(at).strftime("%H:%M %d/%m/%Y") if at else "—"


# ------------------------------------------------------------------------------------------------ dashboard tiles


@dataclass
class Tile:
    key: str
    label: str
    value: str
    url: str
    detail: str = ""
    detail_links: list[tuple[str, str]] = field(default_factory=list)


def tiles(summary, index, behind: Callable[..., str], scorecard_url: str) -> list[Tile]:
    """The dashboard's tiles; each number links to the records it counts (`behind(metric, part)`), the 766 total
    to its scorecard (whose every indicator links to its records)."""
    out = [
        Tile("received", _("Received"), show(summary.received), behind("received")),
        Tile("carried_over", _("Carried over"), show(summary.carried_over), behind("carried_over")),
        Tile("in_process", _("In process"), show(summary.in_process), behind("in_process")),
        Tile("finished", _("Finished"), show(summary.finished), behind("finished")),
    ]
    on_time: Measure = summary.on_time
    out.append(Tile("on_time_rate", _("On-time rate"), show(percent(on_time.rate), "%"), behind("on_time_rate", "numerator"),
                    detail_links=[(show(on_time.numerator), behind("on_time_rate", "numerator")),
                                  (show(on_time.denominator), behind("on_time_rate", "denominator"))]))
    out.append(Tile("open_overdue", _("Overdue"), show(summary.open_overdue), behind("open_overdue")))
    out.append(Tile("apologies", _("Apologies"), show(summary.apologies), behind("apologies")))
    online: Measure = summary.online
    out.append(Tile("online_share", _("Filed online"), show(percent(online.rate), "%"), behind("online_share", "numerator"),
                    detail_links=[(show(online.numerator), behind("online_share", "numerator")),
                                  (show(online.denominator), behind("online_share", "denominator"))]))
    out.append(Tile("satisfaction", _("Satisfaction"), show(one_decimal(summary.satisfaction), "%"), behind("satisfaction", "denominator"),
                    detail_links=[(show(summary.ratings), behind("satisfaction", "denominator"))]))
    out.append(Tile("766.total", _("Decision 766 index"), show(metric_number(None, index.total)), scorecard_url,
                    detail=str(index.band or "")))
    return out


# ------------------------------------------------------------------------------------------------ charts


@dataclass(frozen=True)
class TrendSpec:
    key: str
    title: str
    type: str
    metrics: tuple[str, ...]


TREND_CHARTS = (
    TrendSpec("volume", gettext_lazy("Dossiers per month"), "bar", ("received", "finished_late", "open_overdue")),
    TrendSpec("rates", gettext_lazy("Rates per month"), "line", ("on_time_rate", "online_share", "satisfaction")),
    TrendSpec("index", gettext_lazy("Decision 766 index per month"), "line", ("766.total",)),
)


def trend_chart(spec: TrendSpec, months, series, behind: Callable) -> dict:
    """A chart (Chart.js data) and its table: one row per month, one column per metric, each cell a link."""
    rate = any(is_rate(metric) for _key, metric, _values in series)
    labels = [m.label for m in months]
    datasets, columns = [], []
    for key, metric, values in series:
        by_period = dict(values)
        numbers = [metric_number(metric, by_period.get(m)) for m in months]
        datasets.append({"label": str(metric.label), "data": [_float(n) for n in numbers]})
        columns.append((key, metric, numbers))
    rows = []
    for i, month in enumerate(months):
        rows.append((month, [(show(numbers[i], "%" if is_rate(metric) else ""), behind(month, key)) for key, metric, numbers in columns]))
    return {
        "id": f"trend-{spec.key}", "title": str(spec.title),
        "data": {"type": spec.type, "labels": labels, "percent": rate, "datasets": datasets},
        "headers": [str(metric.label) for _key, metric, _n in columns], "rows": rows,
    }


@dataclass
class RankLine:
    rank: int | None
    unit: object
    value: str
    number: Decimal | int | None
    measure: Measure | None
    url: str


def ranking_table(rows, metric, behind: Callable) -> list[RankLine]:
    return [RankLine(r.rank, r.unit, show_metric(metric, r.value), metric_number(metric, r.value), r.measure, behind(r.unit)) for r in rows]


def chart_height(bars: int, per_bar: int = 28) -> str:
    """A horizontal bar chart tall enough for its bars to be read (a province has a hundred communes)."""
    return f"{max(200, per_bar * bars + 90)}px"


def ranking_chart(rows, metric) -> dict:
    numbers = [metric_number(metric, r.value) for r in rows]
    return {"type": "hbar", "labels": [r.unit.name for r in rows], "percent": is_rate(metric),
            "datasets": [{"label": str(metric.label), "data": [_float(n) for n in numbers]}]}


# ------------------------------------------------------------------------------------------------ Decision 766


def scorecard(index, behind: Callable[[str, str], str], metrics: dict | None = None) -> list[dict]:
    """Groups with their indicators: measure, rate, points of max, the rule applied, links to the records. A
    monitoring-only indicator (no points: 2.2 average days, 5.1) shows its value in its own unit instead of a rate."""
    metrics = metrics or {}
    by_group: dict[str, list] = {}
    for ind in index.indicators:
        measure = ind.measure
        monitoring = not ind.max_points
        kind = getattr(metrics.get(f"766.{ind.code}"), "kind", "percent")
        suffix = " " + _("days") if kind == "days" else "%"
        if monitoring:
            rate = show(metric_number(None, ind.value), suffix) if ind.value is not None else "—"
        else:
            rate = show(percent(measure.rate), "%") if measure is not None else "—"
        by_group.setdefault(ind.group, []).append({
            "code": ind.code, "name": ind.name, "measure": measure,
            "numerator": show(measure.numerator) if measure is not None else "—",
            "denominator": show(measure.denominator) if measure is not None else "—",
            "rate": rate, "monitoring": monitoring, "value_number": ind.value,
            "points": show(metric_number(None, ind.points)), "max_points": show(metric_number(None, ind.max_points)),
            "points_number": ind.points, "max_number": ind.max_points,
            "rule_text": ind.rule_text,
            "numerator_url": behind(ind.code, "numerator") if measure is not None else "",
            "denominator_url": behind(ind.code, "denominator") if measure is not None else "",
        })
    return [{"code": g.code, "name": g.name, "points": show(metric_number(None, g.points)), "max_points": show(metric_number(None, g.max_points)),
             "points_number": g.points, "max_number": g.max_points, "indicators": by_group.get(g.code, [])}
            for g in index.groups]


SCORECARD_COLUMNS = [
    (gettext_lazy("Code"), 8), (gettext_lazy("Indicator"), 50), (gettext_lazy("Numerator"), 12), (gettext_lazy("Denominator"), 12),
    (gettext_lazy("Rate (%)"), 10), (gettext_lazy("Points"), 10), (gettext_lazy("Maximum"), 10), (gettext_lazy("How it is scored"), 60),
]


def scorecard_workbook(context) -> bytes:
    index = context["index"]
    head = [[_("Decision 766 service-quality index")], [f"{context['unit'].name} — {context['period'].label}"],
            [_("Data as of %(time)s") % {"time": local_time(context["as_of"])}],
            [_("Total score"), _float(index.total), str(index.band or "")], []]
    rows = []
    for group in context["card"]:
        rows.append([group["code"], group["name"], None, None, None, _float(group["points_number"]), _float(group["max_number"]), ""])
        for ind in group["indicators"]:
            m = ind["measure"]
            rate = ind["value_number"] if ind["monitoring"] else (percent(m.rate) if m else None)
            rows.append([ind["code"], ind["name"], _float(m.numerator) if m else None, _float(m.denominator) if m else None,
                         _float(rate), _float(ind["points_number"]), _float(ind["max_number"]), ind["rule_text"]])
    return _sheet(_("Decision 766"), head, SCORECARD_COLUMNS, rows)


def scorecard_pdf(context) -> bytes:
    return render_pdf("indices/scorecard_pdf.html", {**context, "as_of_text": local_time(context["as_of"])}, paper="A4-landscape")


# ------------------------------------------------------------------------------------------------ ranking export


def ranking_workbook(context) -> bytes:
    metric = context["metric"]
    head = [[_("Ranking of units")], [f"{context['unit'].name} — {context['period'].label}"], [str(metric.label)],
            [_("Data as of %(time)s") % {"time": local_time(context["as_of"])}], []]
    columns = [(_("Rank"), 8), (_("Unit"), 50), (_("Value") + (" (%)" if is_rate(metric) else ""), 14), (_("Numerator"), 12), (_("Denominator"), 12)]
    rows = [[line.rank, line.unit.name, _float(line.number), line.measure.numerator if line.measure else None,
             line.measure.denominator if line.measure else None] for line in context["rows"]]
    return _sheet(_("Ranking"), head, columns, rows)


# ------------------------------------------------------------------------------------------------ the report sent upward

REPORT_COLUMNS = (
    # (attribute or computed key, header of the second row, group of the first row)
    ("total_handled", pgettext_lazy("report column", "Total"), "receipt"),
    ("carried_over", gettext_lazy("Carried over from the previous period"), "receipt"),
    ("received_online", gettext_lazy("Newly received online"), "receipt"),
    ("received_counter_post", gettext_lazy("Newly received in person or by post"), "receipt"),
    ("finished", pgettext_lazy("report column", "Total"), "finished"),
    ("finished_early", gettext_lazy("Before the deadline"), "finished"),
    ("finished_on_time", gettext_lazy("On time"), "finished"),
    ("finished_late", gettext_lazy("Overdue"), "finished"),
    ("open_total", pgettext_lazy("report column", "Total"), "open"),
    ("open_within", gettext_lazy("Within the deadline"), "open"),
    ("open_overdue", gettext_lazy("Overdue"), "open"),
)
REPORT_GROUPS = (
    ("receipt", gettext_lazy("Dossiers to be handled")),
    ("finished", gettext_lazy("Dossiers handled")),
    ("open", gettext_lazy("Dossiers being handled")),
)


def report_numbers(row) -> list[int]:
    values = {
        "total_handled": row.carried_over + row.received, "open_total": row.open_within + row.open_overdue,
    }
    return [values[key] if key in values else getattr(row, key) for key, _h, _g in REPORT_COLUMNS]


def report_context(*, unit, period, as_of, rows, summary, index, satisfaction) -> dict:
    lines = [(i, row.label, report_numbers(row)) for i, row in enumerate(rows, start=1)]
    totals = [sum(numbers[c] for _i, _l, numbers in lines) for c in range(len(REPORT_COLUMNS))]
    groups = [(label, sum(1 for _k, _h, g in REPORT_COLUMNS if g == code)) for code, label in REPORT_GROUPS]
    overall = getattr(satisfaction, "overall", None)
    return {
        "unit": unit, "period": period, "as_of": as_of, "as_of_text": local_time(as_of), "lines": lines, "totals": totals,
        "header_groups": groups, "headers": [str(h) for _k, h, _g in REPORT_COLUMNS],
        "summary": summary, "index": index, "index_total": show(metric_number(None, index.total)),
        "index_groups": [(g.name, show(metric_number(None, g.points)), show(metric_number(None, g.max_points))) for g in index.groups],
        "on_time": show(percent(summary.on_time.rate), "%"), "online": show(percent(summary.online.rate), "%"),
        "satisfaction": overall, "satisfaction_text": show(percent(overall.value), "%") if overall is not None else "—",
        "satisfaction_interval": (show(percent(overall.low), "%"), show(percent(overall.high), "%"))
        if overall is not None and overall.low is not None and overall.high is not None else None,
        "generated_at": local_time(timezone.now()),
    }


def report_title() -> str:
    return _("Situation and results of handling administrative procedures")


def report_workbook(context) -> bytes:
    """The report as an Excel sheet: a title block, a merged two-row header as on the paper form, one row per
    field, totals; numbers are numbers (a reform office adds the sheets of its units)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Report")[:31]
    bold, centre = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    width = 2 + len(REPORT_COLUMNS)
    title_lines = [
        report_title().upper(), f"{context['unit'].name} — {context['period'].label}",
        _("Data as of %(time)s") % {"time": context["as_of_text"]},
    ]
    for r, text in enumerate(title_lines, start=1):
        _put(ws, r, 1, text, bold=True)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
    top = len(title_lines) + 2
    ws.cell(row=top, column=1, value=pgettext("report column", "No."))
    ws.cell(row=top, column=2, value=_("Field"))
    ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    ws.merge_cells(start_row=top, start_column=2, end_row=top + 1, end_column=2)
    col = 3
    for label, span in context["header_groups"]:
        ws.cell(row=top, column=col, value=str(label))
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + span - 1)
        col += span
    for c, header in enumerate(context["headers"], start=3):
        ws.cell(row=top + 1, column=c, value=header)
    r = top + 2
    for number, label, numbers in context["lines"]:
        ws.cell(row=r, column=1, value=number)
        _put(ws, r, 2, label)
        for c, value in enumerate(numbers, start=3):
            ws.cell(row=r, column=c, value=value)
        r += 1
    ws.cell(row=r, column=2, value=_("Total"))
    for c, value in enumerate(context["totals"], start=3):
        ws.cell(row=r, column=c, value=value)
    for row in ws.iter_rows(min_row=top, max_row=r, min_col=1, max_col=width):
        for cell in row:
            cell.border = box
            if cell.row < top + 2 or cell.row == r:
                cell.font = bold
            if cell.row < top + 2:
                cell.alignment = centre
    r += 2
    for label, value in _report_notes(context):
        _put(ws, r, 2, label, bold=True)
        _put(ws, r, 3, value)
        r += 1
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 45
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 13
    ws.row_dimensions[top + 1].height = 60
    ws.freeze_panes = ws.cell(row=top + 2, column=3)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _report_notes(context) -> list[tuple[str, str]]:
    index = context["index"]
    notes = [
        (_("Decision 766 index"), f"{context['index_total']} / 100" + (f" ({index.band})" if index.band else "")),
        (_("On-time rate"), context["on_time"]),
        (_("Filed online"), context["online"]),
        (_("Satisfaction (SIPAS)"), context["satisfaction_text"]),
    ]
    overall = context["satisfaction"]
    if overall is not None:
        notes.append((_("Answers"), show(overall.answers)))
        if not overall.significant:
            notes.append(("", _("Too few answers: the figure is not significant.")))
    return notes


def report_pdf(context) -> bytes:
    return render_pdf("indices/report_pdf.html", {**context, "title": report_title(), "notes": _report_notes(context)},
                      paper="A4-landscape")


# ------------------------------------------------------------------------------------------------ the records behind


BEHIND_SORTS = {
    "dossiers": {"received": "received_at", "-received": "-received_at", "due": "due_at", "-due": "-due_at",
                 "finished": "finished_at", "-finished": "-finished_at", "code": "code"},
    "ratings": {"rated": "submitted_at", "-rated": "-submitted_at", "score": "mean_score", "-score": "-mean_score"},
    "feedback": {"received": "received_at", "-received": "-received_at", "due": "due_at", "-due": "-due_at", "code": "code"},
}
DEFAULT_SORT = {"dossiers": "-received", "ratings": "-rated", "feedback": "-received"}
SORT_LABELS = {
    "received": gettext_lazy("Received, oldest first"), "-received": gettext_lazy("Received, newest first"),
    "due": gettext_lazy("Due, earliest first"), "-due": gettext_lazy("Due, latest first"),
    "finished": gettext_lazy("Finished, oldest first"), "-finished": gettext_lazy("Finished, newest first"),
    "code": gettext_lazy("Code"), "rated": gettext_lazy("Rated, oldest first"), "-rated": gettext_lazy("Rated, newest first"),
    "score": gettext_lazy("Score, lowest first"), "-score": gettext_lazy("Score, highest first"),
}


def behind_rows(behind, *, q: str = "", sort: str = ""):
    """The behind list filtered by the search words (accent-insensitive) and sorted; returns the queryset,
    the sort choices and the sort applied."""
    kind = behind.kind
    qs = behind.queryset
    for term in search_terms(q):
        if kind == "dossiers":
            qs = qs.filter(search_text__contains=term)
        elif kind == "feedback":
            qs = qs.filter(search_text__contains=term)
        else:
            qs = qs.filter(dossier__search_text__contains=term)
    sorts = BEHIND_SORTS[kind]
    sort = sort if sort in sorts else DEFAULT_SORT[kind]
    related = {"dossiers": ("procedure_version__procedure", "handling_unit"), "ratings": ("dossier", "handling_unit"),
               "feedback": ("unit", "responsible_unit")}[kind]
    qs = keyset.order_by(qs.select_related(*related), behind_ordering(kind, sort))
    return qs, [(key, str(SORT_LABELS[key])) for key in sorts], sort


def behind_ordering(kind: str, sort: str) -> list[str]:
    """The behind list's order for core.keyset: the chosen sort, then the id (unique)."""
    sorts = BEHIND_SORTS[kind]
    return [sorts[sort if sort in sorts else DEFAULT_SORT[kind]], "id"]


# Sorts the facts carry too (the same instants as the dossier's).
_FACT_SORTS = {"received_at", "-received_at", "finished_at", "-finished_at"}


def behind_page(behind, rows, q: str, sort: str, cursor: str | None, size: int) -> keyset.KeysetPage:
    """One keyset page of the behind list. Unfiltered dossiers sorted by an instant the facts carry are paged
    on the facts (an index-only read of the unit's facts), then fetched by id: asked for the dossiers in order
    with the facts as a semi-join, PostgreSQL walked the dossiers' receipt-time index through the whole
    province and probed each one's fact (190 ms for the province's 37 overdue dossiers at 50k; 10M dossiers
    would be seconds). The cursor is the same either way: the sort value and the dossier id."""
    ordering = behind_ordering(behind.kind, sort)
    if behind.kind != "dossiers" or search_terms(q) or ordering[0] not in _FACT_SORTS:
        return keyset.page(rows, ordering, cursor, size)
    facts = keyset.page(behind.facts.only(ordering[0].lstrip("-"), "dossier_id"), [ordering[0], "dossier_id"], cursor, size)
    ids = [fact.dossier_id for fact in facts.rows]
    by_id = {d.pk: d for d in rows.filter(pk__in=ids)}
    return keyset.KeysetPage([by_id[pk] for pk in ids if pk in by_id], facts.next_cursor, facts.is_first)


def behind_count(behind, rows, q: str) -> int:
    """How many records the list holds. Unfiltered dossiers are counted on their facts (an index-only count on
    the facts' unit index), not through the semi-join of the dossier table the rows come from."""
    if behind.kind == "dossiers" and not search_terms(q):
        return behind.facts.count()
    return rows.count()


# Which column of a behind list carries the link to the record's own page (1-based, as templates count).
LINK_COLUMN = {"dossiers": 1, "ratings": 2, "feedback": 1}


def behind_columns(kind: str) -> list[tuple[str, int]]:
    if kind == "dossiers":
        return [(_("Dossier code"), 26), (_("Procedure"), 50), (_("Handling unit"), 30), (_("Received at"), 17), (_("Due"), 17),
                (_("Finished"), 17), (_("Status"), 24), (_("Timeliness"), 12)]
    if kind == "ratings":
        return [(_("Rated at"), 17), (_("Dossier code"), 26), (_("Handling unit"), 30), (_("Mean score"), 10), (_("Dissatisfied"), 10)]
    return [(_("Tracking code"), 22), (_("Subject"), 50), (_("Responsible unit"), 30), (_("Received at"), 17), (_("Deadline"), 17), (_("Status"), 24)]


def _local(at):
    return timezone.localtime(at).replace(tzinfo=None) if at else None


def behind_table(kind: str, records) -> list[dict]:
    """Rows of the behind list as cells: (text or value, link or "") — the page links each record to its page."""
    from django.urls import reverse

    out = []
    for rec in records:
        if kind == "dossiers":
            from congvu.dossiers.templatetags.dossier_tags import state_label

            cells = [rec.code, rec.procedure_version.name, rec.handling_unit.name if rec.handling_unit_id else "",
                     _local(rec.received_at), _local(rec.due_at), _local(rec.finished_at), str(state_label(rec.state)),
                     str(rec.get_timeliness_display()) if rec.timeliness else ""]
            url = reverse("dossiers:detail", args=[rec.code])
        elif kind == "ratings":
            cells = [_local(rec.submitted_at), rec.dossier.code, rec.handling_unit.name, rec.mean_score, _("Yes") if rec.dislike else ""]
            url = reverse("dossiers:detail", args=[rec.dossier.code])
        else:
            from congvu.feedback.exports import state_label

            unit = rec.responsible_unit or rec.unit
            cells = [rec.code, rec.title, unit.name, _local(rec.received_at), _local(rec.due_at), str(state_label(rec.state))]
            url = reverse("feedback_staff:detail", args=[rec.code])
        out.append({"cells": cells, "url": url})
    return out


def behind_workbook(context) -> bytes:
    kind = context["behind"].kind
    rows = ([c for c in row["cells"]] for chunk in _chunks(context["rows"]) for row in behind_table(kind, chunk))
    return workbook_bytes(str(context["behind"].title)[:31] or _("Records"), behind_columns(kind), rows)


def _chunks(qs, size: int = 1000):
    """Pages of the queryset in its order (keeps memory flat; select_related is kept, unlike .iterator())."""
    count = qs.count()
    for start in range(0, count, size):
        yield list(qs[start:start + size])


# ------------------------------------------------------------------------------------------------ public page


@dataclass
class PublicRow:
    name: str
    code: str
    on_time: str
    on_time_number: Decimal | None
    on_time_measure: Measure | None
    satisfaction: str
    satisfaction_number: Decimal | None
    ratings: int | None
    significant: bool


def transparency_rows(on_time_rows, satisfaction_of: Callable) -> list[PublicRow]:
    """Units in the on-time ranking's order, each with its SIPAS satisfaction estimate (`satisfaction_of(unit)`,
    0–1 with the number of answers and whether the sample is large enough to be significant)."""
    out = []
    for r in on_time_rows:
        estimate = satisfaction_of(r.unit)
        value = percent(estimate.value) if estimate is not None else None
        out.append(PublicRow(
            name=r.unit.name, code=r.unit.code, on_time=show(one_decimal(r.value), "%"), on_time_number=one_decimal(r.value),
            on_time_measure=r.measure, satisfaction=show(value, "%"), satisfaction_number=value,
            ratings=estimate.answers if estimate is not None else None, significant=bool(estimate is not None and estimate.significant),
        ))
    return out


def transparency_chart(rows: Sequence[PublicRow]) -> dict:
    return {"type": "hbar", "labels": [r.name for r in rows], "percent": True, "datasets": [
        {"label": _("On-time rate"), "data": [_float(r.on_time_number) for r in rows]},
        {"label": _("Satisfaction"), "data": [_float(r.satisfaction_number) for r in rows]},
    ]}


# ------------------------------------------------------------------------------------------------ sheets


def _safe(value):
    """Text for a normal-mode cell, inert as in congvu.core.excel: control characters dropped and a formula
    trigger at the start neutralised by the quote prefix (set by the caller through `_sheet`)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _put(ws, row: int, column: int, value, *, bold: bool = False):
    cell = ws.cell(row=row, column=column, value=_safe(value))
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(title: str, head: list[list], columns, rows) -> bytes:
    """A sheet with a few title lines, a bold header row and the rows (numbers stay numbers)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    r = 1
    for line in head:
        for c, value in enumerate(line, start=1):
            _put(ws, r, c, value, bold=(r == 1))
        r += 1
    for c, (header, width) in enumerate(columns, start=1):
        _put(ws, r, c, str(header), bold=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(row=r + 1, column=1)
    for row in rows:
        r += 1
        for c, value in enumerate(row, start=1):
            _put(ws, r, c, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
