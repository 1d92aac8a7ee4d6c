"""Due-date computations per second on one core, for a realistic mix (no Django needed).

Receipt instants are drawn over 2024–2027 at any hour of any day (counters, the post and the portal all
file outside office hours); half the limits are 1–30 working days, half 1–16 working hours. The target is
100,000 computations per second: a province recomputing every open dossier's due time after a calendar
change must not wait on this module.

    PYTHONPATH=src python3 bench/workcal.py [--n 200000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from congvu.workcal.official import VN_TIME_ZONE, official_calendar  # noqa: E402

TARGET_PER_SECOND = 100_000


def workload(n: int, seed: int) -> list[tuple[datetime, str, int]]:
    rng = random.Random(seed)
    tz = ZoneInfo(VN_TIME_ZONE)
    first = datetime(2024, 1, 1, tzinfo=tz)
    span = int((datetime(2028, 1, 1, tzinfo=tz) - first).total_seconds())
    jobs = []
    for _ in range(n):
        received = first + timedelta(seconds=rng.randrange(span))
        if rng.random() < 0.5:
            jobs.append((received, "days", rng.randint(1, 30)))
        else:
            jobs.append((received, "hours", rng.randint(1, 16)))
    return jobs


def run(n: int, seed: int, repeats: int) -> float:
    calendar = official_calendar(years=(2024, 2028))
    jobs = workload(n, seed)
    add_days, add_hours = calendar.add_working_days, calendar.add_working_hours
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for received, unit, amount in jobs:
            if unit == "days":
                add_days(received, amount)
            else:
                add_hours(received, amount)
        best = min(best, time.perf_counter() - started)
    return n / best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="computations per run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args(argv)
    rate = run(args.n, args.seed, args.repeats)
    print(f"workcal due-date computations: {rate:,.0f}/s on one core "
          f"({rate / TARGET_PER_SECOND:.2f}× the target of {TARGET_PER_SECOND:,}/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
