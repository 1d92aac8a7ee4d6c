"""Fixtures for the working-calendar tests. The pure ones build calendars from shipped data, no database."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from congvu.workcal.official import VN_TIME_ZONE, official_calendar

VN = ZoneInfo(VN_TIME_ZONE)


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """An aware instant in Vietnam time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=VN)


@pytest.fixture(scope="session")
def cal():
    """The calendar of shipped data: Vietnamese holidays, official overrides, default office hours."""
    return official_calendar(years=(2020, 2030))
