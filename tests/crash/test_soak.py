"""The soak's short form (bench/soak.py runs it for 10 minutes): its mixed load — intake and actions over the API,
the public lookup, the staff list, the worklist and the dashboard — for a few seconds through granian (2 workers)
with the notification worker, then its checks. No request may fail (5xx or no answer) and every check passes."""

import os
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from congvu.indices.periods import Period
from congvu.notify.models import OutboxMessage, Status
from congvu.units.models import ApiToken
from tests.crash.conftest import port_in_range
from tests.dossiers.conftest import catalogue, place, staff, submit_ids  # noqa: F401 - fixtures reused
from tests.scaling.conftest import processes, wait_for, wait_until_listening  # noqa: F401 - fixture reused

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import soak  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = float(os.environ.get("CONGVU_SOAK_SECONDS", "10"))


def test_short_soak_has_no_errors_and_passes_the_checks(processes, shared_database, place, staff, catalogue):  # noqa: F811
    _row, token = ApiToken.issue("Soak", place.centre, staff.officer)
    cookies = {}
    for who, user in (("officer", staff.officer), ("leader", staff.leader)):
        client = Client()
        client.force_login(user)
        cookies[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
    period = Period.containing(timezone.localdate(), "month")
    info = {
        "token": token, "cookies": cookies, "cookie_name": settings.SESSION_COOKIE_NAME,
        "intake": {"procedure": "1.004884", "unit": place.centre.code, "checked_document_ids": submit_ids(catalogue.five)},
        "dashboard": f"/staff/indices/?unit={place.a.code}&period={period.key}",
    }
    shared_database.publish()
    sms, mail = soak.SmsSink(port_in_range()), soak.MailSink(port_in_range())
    try:
        secret = processes.env()["CONGVU_SECRET_KEY"]
        # Lookups all come from 127.0.0.1 here: past the per-client limit they are answered 429 (an answer, not an error).
        env = {"DATABASE_URL": shared_database.url, "CONGVU_REQUIRE_2FA": "0", **soak.notification_env(sms, mail)}
        port = port_in_range()
        server = processes.start("server", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", **env)
        wait_until_listening(server, port, path="/healthz", timeout=90)
        worker = processes.start("notify", "manage", "deliver_notifications", "--loop", "--interval", "0.2", **env)

        load = soak.Load(port, info, secret, seed=3)
        samples = {}

        def tick():
            import rss

            now = soak.rss_kb(rss.descendants(server.proc.pid) + rss.descendants(worker.proc.pid))
            samples.setdefault("first", now)
            samples["last"] = now

        started = time.monotonic()
        load.run(SECONDS, clients=3, on_tick=tick, tick=2)
        summary = load.summary()
        print("soak:", summary, f"{time.monotonic() - started:.1f} s")

        def outbox_done():
            if shared_database.url.startswith("sqlite"):
                import sqlite3

                with sqlite3.connect(shared_database.file, timeout=20) as conn:
                    return conn.execute("SELECT COUNT(*) FROM notify_outboxmessage WHERE status != 'sent'").fetchone()[0] == 0
            return not OutboxMessage.objects.exclude(status=Status.SENT).exists()

        wait_for(outbox_done, 60, "the outbox to be delivered", interval=0.5)
        for child in (server, worker):
            assert processes.stop(child) is not None, child.output()[-3000:]
        shared_database.collect()
    finally:
        sms.close()
        mail.close()

    assert summary["errors"] == 0, summary
    assert all(summary["kinds"].get(kind, {}).get("ok") for kind in soak.MIX), summary
    found = soak.checks(load.created, load.acted, sms.delivered, sms.requests, mail.seen)
    assert {k: found[k] for k in ("verify_dossiers", "codes", "actions", "notifications")} == dict.fromkeys(
        ("verify_dossiers", "codes", "actions", "notifications"), ""), found
    assert found["resends"] == 0 and found["messages"] > 0
    memory = soak.memory_growth(samples["first"], samples["last"], dict.fromkeys(samples["last"], "all"))
    print("soak RSS:", memory)
