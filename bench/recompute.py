"""A month-end recomputation of all indicators of the province: seconds (aim: minutes, not hours).

The rollups are kept current by the worker (`refresh_indices`), so a month end needs no batch of its own; what a
province does when it closes a month and wants every figure recomputed from the raw rows (after a calendar or
catalogue correction, or to be sure before the report goes upward) is `rebuild_indices`: every dossier's fact
(the pauses, the working calendar) and every rollup. Then each unit's figures for the month just closed — the
summary and the Decision 766 scorecard of every unit of the province, and the province's ranking of its units —
as the monthly reports read them; and one refresh pass as the worker runs it. Each step runs in a child process
(the worker's shape), whose peak RSS is reported.

    python3 bench/recompute.py [--database sqlite|postgres|both] [--reuse] [--pg-db NAME] [--sqlite-path FILE] [--n 20000]

With --reuse the rollups of the database are rebuilt in place (same content: the rebuild is deterministic).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import _common

AIM_SECONDS = 3600  # "minutes, not hours"


def _child(max_units: int | None = None) -> dict:
    """`max_units` keeps the first units of the tree only (the test's tiny province)."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from congvu.dossiers.models import Dossier
    from congvu.indices import selectors, services
    from congvu.indices.periods import Period
    from congvu.units.models import Unit

    result = {"database": connection.vendor}
    started = time.perf_counter()
    dossiers = services.rebuild(progress=_common.progress("rebuild (facts)"))
    result["rebuild_s"] = time.perf_counter() - started
    result["dossiers"] = dossiers
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE indices_dossierfact, indices_rollup")

    month = Period.containing(timezone.localdate(), "month").previous()
    province = Unit.objects.filter(depth=1).order_by("path").first()
    units = list(Unit.objects.get_tree(province))[:max_units]
    _common.log(f"  the figures of {len(units)} units for {month.key}…")
    started = time.perf_counter()
    shown = _common.progress("units")
    for done, unit in enumerate(units, start=1):
        selectors.summary(unit, month)
        selectors.index_766(unit, month)
        shown(done, len(units))
    selectors.ranking(province, month, "766.total")
    result["month_figures_s"] = time.perf_counter() - started
    result["units"] = len(units)
    result["month"] = month.key

    started = time.perf_counter()
    services.refresh()
    result["refresh_s"] = time.perf_counter() - started
    result["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["total_dossiers"] = Dossier.objects.count()
    return result


def report(backend: str, r: dict) -> None:
    total = r["rebuild_s"] + r["month_figures_s"] + r["refresh_s"]
    met = total < AIM_SECONDS
    print(f"\n== month-end recomputation, {backend}: {r['dossiers']:,} dossiers, {r['units']} units, month {r['month']} ==")
    print(f"rebuild of all facts and rollups  {r['rebuild_s']:10,.1f} s  ({r['dossiers'] / r['rebuild_s'] if r['rebuild_s'] else 0:,.0f} dossiers/s)")
    print(f"every unit's month figures        {r['month_figures_s']:10,.1f} s  ({r['month_figures_s'] / r['units'] * 1000:,.0f} ms per unit)")
    print(f"one worker refresh pass           {r['refresh_s']:10,.1f} s")
    print(f"total                             {total:10,.1f} s = {total / 60:,.1f} min (aim under an hour: {_common.verdict(met)})")
    print(f"peak RSS of the recomputing process: {r['peak_rss_kb'] / 1024:,.0f} MiB")
    _common.record("recompute", backend, "month-end recomputation", total, "s", "< 3600 s", met)
    _common.record("recompute", backend, "  of which rebuild facts + rollups", r["rebuild_s"], "s")
    _common.record("rss", backend, "recompute process peak RSS", r["peak_rss_kb"] / 1024, "MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _common.add_arguments(parser)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child()))
        return 0
    for backend in _common.backends(args):
        with _common.target(backend, args) as env:
            _common.log(f"[{backend}] month-end recomputation…")
            report(backend, _common.django_child(__file__, env, ["--child"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
