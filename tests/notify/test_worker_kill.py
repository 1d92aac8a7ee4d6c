"""The kill test: `congvu worker` runs as its own process group against a database this test shares with it;
the SMS gateway accepts the message and then stalls; the whole worker is killed with SIGKILL mid-delivery.
After a restart the message is sent again with the same idempotency key, the gateway drops the repeat, and
the citizen gets it exactly once; the row ends "sent". Nothing is lost and nothing is delivered twice."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.db import connection

from congvu.notify import services
from congvu.notify.models import Status
from tests.notify.conftest import GATEWAY_TOKEN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def shared_database(tmp_path):
    """(DATABASE_URL for the worker, pull) — `pull()` makes the worker's writes visible to this test's ORM."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}", lambda: None
    if not connection.is_in_memory_db():
        return f"sqlite:///{connection.settings_dict['NAME']}", lambda: None
    # The SQLite test database lives in this process's memory: hand the worker a file copy and read it back.
    path = tmp_path / "worker.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()

    def pull():
        source = sqlite3.connect(path, timeout=20)
        source.backup(connection.connection)
        source.close()

    return f"sqlite:///{path}", pull


def start_worker(env, log):
    return subprocess.Popen(
        [sys.executable, "-m", "congvu.cli", "worker", "--interval", "0.2"], env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so SIGKILL takes the supervisor and both children at once
    )


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_once(sms_gateway, tmp_path):
    (row,) = services.enqueue("feedback_answered", key="feedback-99-answer", context={"feedback_code": "PA-99"}, phone="0912345678")
    key = row.idempotency_key
    url, pull = shared_database(tmp_path)
    env = {
        **os.environ, "DATABASE_URL": url, "CONGVU_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "congvu.settings",
        "PYTHONUNBUFFERED": "1", "CONGVU_SMTP_HOST": "", "CONGVU_SMS_URL": sms_gateway.url, "CONGVU_SMS_TOKEN": GATEWAY_TOKEN,
        # The gateway is slow to answer but the lease is short, so the restarted worker need not wait long.
        "CONGVU_SMS_TIMEOUT": "60", "CONGVU_NOTIFY_LEASE_SECONDS": "2",
    }
    log_path = tmp_path / "worker.log"
    sms_gateway.stall = True  # accept the first request, then never answer it

    with open(log_path, "wb") as log:
        worker = start_worker(env, log)
        try:
            assert sms_gateway.stalled.wait(60), log_path.read_text()
            os.killpg(worker.pid, signal.SIGKILL)  # mid-delivery: the gateway has it, the row does not know
            worker.wait(10)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        sms_gateway.release.set()

        pull()
        row.refresh_from_db()
        assert row.status == Status.SENDING and row.attempts == 1, "killed before recording anything"
        assert sms_gateway.delivered == [key]

        restarted = start_worker(env, log)
        try:
            def sent():
                pull()
                row.refresh_from_db()
                return row.status == Status.SENT

            wait_for(sent, 60, "the restarted worker to send the message")
        finally:
            restarted.send_signal(signal.SIGTERM)  # to the supervisor: it stops its children in order
            assert restarted.wait(30) == 0

    output = log_path.read_text()
    assert row.attempts == 2 and row.transport == "sms_gateway"
    assert sms_gateway.count(key) == 2  # sent twice, with the same key both times…
    assert sms_gateway.delivered == [key]  # …and delivered once after the gateway's dedupe
    assert {r["headers"]["authorization"] for r in sms_gateway.requests} == {f"Bearer {GATEWAY_TOKEN}"}
    assert "Đã chạy tiến trình nền: gửi thông báo" in output and "Đã gửi SMS #" in output
    assert "Đã dừng tiến trình gửi thông báo." in output
