"""Soak: a bounded mixed load through granian (2 workers) and the notification worker, then the crash test's checks.

For `--minutes` (default 10) clients receive dossiers and walk them through actions over the API, look dossiers up
on the public page, open the staff list, the worklist and the dashboard; meanwhile the notification worker sends
every message to an SMS gateway and an SMTP server this script runs on loopback. Then: the outbox drained,
`verify_dossiers` without drift, every code answered exists once and the day's numbers have no gap, every action
answered 200 is in its event log, every message reached its receiver once (by idempotency key). Prints the error
rate (5xx and no answer; 4xx are counted apart: conflicts and the lookup's rate limit are answers), p50/p99 per
kind of request and the resident memory (VmRSS) growth of the server's processes and the worker between the end
of the warm-up and the end. Exit status 1 when a check fails.

    python3 bench/soak.py [--minutes 10] [--database sqlite|postgres] [--pg-db congvu_soak] [--clients 6] [--seed 1]

A fresh database every run: SQLite in a temporary folder, or the PostgreSQL database --pg-db dropped and created.
tests/crash/test_soak.py runs the same load and checks for a few seconds in CI.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import _common  # noqa: E402
import rss  # noqa: E402

LOOKUP_SALT = "congvu.lookup"  # congvu.dossiers.letters.LOOKUP_SALT
SMS_TOKEN = "soak-sms-token"
# What a dossier goes through over the API, one action after another (two of them notify the applicant).
SCRIPT = [
    ("start_processing", {}),
    ("request_supplement", {"items": ["Bản sao giấy khai sinh có chứng thực"], "reason": "Thiếu giấy tờ"}),
    ("receive_supplement", {"note": "Đã nhận bổ sung"}),
    ("request_payment", {"amount_vnd": 50000, "description": "Lệ phí"}),
    ("confirm_payment", {"receipt_reference": "BL-1"}),
]
# Kinds of request and their weights in the mix.
MIX = {"intake": 25, "action": 25, "lookup": 20, "list": 12, "worklist": 8, "dashboard": 10}
CITIZEN = {"full_name": "Nguyễn Văn An", "personal_id": "001090012345", "phone": "0912 345 678", "email": "an@example.vn"}


# -- receivers ---------------------------------------------------------------------------------------------------

class SmsSink:
    """An SMS gateway that counts every request and delivers each Idempotency-Key once (as a provider does)."""

    def __init__(self, port: int = 0):
        self.requests = 0
        self.delivered: Counter = Counter()
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.requests += 1
                    key = self.headers.get("Idempotency-Key")
                    if key not in sink.delivered:
                        sink.delivered[key] += 1
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class MailSink:
    """An SMTP server (aiosmtpd) counting messages per X-Congvu-Idempotency-Key."""

    def __init__(self, port: int):
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        self.seen: Counter = Counter()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = message_from_bytes(envelope.original_content, policy=policy.default)
                sink.seen[message["X-Congvu-Idempotency-Key"]] += 1
                return "250 OK"

        self.port = port
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()

    def close(self):
        self.controller.stop()


def notification_env(sms: SmsSink, mail: MailSink, lease_seconds: float = 30) -> dict[str, str]:
    return {
        "CONGVU_SMTP_HOST": "127.0.0.1", "CONGVU_SMTP_PORT": str(mail.port), "CONGVU_SMTP_TLS": "none",
        "CONGVU_SMTP_FROM": "Một cửa <khong-tra-loi@thu-nghiem.example.vn>", "CONGVU_SMS_URL": sms.url,
        "CONGVU_SMS_TOKEN": SMS_TOKEN, "CONGVU_NOTIFY_LEASE_SECONDS": str(lease_seconds), "CONGVU_NOTIFY_BACKOFF_SECONDS": "1",
    }


# -- the load ----------------------------------------------------------------------------------------------------

def lookup_token(code: str, secret: str) -> str:
    """The receipt's signed lookup token (congvu.dossiers.letters.lookup_token), made here without Django's setup."""
    from django.core import signing

    return signing.dumps({"code": code}, key=secret, salt=LOOKUP_SALT)


class Load:
    """Keep-alive clients sending the mix for `seconds`; every answer is recorded."""

    def __init__(self, port: int, info: dict, secret: str, seed: int):
        self.port, self.info, self.secret, self.seed = port, info, secret, seed
        from django.conf import settings

        if not settings.configured:  # signing reads its settings; this process needs no more of Django
            settings.configure(SECRET_KEY=secret)
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.created: list[str] = []
        self.acted: list[tuple[str, str, int]] = []
        self.next_step: dict[str, int] = {}
        self.stop = threading.Event()

    def _request(self, conn, method: str, path: str, body: dict | None, headers: dict) -> tuple[int | None, bytes, float]:
        started = time.perf_counter()
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body, ensure_ascii=False).encode(), headers=headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, raw, time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            conn.close()
            return None, b"", time.perf_counter() - started

    def client(self, n: int) -> None:
        rng = random.Random(self.seed * 1000 + n)
        kinds, weights = list(MIX), list(MIX.values())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        api = {"Authorization": f"Bearer {self.info['token']}", "Content-Type": "application/json"}
        cookie = lambda who: {"Cookie": f"{self.info['cookie_name']}={self.info['cookies'][who]}"}  # noqa: E731
        i = 0
        while not self.stop.is_set():
            i += 1
            kind = rng.choices(kinds, weights)[0]
            code = step = None
            with self.lock:
                if kind == "action":
                    ready = [c for c, s in self.next_step.items() if s < len(SCRIPT)]
                    if ready:
                        code = rng.choice(ready)
                        step = self.next_step.pop(code)
                    else:
                        kind = "intake"
                elif kind == "lookup":
                    code = rng.choice(self.created) if self.created else None
                    kind = kind if code else "intake"
            if kind == "intake":
                body = {**self.info["intake"], "applicant": {**CITIZEN, "full_name": f"Nguyễn Văn {n}-{i}"}}
                status, raw, took = self._request(conn, "POST", "/api/v1/dossiers", body, api)
            elif kind == "action":
                action, params = SCRIPT[step]
                status, raw, took = self._request(conn, "POST", f"/api/v1/dossiers/{code}/actions/{action}", {"params": params}, api)
            elif kind == "lookup":
                from urllib.parse import quote

                path = f"/tra-cuu/{quote(code, safe='')}/?t={quote(lookup_token(code, self.secret), safe=':')}"
                # Clients come from many addresses (through the trusted local proxy), as citizens do.
                status, raw, took = self._request(conn, "GET", path, None, {"X-Forwarded-For": f"10.{n}.{i // 250 % 250}.{i % 250 + 1}"})
            elif kind == "list":
                status, raw, took = self._request(conn, "GET", "/staff/dossiers/", None, cookie("officer"))
            elif kind == "worklist":
                status, raw, took = self._request(conn, "GET", "/staff/dossiers/viec-can-lam/", None, cookie("officer"))
            else:
                status, raw, took = self._request(conn, "GET", self.info["dashboard"], None, cookie("leader"))
            with self.lock:
                self.statuses[(kind, status)] += 1
                if status is not None and status < 500:
                    self.latencies[kind].append(took)
                if kind == "intake" and status == 201:
                    created = json.loads(raw)["code"]
                    self.created.append(created)
                    self.next_step[created] = 0
                elif kind == "action":
                    if status == 200:
                        self.acted.append((code, SCRIPT[step][0], json.loads(raw)["event_count"]))
                    if status is not None:
                        self.next_step[code] = step + 1 if status == 200 else len(SCRIPT)
            if status is None:
                time.sleep(0.2)
        conn.close()

    def run(self, seconds: float, clients: int, on_tick=None, tick: float = 10) -> None:
        threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(clients)]
        for t in threads:
            t.start()
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            time.sleep(min(tick, max(0.0, stop_at - time.monotonic())))
            if on_tick:
                on_tick()
        self.stop.set()
        for t in threads:
            t.join(60)

    def summary(self) -> dict:
        by_kind = defaultdict(Counter)
        for (kind, status), n in self.statuses.items():
            by_kind[kind]["5xx" if status and status >= 500 else "none" if status is None else "4xx" if status >= 400 else "ok"] += n
        total = sum(self.statuses.values())
        errors = sum(c["5xx"] + c["none"] for c in by_kind.values())
        return {
            "requests": total, "errors": errors, "error_rate": errors / total if total else float("nan"),
            "kinds": {kind: {**dict(c), **{k: v for k, v in _common.summary_ms(self.latencies[kind]).items() if k in ("n", "p50", "p99")}}
                      for kind, c in sorted(by_kind.items())},
            "dossiers": len(self.created), "actions": len(self.acted),
        }


def rss_kb(pids: list[int]) -> dict[int, int]:
    """Current resident memory (VmRSS, KiB) of each live process."""
    out = {}
    for pid in pids:
        value = rss._status(pid).get("VmRSS", "0 kB").split()[0]
        if value.isdigit() and int(value):
            out[pid] = int(value)
    return out


# -- the checks (in a process with Django set up) ----------------------------------------------------------------

def checks(created: list[str], acted: list, sms_delivered: Counter, sms_requests: int, mail_seen: Counter) -> dict:
    """The crash test's checks on the database Django is configured for; returns {name: problem or ""}."""
    import io

    from django.core.management import call_command

    from congvu.dossiers.codes import parse_code
    from congvu.dossiers.models import Dossier, DossierEvent
    from congvu.notify.contexts import ACTION_KINDS
    from congvu.notify.models import Channel, OutboxMessage, Status

    found = {}
    out = io.StringIO()
    try:
        call_command("verify_dossiers", quiet=True, stdout=out)
        found["verify_dossiers"] = ""
    except SystemExit:
        found["verify_dossiers"] = out.getvalue().strip()[-2000:]
    stored = set(Dossier.objects.values_list("code", flat=True))
    problems = []
    if len(set(created)) != len(created):
        problems.append("a code was answered twice")
    if lost := sorted(set(created) - stored):
        problems.append(f"answered but lost: {lost[:5]}")
    by_day = defaultdict(list)
    for code in stored:
        parsed = parse_code(code)
        by_day[(parsed.identifier, parsed.day) if parsed else code].append(int(parsed.sequence) if parsed else -1)
    problems += [f"gap or repeat in {key}" for key, numbers in by_day.items() if sorted(numbers) != list(range(1, len(numbers) + 1))]
    found["codes"] = "; ".join(problems)
    events = {(c, s): a for c, s, a in DossierEvent.objects.values_list("dossier__code", "seq", "action")}
    missing = [(c, a, s) for c, a, s in acted if events.get((c, s)) != a]
    found["actions"] = f"answered but not in the event log: {missing[:5]}" if missing else ""
    rows = list(OutboxMessage.objects.values_list("channel", "idempotency_key", "status"))
    notifying = sum(1 for a in events.values() if a in ACTION_KINDS)
    problems = []
    if len(rows) != 2 * notifying:
        problems.append(f"{len(rows)} messages for {notifying} notifying events (2 each)")
    if unsent := Counter(s for *_r, s in rows if s != Status.SENT):
        problems.append(f"not sent: {dict(unsent)}")
    sms = Counter(k for c, k, _s in rows if c == Channel.SMS)
    mail = {k for c, k, _s in rows if c == Channel.EMAIL}
    if Counter(sms_delivered) != sms:
        problems.append("SMS not delivered exactly once each")
    if set(mail_seen) != mail:
        problems.append("e-mail lost or unknown e-mail delivered")
    found["notifications"] = "; ".join(problems)
    found["resends"] = (sum(mail_seen.values()) - len(mail_seen)) + (sms_requests - sum(sms_delivered.values()))
    found["messages"] = len(rows)
    return found


