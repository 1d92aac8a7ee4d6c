"""Intake throughput over HTTP, against a ceiling measured in the same run.

For SQLite and PostgreSQL in turn: build a database with the demo data, start granian (2 workers, WSGI) and
for a fixed time POST dossiers to /api/v1/dossiers (the real path: validation, calendar, steps, event,
counter) from concurrent keep-alive clients; then do the same against a bare view on the same server that
writes the same rows with raw INSERTs in one transaction (bench/ceiling_urls.py: counter, applicant, dossier,
steps, documents, event, outbox SMS, portal sync row and change). Prints dossiers/s, the
ratio to the ceiling (the figure that matters; aim ≥ 0.6) and latency percentiles.

    python3 bench/intake.py [--seconds 10] [--clients 8] [--backends sqlite,postgresql]
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = os.environ.get("CONGVU_INTAKE_BENCH_DB", "congvu_bench_intake")  # dropped and recreated by each run

SETUP = r"""
import json, os
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from congvu.core.demo import load_demo
import io
load_demo(stdout=io.StringIO())
from django.contrib.auth import get_user_model
from congvu.catalog import selectors
from congvu.units.models import ApiToken, Unit
from congvu.dossiers.services.numbering import next_dossier_code
unit = Unit.objects.get(code="00070-TTPVHCC")
user = get_user_model().objects.get(username="motcua")
_token, raw = ApiToken.issue("bench", unit, user)
version = selectors.version_in_force(selectors.procedure_by_code("1.001193"))
docs = list(version.documents.filter(group="submit").values_list("id", flat=True))
steps = max(1, version.workflow_steps.filter(unit=None).count())
from django.db import transaction
from django.utils import timezone
from congvu.dossiers.services.numbering import unit_identifier
with transaction.atomic():
    next_dossier_code(unit, timezone.localdate())  # creates today's counter row the ceiling view updates
key = f"dossier:{unit_identifier(unit)}:{timezone.localdate():%Y%m%d}"  # the row the real intakes take numbers from
print(json.dumps({"token": raw, "docs": docs, "unit": unit.id, "version": version.id, "user": user.id,
                  "steps": steps, "counter_key": key}))
"""


def prepare(backend: str, data_dir: Path) -> dict:
    env = _env(backend, data_dir)
    if backend == "postgresql":
        _psql(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        _psql(f"CREATE DATABASE {PG_BENCH_DB}")
    out = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN_URL, "-qc", sql], check=True, capture_output=True)


def _env(backend: str, data_dir: Path, ids: dict | None = None) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "congvu.settings", "CONGVU_DATA_DIR": str(data_dir),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "bench")])}
    env.pop("DATABASE_URL", None)
    if backend == "postgresql":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    if ids is not None:
        env["CONGVU_ROOT_URLCONF"] = "ceiling_urls"
        env["CONGVU_BENCH_IDS"] = json.dumps(ids)
    return env


def serve(backend: str, data_dir: Path, ids: dict, port: int) -> subprocess.Popen:
    import _common  # bench/ is on the path: this file runs as a script there

    return _common.serve(_env(backend, data_dir, ids), port)


def load(port: int, path: str, body_for, headers: dict, seconds: float, clients: int) -> tuple[int, list[float], int]:
    """Keep-alive clients posting for `seconds`; returns (created, latencies in ms, errors)."""
    created, errors = [0], [0]
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        while time.perf_counter() < stop_at:
            i += 1
            started = time.perf_counter()
            conn.request("POST", path, body=json.dumps(body_for(n, i)), headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if response.status == 201:
                    created[0] += 1
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return created[0], latencies, errors[0]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_backend(backend: str, seconds: float, clients: int, port: int) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"congvu-bench-{backend}-"))
    try:
        print(f"[{backend}] preparing the demo database…", flush=True)
        ids = prepare(backend, data_dir)
        server = serve(backend, data_dir, ids, port)
        try:
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ids['token']}"}

            def dossier(n: int, i: int) -> dict:
                return {
                    "procedure": "1.001193", "unit": "00070-TTPVHCC", "channel": "counter",
                    "applicant": {"full_name": "Nguyễn Văn Bình", "personal_id": "001090012345", "phone": "0912345678"},
                    "checked_document_ids": ids["docs"], "summary": f"Đăng ký khai sinh {n}-{i}",
                }

            load(port, "/api/v1/dossiers", dossier, headers, 1.5, clients)  # warm-up: connections, caches
            print(f"[{backend}] intake through the API for {seconds:g} s with {clients} clients…", flush=True)
            real = load(port, "/api/v1/dossiers", dossier, headers, seconds, clients)
            print(f"[{backend}] bare raw-SQL ceiling for {seconds:g} s…", flush=True)
            ceiling = load(port, "/bench/raw-intake", lambda n, i: {}, {"Content-Type": "application/json"}, seconds, clients)
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if backend == "postgresql":
            _psql(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
    return {"backend": backend, "real": real, "ceiling": ceiling, "seconds": seconds}


def report(result: dict) -> None:
    seconds = result["seconds"]
    (n, lat, err), (cn, clat, cerr) = result["real"], result["ceiling"]
    rate, ceiling_rate = n / seconds, cn / seconds
    print(f"\n== {result['backend']} ==")
    print(f"intake via API:   {rate:8.1f} dossiers/s  p50 {percentile(lat, 50):6.1f} ms  p99 {percentile(lat, 99):6.1f} ms  errors {err}")
    print(f"raw-SQL ceiling:  {ceiling_rate:8.1f} dossiers/s  p50 {percentile(clat, 50):6.1f} ms  p99 {percentile(clat, 99):6.1f} ms  errors {cerr}")
    ratio = rate / ceiling_rate if ceiling_rate else float("nan")
    print(f"ratio (aim ≥ 0.6): {ratio:.2f}" + ("" if not lat else f"   mean latency {statistics.fmean(lat):.1f} ms"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    results = [run_backend(b.strip(), args.seconds, args.clients, args.port) for b in args.backends.split(",") if b.strip()]
    for result in results:
        report(result)


if __name__ == "__main__":
    main()
