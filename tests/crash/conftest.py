"""Fixtures of the crash tests: the database the real processes share, ports in this suite's range (18700-18799),
and the receivers notifications are counted at (an SMTP server and an SMS gateway, both on loopback).

The database: on PostgreSQL, the test database itself (committed by `django_db(transaction=True)`); on SQLite the
suite's database is in memory, so `shared_database` copies it into a file the children open (the online backup
API) and, when they have stopped, copies the file back so the test reads what they wrote with the ORM."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from tests.notify.conftest import GATEWAY_TOKEN, Gateway, _Inbox, serving
from tests.scaling.conftest import database_url

PORTS = range(18700, 18800)


def port_in_range() -> int:
    """A free loopback port of this suite's range (the helpers of issue 9 each have their own)."""
    for port in PORTS:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            if port not in _taken:
                _taken.add(port)
                return port
    raise RuntimeError("no free port in 18700-18799")


_taken: set[int] = set()


@pytest.fixture(autouse=True)
def _release_ports():
    yield
    _taken.clear()


class SharedDatabase:
    def __init__(self, tmp_path: Path):
        self.file = tmp_path / "shared.sqlite3"

    @property
    def url(self) -> str:
        return database_url() if connection.vendor == "postgresql" else f"sqlite:///{self.file}"

    def publish(self) -> None:
        """What the test set up, where the children can see it."""
        if connection.vendor != "sqlite":
            return
        connection.ensure_connection()
        dest = sqlite3.connect(self.file)
        try:
            connection.connection.backup(dest)
            dest.execute("PRAGMA journal_mode=WAL")
        finally:
            dest.close()

    def collect(self) -> None:
        """What the children wrote, into the test's database (children stopped)."""
        if connection.vendor != "sqlite":
            return
        connection.ensure_connection()
        source = sqlite3.connect(self.file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()


@pytest.fixture
def shared_database(tmp_path):
    return SharedDatabase(tmp_path)


@pytest.fixture
def sms_sink():
    """The SMS gateway of tests/notify (bearer token, deduplication by Idempotency-Key) on a port of our range."""
    with serving(Gateway(), port_in_range()) as gateway:
        yield gateway


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = port_in_range()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SimpleNamespace(inbox=inbox, port=port)
    controller.stop()


def notification_env(sms_sink, smtp_sink, lease_seconds: float) -> dict[str, str]:
    return {
        "CONGVU_SMTP_HOST": "127.0.0.1", "CONGVU_SMTP_PORT": str(smtp_sink.port), "CONGVU_SMTP_TLS": "none",
        "CONGVU_SMTP_FROM": "Một cửa <khong-tra-loi@thu-nghiem.example.vn>", "CONGVU_SMTP_TIMEOUT": "5",
        "CONGVU_SMS_URL": sms_sink.url, "CONGVU_SMS_TOKEN": GATEWAY_TOKEN, "CONGVU_SMS_TIMEOUT": "5",
        # A message whose worker was killed mid-send comes back after this lease; short, so the test need not wait.
        "CONGVU_NOTIFY_LEASE_SECONDS": str(lease_seconds),
        "CONGVU_NOTIFY_BACKOFF_SECONDS": "1",
    }
