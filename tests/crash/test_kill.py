"""Kill the app server and the notification worker with SIGKILL at random moments while dossiers are received and
acted on over HTTP, restart them, and check that nothing a client was told is lost and nothing is doubled:

- `verify_dossiers` finds no dossier whose cached state drifted from its events;
- every dossier code answered with 201 exists, no code was answered twice, and each identifier's numbers of the
  day run 1..n without a gap (the counter row is taken in the transaction that uses its number);
- every action answered with 200 is in its dossier's event log at the sequence number the answer gave;
- every committed event that notifies has its messages, and every message reached the SMTP server or the SMS
  gateway (counted at the receiver, by idempotency key) exactly once; a resend with the same key happens only
  for a message whose worker was killed mid-send, so there are no more of them than worker kills.

Bounded and seeded: CONGVU_KILL_SEED (default 9) picks the moments, CONGVU_KILL_SECONDS (default 12) the load's
length (seconds while the server is up), CONGVU_KILL_SERVER / CONGVU_KILL_WORKER (default 2 and 3) the kills. Everything listens on 127.0.0.1 in the
ports 18700-18799. The CI form takes well under a minute on an idle machine; `CONGVU_KILL_SECONDS=300
CONGVU_KILL_SERVER=10 CONGVU_KILL_WORKER=15` is a long one."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db.models import Count

from congvu.dossiers.codes import parse_code
from congvu.dossiers.models import Dossier, DossierEvent
from congvu.notify.contexts import ACTION_KINDS
from congvu.notify.models import Channel, OutboxMessage, Status
from congvu.units.models import ApiToken
from tests.crash.conftest import notification_env, port_in_range
from tests.dossiers.conftest import CITIZEN, catalogue, place, staff, submit_ids  # noqa: F401 - fixtures reused
from tests.scaling.conftest import processes, wait_for, wait_until_listening  # noqa: F401 - fixture reused

pytestmark = pytest.mark.django_db(transaction=True)

SEED = int(os.environ.get("CONGVU_KILL_SEED", "9"))
SECONDS = float(os.environ.get("CONGVU_KILL_SECONDS", "12"))
SERVER_KILLS = int(os.environ.get("CONGVU_KILL_SERVER", "2"))
WORKER_KILLS = int(os.environ.get("CONGVU_KILL_WORKER", "3"))
CLIENTS = 4
MIN_DOSSIERS, MIN_ACTIONS = 12, 6
LEASE_SECONDS = 2

# What a dossier goes through, one action after another (each notifying one applicant by e-mail and SMS or not).
SCRIPT = [
    ("start_processing", {}),
    ("request_supplement", {"items": ["Bản sao giấy khai sinh có chứng thực"], "reason": "Thiếu giấy tờ"}),
    ("receive_supplement", {"note": "Đã nhận bổ sung"}),
    ("request_payment", {"amount_vnd": 50000, "description": "Lệ phí"}),
    ("confirm_payment", {"receipt_reference": "BL-1"}),
]


def _call(port: int, token: str, path: str, body: dict) -> tuple[int | None, dict]:
    """POST; (None, {}) when no answer came (server down or killed mid-request)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}
    except (OSError, ValueError):
        return None, {}


