"""Fixtures of the outbound sync tests (H1's files import them): the dossier fixtures (a small province, its
staff, the catalogue), the fake adapter over real HTTP with the settings pointing at it, fast retries, and
helpers that walk a dossier through its lifecycle and run the worker until nothing is due."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from congvu.dossiers.services import perform_action
from congvu.sync import delivery
from congvu.sync.fake_adapter import FakeAdapter
from tests.dossiers.conftest import CITIZEN, catalogue, local, place, receive, staff  # noqa: F401 - fixtures reused


@pytest.fixture
def portal(settings):
    """The fake adapter (H2's) on a free local port, and settings.PORTAL_ADAPTER pointing at it."""
    with FakeAdapter() as fake:
        settings.PORTAL_ADAPTER = fake.settings()
        yield fake


@pytest.fixture
def fast_retries(settings):
    settings.CONGVU_PORTAL_SYNC_MAX_ATTEMPTS = "3"
    settings.CONGVU_PORTAL_SYNC_BACKOFF_SECONDS = "10"
    settings.CONGVU_PORTAL_SYNC_BACKOFF_MAX_SECONDS = "60"
    settings.CONGVU_PORTAL_SYNC_LEASE_SECONDS = "30"
    return settings


@pytest.fixture
def no_adapter(settings):
    settings.PORTAL_ADAPTER = {"adapter_url": ""}
    return settings


def ops(fake: FakeAdapter) -> list[str]:
    """The operations the fake received, in order (logins are "auth")."""
    return [body.get("service", "auth") for body in fake.received]


def service_count(fake: FakeAdapter) -> Counter:
    return Counter(ops(fake))


def history_sent(fake: FakeAdapter, code: str) -> list[dict]:
    """Every history item for `code` in every CapNhatTienDoHoSoMC body received (accepted or not)."""
    return [item for body in fake.received if body.get("service") == "CapNhatTienDoHoSoMC" for item in body.get("data", []) if item.get("MaHoSo") == code]


def drain(*, rounds: int = 50, step: float = 0) -> list:
    """Run the worker until nothing is due; with `step`, each round looks `step` seconds further ahead (retries
    that wait for their backoff become due). Returns every outcome."""
    outcomes = []
    now = timezone.now()
    for n in range(rounds):
        at = now + dt.timedelta(seconds=step * n) if step else None
        done = delivery.deliver_due(limit=1000, now=at)
        outcomes.extend(done)
        if not done and not step:
            break
        if not done and step and not delivery._due_q(now + dt.timedelta(days=365)).exists():
            break
    return outcomes


def to_last_step(d, staff, at):
    d = perform_action(d, "start_processing", actor=staff.officer, at=at)
    for actor in (staff.officer, staff.specialist, staff.leader):
        d = perform_action(d, "forward", actor=actor, at=at)
    return d


def full_life(d, staff, day: int = 3):
    """received → processing → supplement (5) → processing → result (9) → returned (10)."""
    d = perform_action(d, "start_processing", actor=staff.officer, at=local(2026, 3, day, 9))
    d = perform_action(d, "forward", actor=staff.officer, at=local(2026, 3, day, 9, 30))
    d = perform_action(d, "request_supplement", actor=staff.specialist, items=["Tờ khai"], at=local(2026, 3, day, 10))
    d = perform_action(d, "receive_supplement", actor=staff.officer, at=local(2026, 3, day, 11))
    d = perform_action(d, "forward", actor=staff.specialist, at=local(2026, 3, day, 14))
    d = perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh (bản chính)"}], at=local(2026, 3, day + 1, 9))
    return perform_action(d, "return_result", actor=staff.officer, method="counter", returned_to="Nguyễn Văn An", at=local(2026, 3, day + 1, 10))
