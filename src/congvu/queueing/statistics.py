"""Queue statistics of one centre over a range of days: waiting and serving time per counter, per service group
and per hour of the day, ticket counts, the bar charts of the page and the rows of its Excel export.

What is measured (all from the `Visit` rows, one per stay of a ticket at a counter, and the tickets):
- the period is the tickets' local days `start` … `end`, inclusive;
- waiting time of a visit = called − waiting since (issue, or the transfer that sent the ticket there);
- serving time of a visit = ended − started, for visits that started and ended (served or transferred);
- a visit counts for its counter, for the group whose queue it was called from, and for the local hour in which
  its wait began; tickets issued count for their group and the local hour of issue;
- "served" counts visits that ended with the service done; "skipped" those skipped or closed as did not come;
  "never called" counts tickets that no counter called.
Times are read in the installation's time zone (Asia/Ho_Chi_Minh by default).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from congvu.queueing.models import Counter, ServiceGroup, Ticket, Visit, VisitOutcome

SKIPPED_OUTCOMES = {VisitOutcome.SKIPPED, VisitOutcome.NO_SHOW}


@dataclass
class StatRow:
    label: str
    tickets: int | None = None  # issued; None where it means nothing (a counter issues no tickets)
    never_called: int | None = None
    calls: int = 0
    served: int = 0
    skipped: int = 0
    waits: list[float] = field(default_factory=list)
    serves: list[float] = field(default_factory=list)

    @property
    def avg_wait(self) -> float | None:
        return statistics.fmean(self.waits) if self.waits else None

    @property
    def median_wait(self) -> float | None:
        return statistics.median(self.waits) if self.waits else None

    @property
    def avg_serve(self) -> float | None:
        return statistics.fmean(self.serves) if self.serves else None

    @property
    def median_serve(self) -> float | None:
        return statistics.median(self.serves) if self.serves else None

    def add_visit(self, wait: float, serve: float | None, outcome: str) -> None:
        self.calls += 1
        self.waits.append(wait)
        if serve is not None:
            self.serves.append(serve)
        if outcome == VisitOutcome.DONE:
            self.served += 1
        elif outcome in SKIPPED_OUTCOMES:
            self.skipped += 1

    def add_ticket(self, called: bool) -> None:
        self.tickets = (self.tickets or 0) + 1
        self.never_called = (self.never_called or 0) + (0 if called else 1)


@dataclass
class Report:
    start: dt.date
    end: dt.date
    by_counter: list[StatRow]
    by_group: list[StatRow]
    by_hour: list[StatRow]
    total: StatRow

    @property
    def is_empty(self) -> bool:
        return not self.total.tickets and not self.total.calls


def _seconds(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max((later - earlier).total_seconds(), 0.0)


def _hour_label(hour: int) -> str:
    return f"{hour:02d}:00–{hour + 1:02d}:00"


def queue_report(unit, start: dt.date, end: dt.date) -> Report:
    """The figures of `unit`'s queue over the days `start` … `end` (four queries, the sums in Python: a centre
    issues a few hundred tickets a day, so even a year is a few hundred thousand small rows, streamed)."""
    counters = {c.pk: StatRow(c.label + (f" — {c.name}" if c.name else "")) for c in Counter.objects.filter(unit=unit).order_by("number")}
    groups = {g.pk: StatRow(str(g)) for g in ServiceGroup.objects.filter(unit=unit).order_by("position", "prefix")}
    hours: dict[int, StatRow] = {}
    total = StatRow(pgettext("queue", "All"), tickets=0, never_called=0)

    def hour_row(moment: dt.datetime) -> StatRow:
        hour = timezone.localtime(moment).hour
        if hour not in hours:
            hours[hour] = StatRow(_hour_label(hour), tickets=0, never_called=0)
        return hours[hour]

    tickets = Ticket.objects.filter(unit=unit, day__range=(start, end)).values_list("group_id", "issued_at", "first_called_at")
    for group_id, issued_at, first_called_at in tickets.iterator(chunk_size=5000):
        called = first_called_at is not None
        groups[group_id].add_ticket(called)
        hour_row(issued_at).add_ticket(called)
        total.add_ticket(called)
    visits = Visit.objects.filter(ticket__unit=unit, ticket__day__range=(start, end)).values_list(
        "counter_id", "group_id", "waited_from", "called_at", "started_at", "ended_at", "outcome",
    )
    for counter_id, group_id, waited_from, called_at, started_at, ended_at, outcome in visits.iterator(chunk_size=5000):
        wait = _seconds(called_at, waited_from)
        serve = _seconds(ended_at, started_at)
        for row in (counters[counter_id], groups[group_id], hour_row(waited_from), total):
            row.add_visit(wait, serve, outcome)
    for row in groups.values():
        row.tickets = row.tickets or 0
        row.never_called = row.never_called or 0
    return Report(
        start=start, end=end,
        by_counter=list(counters.values()),
        by_group=list(groups.values()),
        by_hour=[hours[h] for h in sorted(hours)],
        total=total,
    )


# ------------------------------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_label: str
    centre: float
    value_y: float
    label_y: float


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    baseline: float
    bars: list[Bar]

    @property
    def description(self) -> str:
        return "; ".join(f"{b.label} — {b.value_label}" for b in self.bars)


CHART_WIDTH = 720
CHART_HEIGHT = 260
_TOP, _BOTTOM, _SIDE = 28, 40, 12


def bar_chart(title: str, items: list[tuple[str, float, str]]) -> Chart | None:
    """A bar chart laid out for an SVG of fixed size: (label, value, value as shown) per bar. No JavaScript: the
    page draws rectangles at these coordinates, and the same figures stand in the table beside it."""
    items = [(label, value or 0.0, shown) for label, value, shown in items]
    if not items or not any(value > 0 for _label, value, _shown in items):
        return None
    top = max(value for _label, value, _shown in items)
    plot_height = CHART_HEIGHT - _TOP - _BOTTOM
    slot = (CHART_WIDTH - 2 * _SIDE) / len(items)
    width = min(slot * 0.7, 72.0)  # one or two bars stay bars, not walls
    bars = []
    for index, (label, value, shown) in enumerate(items):
        height = plot_height * value / top
        x = _SIDE + index * slot + (slot - width) / 2
        bars.append(Bar(x=round(x, 1), y=round(_TOP + plot_height - height, 1), width=round(width, 1), height=round(height, 1),
                        label=label, value_label=shown, centre=round(x + width / 2, 1),
                        value_y=round(_TOP + plot_height - height - 6, 1), label_y=round(_TOP + plot_height + 18, 1)))
    return Chart(title=title, width=CHART_WIDTH, height=CHART_HEIGHT, baseline=_TOP + plot_height, bars=bars)


def format_duration(seconds: float | None) -> str:
    """1:05 for sixty-five seconds, 1:02:03 past an hour; an em dash when there is nothing to measure."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def charts(report: Report) -> list[Chart]:
    hour_chart = bar_chart(_("Tickets issued per hour"), [(row.label[:5], float(row.tickets or 0), str(row.tickets or 0)) for row in report.by_hour])
    wait_chart = bar_chart(
        _("Average waiting time per counter (minutes:seconds)"),
        [(row.label.split(" — ")[0], row.avg_wait or 0.0, format_duration(row.avg_wait)) for row in report.by_counter if row.calls],
    )
    return [chart for chart in (hour_chart, wait_chart) if chart is not None]


# ------------------------------------------------------------------------------------------------- Excel


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


def export_columns() -> list[tuple[str, int]]:
    return [
        (pgettext("queue", "Breakdown"), 16), (pgettext("queue", "Name"), 40), (_("Tickets issued"), 12), (_("Never called"), 12), (pgettext("queue", "Calls"), 10),
        (pgettext("queue", "Served"), 10), (_("Skipped or did not come"), 14), (_("Average wait (minutes)"), 14), (_("Median wait (minutes)"), 14),
        (_("Average service (minutes)"), 14), (_("Median service (minutes)"), 14),
    ]


def export_rows(report: Report):
    sections = [(pgettext("queue", "Counter"), report.by_counter), (pgettext("queue", "Service group"), report.by_group), (pgettext("queue", "Hour"), report.by_hour), (pgettext("queue", "Total"), [report.total])]
    for section, rows in sections:
        for row in rows:
            yield [
                section, row.label, row.tickets, row.never_called, row.calls, row.served, row.skipped,
                _minutes(row.avg_wait), _minutes(row.median_wait), _minutes(row.avg_serve), _minutes(row.median_serve),
            ]
