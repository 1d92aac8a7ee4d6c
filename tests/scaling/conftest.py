"""Fixtures of the scaling tests: real processes (app servers, notification and portal sync workers) started
against the PostgreSQL test database this test uses, and always stopped again.

The test database created by pytest-django is visible to another process only when the test commits what it
writes (`django_db(transaction=True)`); the children get its name through DATABASE_URL. Each child runs in its
own session (process group) and gets SIGTERM if this process dies (PR_SET_PDEATHSIG), so neither a failing test
nor a killed pytest leaves a server or a worker behind; teardown checks that no member of a group survived."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="several processes writing at once need PostgreSQL (SQLite serialises writers for the whole database)",
)


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database), for a child process."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def _die_with_parent() -> None:
    # In the child, before exec: SIGTERM when pytest dies, even by SIGKILL (Linux only; elsewhere teardown does it).
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of the process group `pgid`, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after its last ")".
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.proc.poll() is None


# A watchdog (a process of its own) that SIGKILLs the process groups it was told about when its stdin closes: when
# the test is done with them, or when pytest dies in any way. PR_SET_PDEATHSIG alone reaches only the direct child,
# and `congvu serve` is a parent of granian, itself a parent of its workers.
WATCHDOG = """
import os, signal, sys
groups = set()
for line in sys.stdin:
    verb, _, pgid = line.partition(" ")
    (groups.add if verb == "watch" else groups.discard)(int(pgid))
for pgid in groups:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
"""


class Processes:
    """Starts children with the test database's environment; `stop_all()` ends every one of them and their own
    children: SIGTERM to the group (a worker finishes the item in hand), SIGKILL to whatever outlives `grace`."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.children: list[Child] = []
        self.watchdog = subprocess.Popen([sys.executable, "-c", WATCHDOG], stdin=subprocess.PIPE, text=True, start_new_session=True)

    def _tell_watchdog(self, line: str) -> None:
        self.watchdog.stdin.write(line + "\n")
        self.watchdog.stdin.flush()

    def env(self, **extra: str) -> dict[str, str]:
        src = str(REPO / "src")
        python_path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
        return {
            **os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "congvu.settings", "PYTHONPATH": python_path,
            "PYTHONUNBUFFERED": "1", "CONGVU_DATA_DIR": str(self.tmp_path / "data"), "CONGVU_SECRET_KEY": "scaling-tests-" + "x" * 40,
            # The tests read the database while the children run; a pooled idle connection per child is enough.
            "CONGVU_DB_CONN_MAX_AGE": "60", **extra,
        }

    def start(self, name: str, *args: str, **env: str) -> Child:
        log = self.tmp_path / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "congvu.cli", *args], cwd=REPO, env=self.env(**env), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        self._tell_watchdog(f"watch {proc.pid}")
        child = Child(name, proc, log)
        self.children.append(child)
        return child

    def stop(self, child: Child, grace: float = 10) -> int | None:
        pgid = child.proc.pid  # start_new_session: the child leads its own group
        if child.alive():
            try:
                os.killpg(pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                child.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (the child itself, a granian worker it spawned) goes now.
        deadline = time.monotonic() + grace
        while _group_members(pgid) and time.monotonic() < deadline:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        try:
            code = child.proc.wait(grace)
        except subprocess.TimeoutExpired:
            return None
        if not _group_members(pgid):
            self._tell_watchdog(f"forget {pgid}")  # gone: its number may be given to another process later
        return code

    def stop_all(self) -> list[str]:
        """Stop every child; returns the names of those whose group still had live members afterwards."""
        leftovers = []
        for child in reversed(self.children):
            self.stop(child)
            if _group_members(child.proc.pid):
                leftovers.append(child.name)
        self.watchdog.stdin.close()  # it SIGKILLs any group still on its list, and exits
        self.watchdog.wait(10)
        return leftovers


@pytest.fixture
def processes(tmp_path):
    procs = Processes(tmp_path)
    yield procs
    leftovers = procs.stop_all()
    assert not leftovers, f"processes still running after teardown: {leftovers}"


def wait_until_listening(child: Child, port: int, path: str = "/api/v1/openapi.json", timeout: float = 30) -> None:
    """Until the server on `port` answers HTTP (any status) — or fail with its log if it died first."""
    def answers():
        assert child.alive(), f"{child.name} exited ({child.proc.returncode}):\n{child.output()}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    wait_for(answers, timeout, f"{child.name} to listen on port {port}", interval=0.2)
