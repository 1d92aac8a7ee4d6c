"""Decision 766 indicator 1.4 (dossiers synced to the national public-service portal), from the sync state the
portal sync (`congvu.sync`) keeps for every dossier.

1.4 = dossiers received in the period that the portal has acknowledged (or that were filed on the portal itself)
÷ dossiers received in the period, counted toward the handling unit like every dossier indicator. The national
formula divides by the larger of the national reporting system's count and the portal's own count; congvu sees
neither, so it divides by its own count of dossiers received — every one of them must reach the portal, and a
dossier the portal never acknowledged lowers the rate, which is what the indicator is meant to show. A dossier
counts as synced once acknowledged, whenever that happened: a month's figure rises as an outage is caught up.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from congvu.indices.measures import Measure


def _synced_q() -> Q:
    from congvu.sync.models import Origin

    return Q(portal_sync__last_acked_at__isnull=False) | Q(portal_sync__origin=Origin.NATIONAL_PORTAL)


def _received_in(start: dt.datetime, end: dt.datetime):
    from congvu.dossiers.models import Dossier

    return Dossier.objects.filter(received_at__gte=start, received_at__lt=end).order_by()


def _bounds(period) -> tuple[dt.datetime, dt.datetime]:
    return period.start_instant(), min(period.end_instant(), timezone.now())


def _measure(synced: int, total: int) -> dict[str, Measure]:
    return {"1.4": Measure(synced, total)}


def sync_measures(unit, period) -> dict[str, Measure]:
    from congvu.indices.scoping import unit_q

    start, end = _bounds(period)
    if end <= start:
        return _measure(0, 0)
    row = _received_in(start, end).filter(unit_q(unit, "handling_unit")).aggregate(total=Count("pk"), synced=Count("pk", filter=_synced_q()))
    return _measure(row["synced"], row["total"])


def sync_measures_many(units, period) -> dict[int, dict[str, Measure]]:
    """sync_measures of several units (a ranking's children) in one grouped query: {unit pk: measures}."""
    from congvu.indices.scoping import unit_groups

    units = list(units)
    groups = unit_groups(units)
    totals = {u.pk: [0, 0] for u in units}
    start, end = _bounds(period)
    if end > start and groups:
        rows = (_received_in(start, end).filter(handling_unit_id__in=list(groups)).values("handling_unit_id")
                .annotate(total=Count("pk"), synced=Count("pk", filter=_synced_q())))
        for row in rows:
            into = totals[groups[row["handling_unit_id"]].pk]
            into[0] += row["synced"]
            into[1] += row["total"]
    return {pk: _measure(synced, total) for pk, (synced, total) in totals.items()}


def sync_measures_by_month(unit, months) -> dict[str, dict[str, Measure]]:
    """sync_measures of `unit` for consecutive calendar months in one grouped query: {month key: measures}."""
    from congvu.indices.scoping import unit_q

    months = list(months)
    counts: dict[str, list[int]] = {m.key: [0, 0] for m in months}
    if months:
        start, end = months[0].start_instant(), min(months[-1].end_instant(), timezone.now())
        if end > start:
            rows = (_received_in(start, end).filter(unit_q(unit, "handling_unit"))
                    .annotate(month=TruncMonth("received_at", tzinfo=months[0].start_instant().tzinfo)).values("month")
                    .annotate(total=Count("pk"), synced=Count("pk", filter=_synced_q())))
            for row in rows:
                key = f"{row['month']:%Y-%m}"
                if key in counts:
                    counts[key] = [row["synced"], row["total"]]
    return {key: _measure(synced, total) for key, (synced, total) in counts.items()}


__all__ = ["sync_measures", "sync_measures_by_month", "sync_measures_many"]