class Load:
    """Clients receiving dossiers and walking them through SCRIPT; records every answer."""

    def __init__(self, port: int, token: str, body: dict, seed: int):
        self.port, self.token, self.body, self.seed = port, token, body, seed
        self.lock = threading.Lock()
        self.created: list[str] = []  # codes answered 201
        self.acted: list[tuple[str, str, int]] = []  # (code, action, event_count) answered 200
        self.statuses: Counter = Counter()
        self.next_step: dict[str, int] = {}  # code → index in SCRIPT; absent while a client holds it
        self.stop = threading.Event()

    def client(self, n: int) -> None:
        rng = random.Random(self.seed * 100 + n)
        i = 0
        while not self.stop.is_set():
            i += 1
            with self.lock:
                ready = [code for code, step in self.next_step.items() if step < len(SCRIPT)]
                code = rng.choice(ready) if ready and rng.random() < 0.6 else None
                step = self.next_step.pop(code) if code else None
            if code is None:
                applicant = {**CITIZEN, "full_name": f"Nguyễn Văn {n}-{i}"}
                status, out = _call(self.port, self.token, "/api/v1/dossiers", {**self.body, "applicant": applicant})
                with self.lock:
                    self.statuses[("intake", status)] += 1
                    if status == 201:
                        self.created.append(out["code"])
                        self.next_step[out["code"]] = 0
            else:
                action, params = SCRIPT[step]
                status, out = _call(self.port, self.token, f"/api/v1/dossiers/{code}/actions/{action}", {"params": params})
                with self.lock:
                    self.statuses[(action, status)] += 1
                    if status == 200:
                        self.acted.append((code, action, out["event_count"]))
                    # No answer: the action may or may not have committed; the dossier is left (a retry could repeat it).
                    if status is not None:
                        self.next_step[code] = step + 1 if status == 200 else len(SCRIPT)
            if status is None:
                time.sleep(0.2)  # server down: wait for its restart


