"""Public dossier lookup by code over HTTP, against a bare view doing one indexed SELECT by code, same server.

On a generated province (bench/_common.py: fresh, or --reuse), a sample of dossiers is drawn at random and the
receipt's QR link of each (/tra-cuu/<code>/?t=<token>, the real page: rate limit, token check, the dossier with
its steps and events, the template) is requested by concurrent keep-alive clients for a fixed time through
granian (2 workers); then /bench/raw-lookup/<code>/ on the same server, a view doing one SELECT by code and
answering a few fields. Clients come through X-Forwarded-For from many addresses (127.0.0.1 is named a trusted
proxy), each address below the per-client limit, as citizens would. Prints requests/s, the ratio (aim ≥ 0.7),
p50/p99 under load and with one client (aim p99 < 20 ms), and the peak RSS of the server's workers.

    python3 bench/lookup.py [--database sqlite|postgres|both] [--reuse] [--pg-db NAME] [--sqlite-path FILE]
                            [--n 20000] [--seconds 10] [--clients 8] [--sample 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

import _common
import rss

# Requests per simulated citizen address: under LOOKUP_PER_CLIENT (30 per 10 minutes).
PER_ADDRESS = 20


# -- the ceiling view: this module is the server's URL configuration (CONGVU_ROOT_URLCONF=lookup) ----------------

def _raw_lookup(request, code):
    from django.db import connection
    from django.http import Http404, JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, code, state, due_at FROM dossiers_dossier WHERE code = %s", [code])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return JsonResponse({"id": row[0], "code": row[1], "state": row[2], "due_at": str(row[3])})


def __getattr__(name):
    # Django reads `urlpatterns` only once the server is set up; the driver imports this module without Django.
    if name == "urlpatterns":
        from django.urls import path

        from congvu.urls import urlpatterns as real

        return [path("bench/raw-lookup/<str:code>/", _raw_lookup), *real]
    raise AttributeError(name)


# -- the child: a sample of lookup links ---------------------------------------------------------------------------

def _sample(size: int, seed: int) -> dict:
    import django

    django.setup()
    from django.db.models import Max, Min

    from congvu.dossiers.letters import lookup_token
    from congvu.dossiers.models import Dossier

    bounds = Dossier.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        raise SystemExit("no dossiers in the database")
    rng = random.Random(seed)
    # Random ids, not a random sort: one index probe per id, also at 10 million rows.
    wanted = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(size)}
    codes = list(Dossier.objects.filter(pk__in=wanted).values_list("code", flat=True))
    links = [{"code": code, "token": lookup_token(Dossier(code=code))} for code in codes]
    return {"links": links, "dossiers": Dossier.objects.count() if bounds["hi"] - bounds["lo"] < 2_000_000 else bounds["hi"] - bounds["lo"] + 1}


# -- the driver ------------------------------------------------------------------------------------------------------

def run_backend(backend: str, args) -> dict:
    from urllib.parse import quote

    with _common.target(backend, args) as env:
        _common.log(f"[{backend}] drawing {args.sample:,} dossiers…")
        sample = _common.django_child(__file__, env, ["--child", "--sample", str(args.sample), "--seed", str(args.seed)])
        links = sample["links"]
        server_env = {**env, "CONGVU_ROOT_URLCONF": "lookup", "CONGVU_TRUSTED_PROXIES": "127.0.0.1"}
        server = _common.serve(server_env, args.port)
        try:
            base = random.Random(args.seed).randrange(1, 200) << 16  # fresh addresses in each run

            def address(n: int, i: int) -> str:
                k = base + (n * 1_000_000 + i) // PER_ADDRESS
                return f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}"

            def real(n: int, i: int):
                link = links[(n * 7919 + i) % len(links)]
                path = f"/tra-cuu/{quote(link['code'], safe='')}/?t={quote(link['token'], safe=':')}"
                return path, {"X-Forwarded-For": address(n, i)}

            def ceiling(n: int, i: int):
                return f"/bench/raw-lookup/{quote(links[(n * 7919 + i) % len(links)]['code'], safe='')}/", {}

            # One real page checked by hand: it must be the dossier's page, not a refusal or the form.
            conn = _common.http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            path, headers = real(999, 0)
            status, body, _t = _common.get(conn, path, headers)
            if status != 200 or links[(999 * 7919) % len(links)]["code"].encode() not in body:
                raise SystemExit(f"the lookup page did not show the dossier (HTTP {status})")
            _common.load(args.port, real, 2, args.clients)  # warm-up: connections, caches
            _common.load(args.port, ceiling, 2, args.clients)
            _common.log(f"[{backend}] lookup pages for {args.seconds:g} s with {args.clients} clients…")
            loaded = _common.load(args.port, real, args.seconds, args.clients, "lookup")
            _common.log(f"[{backend}] bare SELECT by code for {args.seconds:g} s…")
            bare = _common.load(args.port, ceiling, args.seconds, args.clients, "ceiling")
            _common.log(f"[{backend}] latency with one client for {args.seconds / 2:g} s…")
            single = _common.load(args.port, lambda n, i: real(n + 500, i), args.seconds / 2, 1, "one client")
            single_bare = _common.load(args.port, lambda n, i: ceiling(n + 500, i), args.seconds / 4, 1)
            workers = rss.tree_peaks(server.pid)
        finally:
            _common.stop(server)
    return {"database": backend, "dossiers": sample["dossiers"], "sample": len(links), "loaded": loaded, "bare": bare,
            "single": single, "single_bare": single_bare, "workers": workers, "clients": args.clients}


def report(r: dict) -> None:
    db = r["database"]
    rate = r["loaded"]["ok"] / r["loaded"]["seconds"]
    bare_rate = r["bare"]["ok"] / r["bare"]["seconds"]
    ratio = rate / bare_rate if bare_rate else float("nan")
    lat, bare_lat = _common.summary_ms(r["loaded"]["latencies"]), _common.summary_ms(r["bare"]["latencies"])
    one, one_bare = _common.summary_ms(r["single"]["latencies"]), _common.summary_ms(r["single_bare"]["latencies"])
    print(f"\n== lookup by code, {db}: {r['dossiers']:,} dossiers, {r['sample']:,} codes drawn, {r['clients']} clients ==")
    print(f"lookup page:  {rate:9.1f} req/s  p50 {lat['p50']:6.1f} ms  p99 {lat['p99']:6.1f} ms  errors {r['loaded']['errors']}")
    print(f"bare SELECT:  {bare_rate:9.1f} req/s  p50 {bare_lat['p50']:6.1f} ms  p99 {bare_lat['p99']:6.1f} ms  errors {r['bare']['errors']}")
    print(f"ratio lookup ÷ bare: {ratio:.2f} (aim ≥ 0.7: {_common.verdict(ratio >= 0.7)})")
    print(f"one client:   lookup p50 {one['p50']:.1f} ms p99 {one['p99']:.1f} ms ({one['n']} requests); "
          f"bare p50 {one_bare['p50']:.1f} ms p99 {one_bare['p99']:.1f} ms")
    print(f"p99 one client {one['p99']:.1f} ms (aim < 20 ms: {_common.verdict(one['p99'] < 20)}); "
          f"under load p99 {lat['p99']:.1f} ms ({_common.verdict(lat['p99'] < 20)})")
    peak = max((w["peak_kb"] for w in r["workers"]), default=0)
    print("server processes peak RSS: " + ", ".join(f"{w['name']} {w['peak_kb'] / 1024:.0f} MiB" for w in r["workers"]))
    _common.record("lookup", db, "lookup req/s", rate, "/s")
    _common.record("lookup", db, "bare SELECT req/s", bare_rate, "/s")
    _common.record("lookup", db, "lookup ÷ bare", ratio, "×", "≥ 0.7", ratio >= 0.7)
    _common.record("lookup", db, "lookup p99, one client", one["p99"], "ms", "< 20 ms", one["p99"] < 20)
    _common.record("lookup", db, f"lookup p99, {r['clients']} clients", lat["p99"], "ms", "< 20 ms", lat["p99"] < 20)
    _common.record("rss", db, "server process peak RSS (lookup)", peak / 1024, "MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _common.add_arguments(parser)
    parser.add_argument("--seconds", type=float, default=10, help="seconds per loaded measurement (default 10)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--sample", type=int, default=2000, help="dossiers drawn for the lookups (default 2,000)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_sample(args.sample, args.seed)))
        return 0
    for backend in _common.backends(args):
        started = time.perf_counter()
        report(run_backend(backend, args))
        _common.log(f"[{backend}] done in {time.perf_counter() - started:,.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
