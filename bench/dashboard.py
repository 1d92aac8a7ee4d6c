"""The province dashboard from rollups, against the naive aggregate over the raw dossier table, same run.

For SQLite and PostgreSQL in turn: migrate a fresh database, load one province (Đắk Lắk's communes + 20
departments, bench/generate.py) and N dossiers of 13 months of history in bulk, rebuild the indicator rollups
(`congvu.indices.services.rebuild`), then time for the last whole month and the last 12 whole months:

- rollups: what the province dashboard page asks for — `selectors.summary`, `selectors.index_766`, the trend charts
  (`selectors.trends`, 12 months × 7 metrics), `selectors.ranking` of its children on the on-time rate and the
  first 20 overdue dossiers with their count; the ranking page on the 766 total and on satisfaction is timed
  beside it ("warm per call");
- naive: one GROUP BY over the dossier table giving, per handling unit, received / finished / finished on time /
  late / open overdue (the same on-time rate and counts), summed for the province.

"cold" is the first call on a new database connection (the OS page cache is not dropped), "warm" the median of
the calls after it on the same connection, "p95" the 95th percentile of those calls (nearest rank: with
fewer than 20 calls it is the slowest). Then the two real pages through the views (Django's test client, a
leader of the province logged in): the province dashboard /staff/indices/ and the ranking page
/staff/indices/ranking/, p95 of `--repeat` requests after one warm-up (aim < 300 ms). Prints generation and
rebuild times, the timings and the ratio rollup ÷ naive (below 1 means the rollups are faster).

    python3 bench/dashboard.py [--n 1000000] [--database sqlite|postgres|both] [--repeat 5] [--seed 1] [--reuse]
                               [--pg-db NAME] [--sqlite-path FILE]

--reuse: keep the PostgreSQL database `--pg-db` (env CONGVU_BENCH_PG_DB, default congvu_bench) when it holds N
dossiers, and on SQLite use the file `--sqlite-path` (env CONGVU_BENCH_SQLITE) generated earlier.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = os.environ.get("CONGVU_BENCH_PG_DB", "congvu_bench")
PAGE_AIM_MS = 300


# -- the worker: runs inside one database's environment ---------------------------------------------------------

def _progress(label: str):
    import _common  # bench/ is on the path: this file runs as a script there

    return _common.progress(label)


def _timed(fn, repeat: int) -> dict:
    from django.db import connection

    connection.close()
    started = time.perf_counter()
    fn()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - started)
    return {"cold": cold, "warm": statistics.median(warm), "p95": _p95(warm)}


def _p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def _leader(province):
    from django.contrib.auth import get_user_model

    from congvu.units import services as units
    from congvu.units.models import Role

    username = f"bench-leader-{province.code}"
    user = get_user_model().objects.filter(username=username).first()
    return user or units.create_staff_member(username, "Lãnh đạo tỉnh (đo hiệu năng)", province, Role.UNIT_LEADER, password=None).user


def pages(province, period, repeat: int) -> dict:
    """The dashboard and ranking pages through the real views: p95 and median of `repeat` requests after one."""
    from django.test import Client

    from congvu.accounts.testing import force_verified_login

    client = Client()
    # A leader's session must be verified with a second factor (congvu.accounts) or the page ends it.
    force_verified_login(client, _leader(province))
    query = f"unit={province.code}&period={period.key}"
    out = {}
    for label, path in (("dashboard page", f"/staff/indices/?{query}"),
                        ("ranking page", f"/staff/indices/ranking/?{query}&metric=on_time_rate")):
        times = []
        for i in range(repeat + 1):
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{path} answered HTTP {response.status_code}")
            if i:
                times.append(elapsed)
        out[label] = {"p95": _p95(times), "median": statistics.median(times)}
    return out


def naive(province, period) -> dict:
    """Per handling unit, straight from the dossier table: what the on-time rate and the counts need."""
    from django.db.models import Count, Q

    from congvu.dossiers.models import Dossier
    from congvu.indices.scoping import unit_q

    start, end = period.start_instant(), period.end_instant()
    finished = Q(finished_at__gte=start, finished_at__lt=end)
    rows = (
        Dossier.objects.filter(unit_q(province, "handling_unit"))
        .filter(Q(received_at__lt=end) & (Q(finished_at__isnull=True) | Q(finished_at__gte=start)))
        .values("handling_unit_id")
        .annotate(
            received=Count("id", filter=Q(received_at__gte=start)),
            finished=Count("id", filter=finished),
            on_time=Count("id", filter=finished & Q(timeliness__in=["early", "on_time"])),
            late=Count("id", filter=finished & Q(timeliness="late")),
            # Open at the period's end and past its (current) due time; withdrawn dossiers have no finish time.
            open_overdue=Count("id", filter=(Q(finished_at__isnull=True) | Q(finished_at__gte=end))
                               & ~Q(state__in=["withdrawn", "not_accepted"]) & Q(due_at__lt=end)),
            online=Count("id", filter=Q(received_at__gte=start, channel="online")),
        )
    )
    per_unit = {r["handling_unit_id"]: r for r in rows}
    total = {k: sum(r[k] for r in per_unit.values()) for k in ("received", "finished", "on_time", "late", "open_overdue", "online")}
    ranking = sorted(per_unit.values(), key=lambda r: -(r["on_time"] / r["finished"]) if r["finished"] else 1)
    return {"total": total, "units": len(per_unit), "best": ranking[0]["handling_unit_id"] if ranking else None}


TREND_METRICS = ("received", "finished_late", "open_overdue", "on_time_rate", "online_share", "satisfaction", "766.total")


def _overdue(s, unit, period):
    return s.longest_overdue(unit, period, 20)


# What the province dashboard page (/staff/indices/) asks for, in the order it does.
DASHBOARD_CALLS = {
    "summary": lambda s, unit, period: s.summary(unit, period),
    "index_766": lambda s, unit, period: s.index_766(unit, period),
    "trends 12 months": lambda s, unit, period: s.trends(unit, period.last_months(12), TREND_METRICS),
    "ranking on_time_rate": lambda s, unit, period: s.ranking(unit, period, "on_time_rate"),
    "overdue list": _overdue,
}
# The ranking page on the other metrics people pick (timed on their own, not part of the dashboard figure).
RANKING_CALLS = {
    "ranking 766.total": lambda s, unit, period: s.ranking(unit, period, "766.total"),
    "ranking satisfaction": lambda s, unit, period: s.ranking(unit, period, "satisfaction"),
}


def dashboard(selectors, province, period) -> None:
    for call in DASHBOARD_CALLS.values():
        call(selectors, province, period)


def worker(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    import generate
    from congvu.indices.periods import Period

    result = {"database": connection.vendor, "n": args.n}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result["migrate_s"] = time.perf_counter() - started
    started = time.perf_counter()
    place = generate.setup_place()
    result["setup_s"] = time.perf_counter() - started
    result["units"] = 1 + len(place.communes) + len(place.departments)
    from congvu.dossiers.models import Dossier

    reused = args.reuse and Dossier.objects.count() >= args.n
    if reused:
        print(f"[{connection.vendor}] reusing the {Dossier.objects.count():,} dossiers and rollups already there", file=sys.stderr, flush=True)
        result.update(reused=True, n=Dossier.objects.count())
    else:
        print(f"[{connection.vendor}] generating {args.n:,} dossiers…", file=sys.stderr, flush=True)
        stats = generate.generate(place, args.n, seed=args.seed, progress=_progress("dossiers"))
        result.update(generate_s=stats.seconds, events=stats.events, rows=stats.rows, by_state=stats.by_state)
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        result["analyze_s"] = time.perf_counter() - started

    try:
        from congvu.indices import selectors, services
    except ImportError as error:  # the rollups land during issue 5's work: report what exists
        result["missing"] = f"congvu.indices selectors/services not importable: {error}"
        selectors = services = None

    steps = []
    if services is not None and not reused:
        print(f"[{connection.vendor}] rebuilding the rollups…", file=sys.stderr, flush=True)
        step_started = time.perf_counter()
        report = _progress("rebuild")

        def progress(*values):
            steps.append((time.perf_counter() - step_started, " ".join(str(v) for v in values)))
            report(*values)

        started = time.perf_counter()
        services.rebuild(progress=progress)
        result["rebuild_s"] = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    result["rebuild_steps"] = steps[-12:]

    today = timezone.localdate()
    last_month = Period.containing(today, "month").previous()
    twelve = last_month.last_months(12)
    periods = {"last month " + last_month.key: last_month, "last 12 months": Period.between(twelve[0].start, twelve[-1].end)}
    province = place.province
    timings = {}
    for label, period in periods.items():
        row = {"naive": _timed(lambda p=period: naive(province, p), args.repeat)}
        figures = naive(province, period)["total"]
        row["naive_figures"] = figures
        if selectors is not None:
            row["rollups"] = _timed(lambda p=period: dashboard(selectors, province, p), args.repeat)
            row["calls"] = {name: _timed(lambda c=call, p=period: c(selectors, province, p), args.repeat)["warm"]
                            for name, call in {**DASHBOARD_CALLS, **RANKING_CALLS}.items()}
            summary = selectors.summary(province, period)
            row["rollup_figures"] = {"received": summary.received, "finished": summary.finished,
                                     "on_time": summary.finished_early + summary.finished_on_time, "late": summary.finished_late,
                                     "open_overdue": summary.open_overdue, "online": summary.online.numerator}
            row["index_766"] = str(selectors.index_766(province, period).total)
            row["pages"] = pages(province, period, args.repeat)
        timings[label] = row
    result["timings"] = timings
    return result


# -- the driver ------------------------------------------------------------------------------------------------------

def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN_URL, "-qc", sql], check=True, capture_output=True)


def run_backend(backend: str, args) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"congvu-dash-{backend}-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "congvu.settings", "CONGVU_DATA_DIR": str(data_dir),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "bench")])}
    env.pop("DATABASE_URL", None)
    reuse = args.reuse
    if backend == "postgres":
        exists = subprocess.run(["psql", PG_ADMIN_URL, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{args.pg_db}'"],
                                check=True, capture_output=True, text=True).stdout.strip() == "1"
        if not (args.reuse and exists):
            _psql(f"DROP DATABASE IF EXISTS {args.pg_db}")
            _psql(f"CREATE DATABASE {args.pg_db}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.pg_db}"
    elif args.reuse and Path(args.sqlite_path).exists():
        env["DATABASE_URL"] = f"sqlite:///{Path(args.sqlite_path).resolve()}"
    else:
        reuse = False  # a fresh SQLite file in the temporary data directory
    try:
        cmd = [sys.executable, __file__, "--worker", "--n", str(args.n), "--repeat", str(args.repeat), "--seed", str(args.seed)]
        cmd += ["--reuse"] if reuse else []
        out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)  # progress goes to stderr
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def report(results: list[dict]) -> None:
    for r in results:
        print(f"\n== {r['database']}: {r['n']:,} dossiers, {r.get('events', 0):,} events, {r.get('rows', 0):,} rows, {r['units']} units ==")
        if r.get("reused"):
            print("generate   skipped (--reuse: the dossiers and rollups of an earlier run)")
        else:
            print(f"generate   {r['generate_s']:,.1f} s ({r['n'] / r['generate_s']:,.0f} dossiers/s)"
                  + (f"; ANALYZE {r['analyze_s']:,.1f} s" if "analyze_s" in r else ""))
        if "rebuild_s" in r:
            print(f"rebuild    {r['rebuild_s']:,.1f} s ({r['n'] / r['rebuild_s']:,.0f} dossiers/s)")
            for at, text in r["rebuild_steps"]:
                print(f"           {at:8.1f} s  {text}")
        if "missing" in r:
            print(f"rollups    not measured: {r['missing']}")
        print(f"{'period':<22} {'rollups cold':>14} {'rollups warm':>14} {'naive cold':>14} {'naive warm':>14} {'ratio warm':>11} {'ratio cold':>11}")
        for label, t in r["timings"].items():
            naive_t, roll = t["naive"], t.get("rollups")
            cells = [_ms(roll["cold"]) if roll else "—", _ms(roll["warm"]) if roll else "—", _ms(naive_t["cold"]), _ms(naive_t["warm"])]
            ratios = [f"{roll['warm'] / naive_t['warm']:.3f}", f"{roll['cold'] / naive_t['cold']:.3f}"] if roll else ["—", "—"]
            print(f"{label:<22} " + " ".join(f"{c:>14}" for c in cells) + " " + " ".join(f"{c:>11}" for c in ratios))
            print(f"{'':<22} naive:   {t['naive_figures']}")
            if roll:
                print(f"{'':<22} rollups: {t['rollup_figures']}; 766 total {t['index_766']}")
                print(f"{'':<22} warm per call: " + ", ".join(f"{k} {_ms(v)}" for k, v in t["calls"].items()))
                met = roll["p95"] < PAGE_AIM_MS / 1000
                print(f"{'':<22} rollups p95 {_ms(roll['p95'])} (aim < {PAGE_AIM_MS} ms: {'aim met' if met else 'aim NOT met'}); "
                      f"naive p95 {_ms(naive_t['p95'])}")
                _record(r["database"], f"dashboard rollups p95, {label}", roll["p95"] * 1000, f"< {PAGE_AIM_MS} ms", met)
                _record(r["database"], f"naive aggregate p95, {label}", naive_t["p95"] * 1000)
                for page, p in t.get("pages", {}).items():
                    met = p["p95"] < PAGE_AIM_MS / 1000
                    print(f"{'':<22} {page}: p95 {_ms(p['p95'])}, median {_ms(p['median'])} "
                          f"(aim < {PAGE_AIM_MS} ms: {'aim met' if met else 'aim NOT met'})")
                    _record(r["database"], f"{page} p95, {label}", p["p95"] * 1000, f"< {PAGE_AIM_MS} ms", met)


def _record(database: str, name: str, ms: float, aim: str = "", met: bool | None = None) -> None:
    """One figure for bench/run.sh's summary table (bench/_common.py), when it asked for them."""
    path = os.environ.get("CONGVU_BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"bench": "dashboard", "database": "postgres" if database == "postgresql" else database,
                                  "name": name, "value": ms, "unit": "ms", "aim": aim, "met": met}) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="dossiers to generate (default 1,000,000)")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per measurement (the median is shown)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the PostgreSQL bench database of an earlier run when it holds N dossiers; on SQLite use --sqlite-path")
    parser.add_argument("--pg-db", default=PG_BENCH_DB, help="PostgreSQL database (env CONGVU_BENCH_PG_DB; default congvu_bench)")
    parser.add_argument("--sqlite-path", default=os.environ.get("CONGVU_BENCH_SQLITE", "/work/bench/congvu_bench.sqlite3"),
                        help="SQLite file used with --reuse (env CONGVU_BENCH_SQLITE)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args), default=str))
        return 0
    backends = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for backend in backends:
        started = time.perf_counter()
        results.append(run_backend(backend, args))
        print(f"[{backend}] done in {time.perf_counter() - started:,.0f} s", file=sys.stderr, flush=True)
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
