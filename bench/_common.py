"""What the province-scale benchmarks share: the options, the database they run on, generation, the HTTP load,
percentiles, the results file bench/run.sh turns into one table.

Every benchmark runs either on a fresh database of `--n` generated dossiers (the default: small runs and tests)
or, with `--reuse`, on one generated earlier (bench/run.sh generates once, then runs everything with --reuse):
PostgreSQL `--pg-db` (env CONGVU_BENCH_PG_DB, default congvu_bench) or the SQLite file `--sqlite-path` (env
CONGVU_BENCH_SQLITE, default /work/bench/congvu_bench.sqlite3). Without --reuse the PostgreSQL database named
is dropped and created again, and SQLite uses a temporary file (the --sqlite-path file is never written).

    python3 bench/_common.py generate --database postgres --pg-db congvu_benchdev --n 20000   # once
    python3 bench/_common.py summary RESULTS.jsonl                                             # the table
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PG_HOST_URL = os.environ.get("CONGVU_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_ADMIN_URL = f"{PG_HOST_URL}/postgres"
DEFAULT_SQLITE = "/work/bench/congvu_bench.sqlite3"
# Signed lookup tokens are made in one process and checked in the server's: both must share the key.
BENCH_SECRET = "congvu-bench-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"


# -- options and databases -------------------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser, n_default: int = 20_000) -> None:
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reuse", action="store_true", help="run on the database generated earlier (no generation)")
    parser.add_argument("--pg-db", default=os.environ.get("CONGVU_BENCH_PG_DB", "congvu_bench"),
                        help="PostgreSQL database name (env CONGVU_BENCH_PG_DB; default congvu_bench)")
    parser.add_argument("--sqlite-path", default=os.environ.get("CONGVU_BENCH_SQLITE", DEFAULT_SQLITE),
                        help=f"SQLite file used with --reuse (env CONGVU_BENCH_SQLITE; default {DEFAULT_SQLITE})")
    parser.add_argument("--n", type=int, default=n_default, help=f"dossiers to generate without --reuse (default {n_default:,})")
    parser.add_argument("--months", type=int, default=13, help="months of history to generate (default 13)")
    parser.add_argument("--seed", type=int, default=1)


def backends(args) -> list[str]:
    return ["sqlite", "postgres"] if args.database == "both" else [args.database]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def psql(sql: str, db_url: str = PG_ADMIN_URL) -> str:
    return subprocess.run(["psql", db_url, "-tAqc", sql], check=True, capture_output=True, text=True).stdout.strip()


def pg_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def database_url(backend: str, args, data_dir: Path) -> str:
    if backend == "postgres":
        return f"{PG_HOST_URL}/{args.pg_db}"
    path = Path(args.sqlite_path) if args.reuse else data_dir / "bench.sqlite3"
    return f"sqlite:///{path.resolve()}"


def environment(database_url: str, data_dir: Path, **extra: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "congvu.settings", "CONGVU_DATA_DIR": str(data_dir),
           "CONGVU_SECRET_KEY": BENCH_SECRET, "DATABASE_URL": database_url,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(BENCH)])}
    env.update(extra)
    return env


@contextlib.contextmanager
def target(backend: str, args):
    """The environment of one database to benchmark: reused as it is, or fresh with `args.n` dossiers."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"congvu-bench-{backend}-"))
    try:
        url = database_url(backend, args, data_dir)
        if args.reuse:
            if backend == "postgres" and not pg_exists(args.pg_db):
                raise SystemExit(f"--reuse: PostgreSQL database {args.pg_db} does not exist (generate it first)")
            if backend == "sqlite" and not Path(args.sqlite_path).exists():
                raise SystemExit(f"--reuse: SQLite file {args.sqlite_path} does not exist (generate it first)")
        else:
            if backend == "postgres":
                psql(f"DROP DATABASE IF EXISTS {args.pg_db}")
                psql(f"CREATE DATABASE {args.pg_db}")
            generate_into(environment(url, data_dir), args.n, args.months, args.seed)
        yield environment(url, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def generate_into(env: dict, n: int, months: int, seed: int) -> dict:
    """Migrate, load the province and n dossiers (bench/generate.py), ANALYZE, build the rollups: in a child process."""
    log(f"generating {n:,} dossiers ({months} months) into {env['DATABASE_URL']}…")
    return django_child(__file__, env, ["_generate", "--n", str(n), "--months", str(months), "--seed", str(seed)])


def _generate(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import generate
    from congvu.indices import services

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    place = generate.setup_place()
    stats = generate.generate(place, args.n, months=args.months, seed=args.seed, progress=progress("dossiers"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rebuild_started = time.perf_counter()
    services.rebuild(progress=progress("rollups"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"dossiers": stats.dossiers, "events": stats.events, "generate_s": stats.seconds,
            "rebuild_s": time.perf_counter() - rebuild_started, "total_s": time.perf_counter() - started}


def django_child(script: str, env: dict, argv: list[str]) -> dict:
    """Run `script argv…` in env (Django configured there); progress goes to stderr, the last stdout line is JSON."""
    out = subprocess.run([sys.executable, str(script), *argv], env=env, stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{Path(script).name} {' '.join(argv)} failed with exit code {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def progress(label: str):
    """A progress callback (done, total) printing at most every 2 s, and the last step."""
    state = {"last": 0.0, "started": time.perf_counter()}

    def report(done, total=None, *_rest):
        now = time.perf_counter()
        if total and done < total and now - state["last"] < 2:
            return
        state["last"] = now
        elapsed = now - state["started"]
        if total:
            rate = done / elapsed if elapsed else 0
            log(f"  {label}: {done:,}/{total:,} ({done / total:.0%}) {elapsed:,.0f} s, {rate:,.0f}/s")
        else:
            log(f"  {label}: {done} ({elapsed:,.0f} s)")

    return report


# -- numbers ---------------------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100) of the values; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n·p/100), at least the first
    return ordered[int(min(rank, len(ordered))) - 1]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
            "max": max(ms) if ms else float("nan")}


def verdict(met: bool) -> str:
    return "aim met" if met else "aim NOT met"


def record(bench: str, database: str, name: str, value: float, unit: str, aim: str = "", met: bool | None = None) -> None:
    """One figure for bench/run.sh's table (appended to $CONGVU_BENCH_RESULTS when set)."""
    path = os.environ.get("CONGVU_BENCH_RESULTS")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"bench": bench, "database": database, "name": name, "value": value, "unit": unit,
                              "aim": aim, "met": met}) + "\n")


def print_summary(path: str) -> None:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        print("(no figures recorded)")
        return
    print(f"{'bench':<10} {'database':<9} {'figure':<44} {'value':>14}  {'aim':<16} result")
    for r in rows:
        value = r["value"]
        text = f"{value:,.1f}" if isinstance(value, (int, float)) and abs(value) < 1000 else f"{value:,.0f}"
        if isinstance(value, float) and abs(value) < 10 and r["unit"] in ("", "×"):
            text = f"{value:.2f}"
        result = "" if r["met"] is None else ("met" if r["met"] else "NOT met")
        print(f"{r['bench']:<10} {r['database']:<9} {r['name']:<44} {text:>10} {r['unit']:<3}  {r['aim']:<16} {result}")


# -- serving and loading over HTTP -----------------------------------------------------------------------------------

def serve(env: dict, port: int, workers: int = 2) -> subprocess.Popen:
    """granian (WSGI, `workers` processes) as `congvu serve` starts it; waits for /healthz."""
    cmd = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--no-ws", "--backpressure", os.environ.get("CONGVU_BACKPRESSURE", "32"),
           "--log-level", "error", "congvu.wsgi:application"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start: {proc.stderr.read().decode()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def get(conn: http.client.HTTPConnection, path: str, headers: dict | None = None) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    return response.status, body, time.perf_counter() - started


def load(port: int, request_for, seconds: float, clients: int, label: str = "") -> dict:
    """Keep-alive clients sending GETs for `seconds`: request_for(client, i) → (path, headers). Counts 200s;
    returns {ok, errors, seconds, latencies (s) of the 200s}."""
    ok, errors = [0], [0]
    latencies: list[float] = []
    lock = threading.Lock()
    started = time.perf_counter()
    stop_at = started + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = 0
        while time.perf_counter() < stop_at:
            path, headers = request_for(n, i)
            i += 1
            status, _body, elapsed = get(conn, path, headers)
            with lock:
                if status == 200:
                    ok[0] += 1
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(timeout=5)
        if label and any(t.is_alive() for t in threads):
            log(f"  {label}: {ok[0]:,} answers, {time.perf_counter() - started:,.0f}/{seconds:g} s")
    return {"ok": ok[0], "errors": errors[0], "seconds": time.perf_counter() - started, "latencies": latencies}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="generate a database for later --reuse runs")
    add_arguments(gen)
    summary = sub.add_parser("summary", help="print the table of a results file")
    summary.add_argument("path")
    child = sub.add_parser("_generate")
    child.add_argument("--n", type=int, required=True)
    child.add_argument("--months", type=int, default=13)
    child.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "_generate":
        print(json.dumps(_generate(args), default=str))
    elif args.command == "summary":
        print_summary(args.path)
    else:
        for backend in backends(args):
            data_dir = Path(tempfile.mkdtemp(prefix="congvu-bench-gen-"))
            try:
                if backend == "postgres":
                    psql(f"DROP DATABASE IF EXISTS {args.pg_db}")
                    psql(f"CREATE DATABASE {args.pg_db}")
                    url = f"{PG_HOST_URL}/{args.pg_db}"
                else:
                    path = Path(args.sqlite_path).resolve()
                    path.parent.mkdir(parents=True, exist_ok=True)
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{path}{suffix}").unlink(missing_ok=True)
                    url = f"sqlite:///{path}"
                result = generate_into(environment(url, data_dir), args.n, args.months, args.seed)
                print(f"{backend}: {result['dossiers']:,} dossiers, {result['events']:,} events; generation "
                      f"{result['generate_s']:,.1f} s, rollups {result['rebuild_s']:,.1f} s")
            finally:
                shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
