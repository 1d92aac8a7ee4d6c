"""Fixtures for the feedback tests, on the dossier tests' small province (`place`, `staff`, `catalogue`,
`receive`): a dossier with its result ready, feedback about the centre, extra leaders, a recorder of the
notifications queued, and a logged-in client per person."""

from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from congvu.dossiers.services import perform_action
from congvu.feedback.services import FeedbackInput, submit_feedback
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import CITIZEN, PASSWORD, catalogue, local, place, receive, staff  # noqa: F401

__all__ = ["CITIZEN", "PASSWORD", "local"]


def to_result_ready(dossier, staff, at=None):
    """Receive → process → result recorded (the five-day procedure's four steps)."""
    at = at or local(2026, 3, 3, 9)
    d = perform_action(dossier, "start_processing", actor=staff.officer, at=at)
    # Each step is passed on by the role its workflow step names: counter, appraisal, approval.
    for actor in (staff.officer, staff.specialist, staff.leader):
        d = perform_action(d, "forward", actor=actor, at=at)
    return perform_action(d, "record_result", actor=staff.leader, results=[{"name": "Giấy khai sinh (bản chính)"}], at=local(2026, 3, 4, 9))


@pytest.fixture
def ready(receive, staff):
    return to_result_ready(receive(at=local(2026, 3, 2, 9)), staff)


@pytest.fixture
def leaders(place):
    """A leader of the other commune and one of the province (who sees everything below it)."""
    def make(username, unit):
        return units.create_staff_member(username, f"Lãnh đạo {username}", unit, Role.UNIT_LEADER, password=PASSWORD).user

    return SimpleNamespace(b=make("lanhdao-b", place.b), province=make("lanhdao-tinh", place.province))


@pytest.fixture
def inspector(place):
    return units.create_staff_member("thanhtra", "Thanh Tra Viên", place.province, Role.INSPECTOR, password=PASSWORD).user


def feedback_input(unit, **overrides) -> FeedbackInput:
    values = {
        "subject_kind": "unit", "unit": unit, "nature": "report", "title": "Chờ quá lâu tại quầy",
        "content": "Tôi phải chờ hơn hai giờ mới được tiếp nhận hồ sơ.", "sender_name": "Trần Thị Bình",
        "sender_phone": "0987 654 321", "sender_email": "binh@example.vn",
    }
    values.update(overrides)
    return FeedbackInput(**values)


@pytest.fixture
def item(place, staff):
    """Feedback about the centre, received Monday 2 March 2026 09:00; its commune (with the leader) answers."""
    return submit_feedback(feedback_input(place.centre), at=local(2026, 3, 2, 9))


@pytest.fixture
def queued(monkeypatch):
    """Stands in for notify.enqueue: records each call with whether it ran inside a transaction, and keeps
    as `committed` the keys whose transaction committed."""
    calls, committed = [], []

    def enqueue(kind, *, key, context, email="", phone="", dossier=None):
        calls.append(SimpleNamespace(kind=kind, key=key, context=context, email=email, phone=phone, in_transaction=connection.in_atomic_block))
        transaction.on_commit(lambda: committed.append(key))
        return []

    monkeypatch.setattr("congvu.notify.services.enqueue", enqueue)
    return SimpleNamespace(calls=calls, committed=committed)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user
