"""Fixtures for the queue tests: the small province of the dossier tests (its centre issues the tickets), two
service groups, three counters and two officers on duty."""

from types import SimpleNamespace

import pytest

from congvu.queueing import services
from congvu.queueing.models import Counter, ServiceGroup
from congvu.units import services as units
from congvu.units.models import Role
from tests.dossiers.conftest import PASSWORD, catalogue, local, place, receive, staff  # noqa: F401 - fixtures shared with the dossier tests

MORNING = local(2026, 3, 2, 8, 0)


def at(minutes: float, base=MORNING):
    """A moment `minutes` after 08:00 on Monday 2 March 2026 (Vietnam time)."""
    import datetime as dt

    return base + dt.timedelta(minutes=minutes)


@pytest.fixture
def queue(place, staff):
    """Groups A (civil status) and B (land) at the centre; counter 1 serves A, counter 2 A and B, counter 3 B.
    `staff.officer` sits at counter 1 and a second officer of the centre at counter 2."""
    a = ServiceGroup.objects.create(unit=place.centre, prefix="A", name="Tư pháp – Hộ tịch", position=1)
    b = ServiceGroup.objects.create(unit=place.centre, prefix="B", name="Đất đai", position=2)
    c1 = Counter.objects.create(unit=place.centre, number=1, name="Hộ tịch")
    c2 = Counter.objects.create(unit=place.centre, number=2, name="Tổng hợp")
    c3 = Counter.objects.create(unit=place.centre, number=3, name="Đất đai")
    c1.groups.set([a])
    c2.groups.set([a, b])
    c3.groups.set([b])
    officer2 = units.create_staff_member("motcua2", "Cán bộ motcua2", place.centre, Role.ONE_STOP_OFFICER, password=PASSWORD).user
    services.take_counter(c1, staff.officer)
    services.take_counter(c2, officer2)
    for counter in (c1, c2, c3):
        counter.refresh_from_db()
    return SimpleNamespace(a=a, b=b, c1=c1, c2=c2, c3=c3, officer=staff.officer, officer2=officer2, unit=place.centre)
