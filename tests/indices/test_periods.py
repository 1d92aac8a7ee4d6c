"""Reporting periods: pure logic, no database."""

import datetime as dt
from decimal import Decimal

import pytest

from congvu.indices.measures import Measure
from congvu.indices.periods import MAX_RANGE_DAYS, Period, PeriodError


@pytest.mark.parametrize(("key", "start", "end", "label"), [
    ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28), "Tháng 2/2026"),
    ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "Tháng 2/2024"),
    ("2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31), "Tháng 12/2026"),
    ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "Quý I/2026"),
    ("2026-q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "Quý IV/2026"),
    ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31), "Năm 2025"),
    ("2026-01-05_2026-02-10", dt.date(2026, 1, 5), dt.date(2026, 2, 10), "05/01/2026 – 10/02/2026"),
])
def test_parse_names_and_keys_round_trip(key, start, end, label):
    period = Period.parse(key)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert Period.parse(period.key) == period


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "2026-Q5", "26-03", "2026-02-30_2026-03-01", "2026-03-10_2026-03-01", "abc", "2020-01-01_2026-01-01"])
def test_bad_keys_are_refused_in_vietnamese(text):
    with pytest.raises(PeriodError) as caught:
        Period.parse(text)
    assert any(ch in str(caught.value) for ch in "ạảãáàâăđêôơư")  # a Vietnamese sentence, not a traceback


def test_range_limit():
    start = dt.date(2024, 1, 1)
    assert Period.between(start, start + dt.timedelta(days=MAX_RANGE_DAYS - 1)).days == MAX_RANGE_DAYS
    with pytest.raises(PeriodError):
        Period.between(start, start + dt.timedelta(days=MAX_RANGE_DAYS))


def test_instants_are_vietnam_midnights_and_half_open():
    period = Period.month(2026, 3)
    assert period.start_instant().isoformat() == "2026-03-01T00:00:00+07:00"
    assert period.end_instant().isoformat() == "2026-04-01T00:00:00+07:00"
    # 23:30 on 31 March in Vietnam is 16:30 UTC: inside March, whatever the server's clock says.
    late_evening = dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.timezone.utc)
    assert period.start_instant() <= late_evening < period.end_instant()


def test_previous_next_and_months():
    assert Period.parse("2026-01").previous().key == "2025-12"
    assert Period.parse("2026-Q1").previous().key == "2025-Q4"
    assert Period.parse("2026").next().key == "2027"
    custom = Period.parse("2026-01-20_2026-02-08")
    assert custom.days == 20 and custom.previous() == Period(dt.date(2025, 12, 31), dt.date(2026, 1, 19))
    assert [m.key for m in custom.months()] == ["2026-01", "2026-02"]
    assert [m.key for m in Period.parse("2026-Q2").last_months(12)][:2] == ["2025-07", "2025-08"]
    assert Period.parse("2026-Q2").last_months(12)[-1].key == "2026-06"
    assert Period.containing(dt.date(2026, 8, 15), "quarter").key == "2026-Q3"


def test_measure_rates_and_sums():
    assert Measure(37, 40).rate == Decimal("0.925")
    assert Measure(37, 40).percent == Decimal("92.50")
    assert Measure(2, 3).percent == Decimal("66.67")
    assert Measure(0, 0).rate is None and Measure(0, 0).percent is None
    # Units add up by their counts, never by averaging their rates: 1/1 and 1/3 make 2/4.
    assert (Measure(1, 1) + Measure(1, 3)).rate == Decimal("0.5")
    with pytest.raises(ValueError):
        Measure(-1, 3)