def _kill(processes, child) -> None:  # noqa: F811
    """SIGKILL to the whole process group: `congvu serve`, granian and its workers die at once, mid-request."""
    try:
        os.killpg(child.proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    processes.stop(child, grace=5)


def test_sigkill_of_server_and_worker_loses_and_doubles_nothing(processes, shared_database, place, staff, catalogue, sms_sink, smtp_sink):  # noqa: F811
    rng = random.Random(SEED)
    _row, token = ApiToken.issue("Cổng dịch vụ công (thử sập)", place.centre, staff.officer)
    shared_database.publish()
    env = {"DATABASE_URL": shared_database.url, **notification_env(sms_sink, smtp_sink, LEASE_SECONDS)}
    port = port_in_range()
    restarts: list[float] = []  # seconds each server start took to answer

    def start_server():
        server = processes.start("server", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", **env)
        t0 = time.monotonic()
        wait_until_listening(server, port, path="/healthz", timeout=90)
        restarts.append(time.monotonic() - t0)
        return server

    def start_worker():
        return processes.start("notify", "manage", "deliver_notifications", "--loop", "--interval", "0.2", **env)

    server, worker = start_server(), start_worker()
    body = {"procedure": "1.004884", "unit": place.centre.code, "checked_document_ids": submit_ids(catalogue.five)}
    load = Load(port, token, body, SEED)
    clients = [threading.Thread(target=load.client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for t in clients:
        t.start()

    # The kill moments, seeded, in seconds of load while the server is up (a restart's wait is not counted): spread
    # over the load, the server's and the worker's interleaved. After the last one the load goes on until enough
    # dossiers and actions were answered, within a bound.
    kills = sorted([(rng.uniform(0.1, 0.9) * SECONDS, "server") for _ in range(SERVER_KILLS)]
                   + [(rng.uniform(0.05, 0.95) * SECONDS, "worker") for _ in range(WORKER_KILLS)])
    started = time.monotonic()
    paused = 0.0  # seconds spent restarting the server
    try:
        for at, what in kills:
            time.sleep(max(0.0, started + paused + at - time.monotonic()))
            if what == "server":
                down = time.monotonic()
                _kill(processes, server)
                server = start_server()
                paused += time.monotonic() - down
            else:
                _kill(processes, worker)
                time.sleep(rng.uniform(0, 1))
                worker = start_worker()
        time.sleep(max(0.0, started + paused + SECONDS - time.monotonic()))
        wait_for(lambda: len(load.created) >= MIN_DOSSIERS and len(load.acted) >= MIN_ACTIONS, 60,
                 f"{MIN_DOSSIERS} dossiers and {MIN_ACTIONS} actions answered", interval=0.5)
    finally:
        load.stop.set()
        for t in clients:
            t.join(30)
    elapsed = time.monotonic() - started

    # Every committed message is delivered (a message whose worker died comes back when its lease runs out).
    def outbox_done():
        states = _outbox_states(shared_database)
        return states if states and set(states) <= {Status.SENT} else None

    wait_for(outbox_done, 60, "the outbox to be delivered", interval=1)
    for child in (server, worker):
        assert processes.stop(child) is not None
    shared_database.collect()

    summary = {"seconds": round(elapsed, 1), "server_starts_s": [round(r, 1) for r in restarts], "dossiers": len(load.created), "actions": len(load.acted),
               "answers": {f"{k[0]} {k[1]}": v for k, v in sorted(load.statuses.items(), key=str)}}
    print("kill test:", json.dumps(summary, ensure_ascii=False))

    # A killed server answers nothing; one that answers must not fail.
    assert not [k for k in load.statuses if k[1] is not None and k[1] >= 500], summary

    # No drift between dossiers and their events.
    out = io.StringIO()
    try:
        call_command("verify_dossiers", quiet=True, stdout=out)
    except SystemExit as exc:
        pytest.fail(f"verify_dossiers found drift (exit {exc.code}):\n{out.getvalue()}")

    # Codes: none lost, none answered twice, numbers of a day without gaps.
    assert len(set(load.created)) == len(load.created), "a code was answered twice"
    stored = set(Dossier.objects.values_list("code", flat=True))
    assert set(load.created) <= stored, f"answered but lost: {sorted(set(load.created) - stored)[:5]}"
    by_day = defaultdict(list)
    for code in stored:
        parsed = parse_code(code)
        assert parsed is not None, code
        by_day[(parsed.identifier, parsed.day)].append(int(parsed.sequence))
    for key, numbers in by_day.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"gap or repeat in {key}"

    # Actions: each one answered 200 is in the log where the answer said.
    events = {(code, seq): action for code, seq, action in DossierEvent.objects.values_list("dossier__code", "seq", "action")}
    missing = [(code, action, seq) for code, action, seq in load.acted if events.get((code, seq)) != action]
    assert not missing, f"answered but not in the event log: {missing[:5]}"

    # Notifications: every notifying event has its two messages; each reached its receiver once.
    notifying = sum(1 for action in events.values() if action in ACTION_KINDS)
    rows = list(OutboxMessage.objects.values_list("channel", "idempotency_key", "status"))
    assert len(rows) == 2 * notifying, (len(rows), notifying)
    assert {status for *_rest, status in rows} == {Status.SENT}
    sms_keys = {key for channel, key, _s in rows if channel == Channel.SMS}
    mail_keys = {key for channel, key, _s in rows if channel == Channel.EMAIL}
    assert Counter(sms_sink.delivered) == Counter(sms_keys), "SMS delivered other than once each"
    mail_seen = Counter(m["X-Congvu-Idempotency-Key"] for m in smtp_sink.inbox.messages())
    assert set(mail_seen) == mail_keys, "an e-mail was lost or one nobody queued arrived"
    resends = (sum(mail_seen.values()) - len(mail_seen)) + (len(sms_sink.requests) - len(set(sms_sink.delivered)))
    assert resends <= WORKER_KILLS, f"{resends} resends for {WORKER_KILLS} worker kills"
    print(f"kill test: {len(rows)} notifications, {resends} resent with the same key after a worker kill")


def _outbox_states(shared_database) -> Counter:
    """The outbox's statuses as the children see them (on SQLite the test's own database is a separate copy)."""
    if shared_database.url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(shared_database.file, timeout=20)
        try:
            return Counter(dict(conn.execute("SELECT status, COUNT(*) FROM notify_outboxmessage GROUP BY status").fetchall()))
        finally:
            conn.close()
    return Counter(dict(OutboxMessage.objects.values("status").annotate(n=Count("id")).values_list("status", "n")))