# -- the script --------------------------------------------------------------------------------------------------

def _setup(_args) -> dict:
    """In the child: migrate, a small province, its staff, the catalogue, an API token and two staff sessions."""
    import datetime as dt
    from decimal import Decimal

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from congvu.catalog import selectors, services
    from congvu.indices.periods import Period
    from congvu.units import services as units
    from congvu.units.models import ApiToken, Role, UnitKind

    _common.log("migrate…")
    call_command("migrate", verbosity=0)
    province = units.add_unit("Thành phố Thử Nghiệm", UnitKind.PROVINCE, "T01", identifier="H99.00")
    commune = units.add_unit("Phường Hoàn Kiếm", UnitKind.COMMUNE, "T01-A", parent=province, identifier="H99.01")
    centre = units.add_unit("Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", UnitKind.SERVICE_CENTRE, "T01-A-TT", parent=commune,
                            identifier="H99.01.TT1", short_name="TTPVHCC")
    officer = units.create_staff_member("motcua", "Cán bộ một cửa", centre, Role.ONE_STOP_OFFICER, password=None).user
    leader = units.create_staff_member("lanhdao", "Lãnh đạo tỉnh", province, Role.UNIT_LEADER, password=None).user
    services.import_starter_catalog(effective_from=dt.date(2025, 7, 1))
    services.apply_demo_completion_rules()
    version = selectors.version_in_force(selectors.procedure_by_code("1.004884"))
    services.set_workflow(version, [
        {"name": "Tiếp nhận, chuyển hồ sơ", "role": Role.ONE_STOP_OFFICER, "share": Decimal("0.5")},
        {"name": "Thẩm định hồ sơ", "role": Role.SPECIALIST, "share": Decimal("3")},
        {"name": "Phê duyệt kết quả", "role": Role.UNIT_LEADER, "share": Decimal("1")},
        {"name": "Trả kết quả", "role": Role.ONE_STOP_OFFICER, "share": Decimal("0.5")},
    ])
    _row, token = ApiToken.issue("Soak", centre, officer)
    cookies = {}
    for who, user in (("officer", officer), ("leader", leader)):
        client = Client()
        client.force_login(user)
        cookies[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
    period = Period.containing(timezone.localdate(), "month")
    return {
        "token": token, "cookies": cookies, "cookie_name": settings.SESSION_COOKIE_NAME,
        "intake": {"procedure": "1.004884", "unit": centre.code,
                   "checked_document_ids": [d.pk for d in version.documents.all() if d.group == "submit"]},
        "dashboard": f"/staff/indices/?unit={province.code}&period={period.key}",
    }


def _check(args) -> dict:
    import django

    django.setup()
    record = json.loads(Path(args.record).read_text(encoding="utf-8"))
    return checks(record["created"], [tuple(a) for a in record["acted"]], Counter(record["sms_delivered"]),
                  record["sms_requests"], Counter(record["mail_seen"]))


def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "congvu.cli", "manage", "deliver_notifications", "--loop", "--interval", "0.5"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _outbox_open(env: dict) -> int:
    code = ("import django; django.setup()\nfrom congvu.notify.models import OutboxMessage, Status\n"
            "print(OutboxMessage.objects.exclude(status=Status.SENT).count())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else -1


def report(summary: dict, memory: dict, found: dict, database: str, minutes: float) -> bool:
    print(f"\n== soak, {database}, {minutes:g} min: {summary['requests']:,} requests, {summary['dossiers']:,} dossiers received, "
          f"{summary['actions']:,} actions ==")
    print(f"error rate (5xx or no answer): {summary['error_rate']:.4%} ({summary['errors']} of {summary['requests']:,})")
    print(f"{'request':<10} {'ok':>7} {'4xx':>6} {'5xx':>5} {'none':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, k in summary["kinds"].items():
        print(f"{kind:<10} {k.get('ok', 0):>7} {k.get('4xx', 0):>6} {k.get('5xx', 0):>5} {k.get('none', 0):>5} {k['p50']:8.1f} {k['p99']:8.1f}")
    for name, m in memory.items():
        print(f"RSS {name}: {m['start_mib']:.0f} MiB after warm-up → {m['end_mib']:.0f} MiB at the end ({m['growth_mib']:+.0f} MiB)")
    ok = all(not found[k] for k in ("verify_dossiers", "codes", "actions", "notifications"))
    for name in ("verify_dossiers", "codes", "actions", "notifications"):
        print(f"check {name}: {'ok' if not found[name] else 'FAILED: ' + found[name]}")
    print(f"notifications: {found['messages']:,} delivered, {found['resends']} resent with the same key")
    _common.record("soak", database, "error rate", summary["error_rate"] * 100, "%", "0 %", summary["errors"] == 0)
    for name, m in memory.items():
        _common.record("soak", database, f"RSS growth {name}", m["growth_mib"], "MiB")
    return ok


def memory_growth(first: dict[int, int], last: dict[int, int], names: dict[int, str]) -> dict:
    out = {}
    for label in sorted(set(names.values())):
        pids = [p for p, n in names.items() if n == label]
        start, end = sum(first.get(p, 0) for p in pids), sum(last.get(p, 0) for p in pids)
        out[label] = {"start_mib": start / 1024, "end_mib": end / 1024, "growth_mib": (end - start) / 1024}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-db", default=os.environ.get("CONGVU_SOAK_PG_DB", "congvu_soak"))
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=18780)
    sub = parser.add_subparsers(dest="child")
    sub.add_parser("_setup")
    check = sub.add_parser("_check")
    check.add_argument("record")
    args = parser.parse_args(argv)
    if args.child == "_setup":
        print(json.dumps(_setup(args)))
        return 0
    if args.child == "_check":
        print(json.dumps(_check(args), default=str))
        return 0
    if not 0 < args.minutes <= 24 * 60:
        parser.error("--minutes must be in (0, 1440]")

    data_dir = Path(tempfile.mkdtemp(prefix="congvu-soak-"))
    if args.database == "postgres":
        _common.psql(f"DROP DATABASE IF EXISTS {args.pg_db}")
        _common.psql(f"CREATE DATABASE {args.pg_db}")
        url = f"{_common.PG_HOST_URL}/{args.pg_db}"
    else:
        url = f"sqlite:///{data_dir / 'soak.sqlite3'}"
    sms, mail = SmsSink(args.port + 1), MailSink(args.port + 2)
    env = _common.environment(url, data_dir, CONGVU_TRUSTED_PROXIES="127.0.0.1", CONGVU_REQUIRE_2FA="0",
                              **notification_env(sms, mail))
    server = worker = None
    try:
        _common.log(f"[soak] preparing {args.database}…")
        info = _common.django_child(__file__, env, ["_setup"])
        server = _common.serve(env, args.port)
        worker = _start_worker(env)
        load = Load(args.port, info, _common.BENCH_SECRET, args.seed)
        seconds = args.minutes * 60
        warm = min(60.0, seconds * 0.1)
        samples: dict[str, dict[int, int]] = {}
        started = time.monotonic()

        def tick():
            pids = rss.descendants(server.pid) + [worker.pid]
            now = rss_kb(pids)
            if "first" not in samples and time.monotonic() - started >= warm:
                samples["first"] = now
            samples["last"] = now
            s = load.summary()
            _common.log(f"  {time.monotonic() - started:,.0f}/{seconds:,.0f} s: {s['requests']:,} requests, {s['errors']} errors, "
                        f"{s['dossiers']:,} dossiers, RSS {sum(now.values()) / 1024:,.0f} MiB")

        _common.log(f"[soak] mixed load for {args.minutes:g} min with {args.clients} clients…")
        load.run(seconds, args.clients, on_tick=tick, tick=min(10.0, max(1.0, warm)))
        tick()
        names = {p: ("worker" if p == worker.pid else f"server {rss._name(p)}") for p in samples["last"]}
        names = {p: ("worker" if n == "worker" else "server") for p, n in names.items()}
        memory = memory_growth(samples.get("first", samples["last"]), samples["last"], names)
        _common.log("[soak] waiting for the outbox to drain…")
        deadline = time.monotonic() + 120
        while (left := _outbox_open(env)) != 0 and time.monotonic() < deadline:
            time.sleep(2)
        _common.stop(server)
        server = None
        worker.terminate()
        worker.wait(30)
        worker = None
        record = data_dir / "record.json"
        record.write_text(json.dumps({"created": load.created, "acted": load.acted, "sms_delivered": dict(sms.delivered),
                                      "sms_requests": sms.requests, "mail_seen": dict(mail.seen)}), encoding="utf-8")
        _common.log("[soak] checks…")
        found = _common.django_child(__file__, env, ["_check", str(record)])
        ok = report(load.summary(), memory, found, args.database, args.minutes)
    finally:
        if server is not None:
            _common.stop(server)
        if worker is not None:
            worker.kill()
            worker.wait()
        sms.close()
        mail.close()
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
        if args.database == "postgres":
            _common.psql(f"DROP DATABASE IF EXISTS {args.pg_db}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
