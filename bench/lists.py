"""An officer's worklist and a leader's province overdue lists, through the real views over HTTP: p95 (aim < 100 ms).

On a generated province (bench/_common.py: fresh, or --reuse) the busiest unit's worklist is opened by a one-stop
officer of that unit (/staff/dossiers/viec-can-lam/, 50 rows a page, soonest due first), and the province's
overdue dossiers by a leader of the province (/staff/dossiers/?overdue=1, and the dashboard's list behind the
"overdue in process" figure, /staff/indices/behind/?metric=open_overdue for last month), one request at a time
through granian (2 workers), logged in with a session cookie. Prints p50/p95/max per page and the peak RSS of
the server's workers.

bench/generate.py writes no workflow steps; on a fresh database (no --reuse) the benchmark gives the open
dossiers of the busiest unit an active step so that the worklist has rows (said in the output). With --reuse
nothing is written but the two bench accounts and their sessions, unless --add-worklist-steps asks for the steps.

    python3 bench/lists.py [--database sqlite|postgres|both] [--reuse] [--pg-db NAME] [--sqlite-path FILE]
                           [--n 20000] [--repeat 40]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import _common
import rss

AIM_MS = 100


def _prepare(add_steps: bool) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from congvu.dossiers.models import Dossier, DossierStep, StepStatus
    from congvu.dossiers.states import OPEN_STATES
    from congvu.indices.periods import Period
    from congvu.units import services as units
    from congvu.units.models import Role, Unit

    open_states = [s.value for s in OPEN_STATES]
    busiest = (DossierStep.objects.filter(status=StepStatus.ACTIVE).values("unit_id").annotate(n=Count("id")).order_by("-n").first())
    added = 0
    if busiest is None and add_steps:
        top = (Dossier.objects.filter(state__in=open_states).values("handling_unit_id").annotate(n=Count("id")).order_by("-n").first())
        if top is None:
            raise SystemExit("no open dossiers to put on a worklist")
        rows = Dossier.objects.filter(state__in=open_states, handling_unit_id=top["handling_unit_id"]).values_list("pk", "received_at", "due_at")
        DossierStep.objects.bulk_create([
            DossierStep(dossier_id=pk, position=0, name="Thẩm định hồ sơ (dữ liệu thử)", unit_id=top["handling_unit_id"],
                        role=Role.SPECIALIST, share=1, status=StepStatus.ACTIVE, started_at=received, due_at=due)
            for pk, received, due in rows.iterator(chunk_size=5000)
        ], batch_size=2000)
        added = DossierStep.objects.filter(status=StepStatus.ACTIVE, unit_id=top["handling_unit_id"]).count()
        busiest = {"unit_id": top["handling_unit_id"], "n": added}
    province = Unit.objects.filter(depth=1).order_by("path").first()
    unit = Unit.objects.get(pk=busiest["unit_id"]) if busiest else province

    def staff(username: str, name: str, where, role) -> object:
        user = get_user_model().objects.filter(username=username).first()
        return user or units.create_staff_member(username, name, where, role, password=None).user

    officer = staff(f"bench-officer-{unit.code}", "Cán bộ một cửa (đo hiệu năng)", unit, Role.ONE_STOP_OFFICER)
    leader = staff(f"bench-leader-{province.code}", "Lãnh đạo tỉnh (đo hiệu năng)", province, Role.UNIT_LEADER)
    from congvu.accounts.testing import force_verified_login

    cookies = {}
    for key, user in (("officer", officer), ("leader", leader)):
        client = Client()
        # A leader's session must be verified with a second factor (congvu.accounts) or the server ends it.
        force_verified_login(client, user)
        cookies[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
    month = Period.containing(timezone.localdate(), "month").previous()
    overdue = Dossier.objects.filter(state__in=open_states, due_at__lt=timezone.now()).count()
    return {"cookies": cookies, "cookie_name": settings.SESSION_COOKIE_NAME, "unit": unit.code, "unit_name": unit.name,
            "province": province.code, "steps": busiest["n"] if busiest else 0, "added_steps": added,
            "period": month.key, "overdue": overdue, "dossiers": Dossier.objects.count()}


def pages(info: dict) -> dict[str, tuple[str, str]]:
    """label → (who, path)."""
    return {
        "officer's worklist": ("officer", "/staff/dossiers/viec-can-lam/"),
        "province overdue dossiers": ("leader", "/staff/dossiers/?overdue=1"),
        "province overdue (dashboard list)": (
            "leader", f"/staff/indices/behind/?unit={info['province']}&period={info['period']}&metric=open_overdue"),
    }


def run_backend(backend: str, args) -> dict:
    with _common.target(backend, args) as env:
        _common.log(f"[{backend}] accounts, sessions…")
        add = args.add_worklist_steps or not args.reuse
        info = _common.django_child(__file__, env, ["--child"] + (["--add-steps"] if add else []))
        server = _common.serve(env, args.port)
        timings = {}
        try:
            conn = _common.http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
            for label, (who, path) in pages(info).items():
                headers = {"Cookie": f"{info['cookie_name']}={info['cookies'][who]}"}
                times, sizes = [], []
                shown = _common.progress(label)
                _common.log(f"[{backend}] {label}: {path} × {args.repeat}…")
                for i in range(args.repeat + 2):
                    status, body, elapsed = _common.get(conn, path, headers)
                    if status != 200:
                        raise SystemExit(f"{path} answered HTTP {status} to the {who}")
                    if i >= 2:  # the first two warm the worker processes
                        times.append(elapsed)
                        sizes.append(len(body))
                    shown(i + 1, args.repeat + 2)
                timings[label] = {"path": path, "who": who, **_common.summary_ms(times), "bytes": max(sizes)}
            workers = rss.tree_peaks(server.pid)
        finally:
            _common.stop(server)
    return {"database": backend, "info": info, "timings": timings, "workers": workers}


def report(r: dict) -> None:
    db, info = r["database"], r["info"]
    print(f"\n== lists, {db}: {info['dossiers']:,} dossiers; worklist of {info['unit']} ({info['steps']:,} active steps"
          + (f", {info['added_steps']:,} added by the benchmark" if info["added_steps"] else "") + f"); "
          f"{info['overdue']:,} open dossiers past due in the province ==")
    print(f"{'page':<36} {'p50':>9} {'p95':>9} {'max':>9} {'KiB':>6}  aim p95 < {AIM_MS} ms")
    for label, t in r["timings"].items():
        met = t["p95"] < AIM_MS
        print(f"{label:<36} {t['p50']:7.1f}ms {t['p95']:7.1f}ms {t['max']:7.1f}ms {t['bytes'] / 1024:6.0f}  {_common.verdict(met)}")
        _common.record("lists", db, f"{label} p95", t["p95"], "ms", f"< {AIM_MS} ms", met)
    if not info["steps"]:
        print("note: no active workflow steps in this database: the worklist page had nothing to list")
    print("server processes peak RSS: " + ", ".join(f"{w['name']} {w['peak_kb'] / 1024:.0f} MiB" for w in r["workers"]))
    _common.record("rss", db, "server process peak RSS (lists)", max((w["peak_kb"] for w in r["workers"]), default=0) / 1024, "MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _common.add_arguments(parser)
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per page (default 40)")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--add-steps", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--add-worklist-steps", action="store_true",
                        help="with --reuse: when no dossier has an active step, give the busiest unit's open dossiers one (writes)")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_prepare(args.add_steps)))
        return 0
    for backend in _common.backends(args):
        started = time.perf_counter()
        report(run_backend(backend, args))
        _common.log(f"[{backend}] done in {time.perf_counter() - started:,.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
