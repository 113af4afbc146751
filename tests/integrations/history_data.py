"""Synthetic sessions for the one-history tests: the same rides via Strava and Intervals.icu, and distinct ones."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.intervals import mapping as intervals
from integrations.records import WorkoutRecord
from integrations.strava import mapping as strava
from tests.integrations.conftest import load

STRAVA_RIDE = load("strava", "activities_page.json")[0]
STRAVA_RUN = load("strava", "activities_page.json")[2]
ICU_RIDE = load("intervals", "activities.json")[0]
ICU_RUN = load("intervals", "activities.json")[2]
FIRST_DAY = datetime(2025, 6, 1, 5, 0, tzinfo=UTC)


def _iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def strava_activity(
    n: int, start: datetime, duration_s: int, *, run: bool = False, ftp_w: float | None = None
) -> WorkoutRecord:
    local = (start + timedelta(hours=2)).replace(tzinfo=None)
    payload: dict[str, Any] = dict(
        STRAVA_RUN if run else STRAVA_RIDE,
        id=20_000_000_000 + n,
        start_date=_iso(start),
        start_date_local=local.isoformat() + "Z",
        moving_time=duration_s,
        elapsed_time=duration_s + 60,
    )
    return strava.map_activity(payload, ftp_w=ftp_w)


def intervals_activity(n: int, start: datetime, duration_s: int, *, run: bool = False) -> WorkoutRecord:
    local = (start + timedelta(hours=2)).replace(tzinfo=None)
    payload = dict(
        ICU_RUN if run else ICU_RIDE,
        id=f"i{90_000_000 + n}",
        start_date=_iso(start),
        start_date_local=local.isoformat(),
        moving_time=duration_s,
    )
    record = intervals.map_activity(payload)
    assert isinstance(record, WorkoutRecord)
    return record


@dataclass(frozen=True)
class History:
    strava: list[WorkoutRecord]
    intervals: list[WorkoutRecord]
    distinct: list[WorkoutRecord]  # sessions that must each stay their own workout

    @property
    def all(self) -> list[WorkoutRecord]:
        return self.strava + self.intervals + self.distinct


def history(seed: int, rides: int = 200, distinct_pairs: int = 10, strava_ftp_w: float | None = None) -> History:
    """``rides`` rides sent by both providers with jittered starts (±90 s) and durations (±3 %), plus
    ``distinct_pairs`` × 2 genuinely different sessions: back-to-back, same start but a different length, or a
    ride and a run started together."""
    rng = random.Random(seed)
    via_strava, via_intervals, distinct = [], [], []
    for n in range(rides):
        start = FIRST_DAY + timedelta(days=n // 2, hours=(n % 2) * 9, seconds=rng.randint(0, 3600))
        duration = rng.randint(20 * 60, 5 * 3600)
        via_strava.append(
            strava_activity(n, start + timedelta(seconds=rng.randint(-90, 90)), duration, ftp_w=strava_ftp_w)
        )
        jittered = round(duration * rng.uniform(0.97, 1.03))
        via_intervals.append(intervals_activity(n, start + timedelta(seconds=rng.randint(-90, 90)), jittered))
    for k in range(distinct_pairs):
        start = FIRST_DAY + timedelta(days=k, hours=17)
        first = rng.randint(15 * 60, 90 * 60)
        kind = k % 3
        if kind == 0:  # back to back: the second starts when (or just after) the first ends
            second_start, second, run = start + timedelta(seconds=first + rng.randint(0, 120)), first, False
        elif kind == 1:  # same start, clearly different length (a warm-up file and the race file)
            second_start, second, run = start + timedelta(seconds=rng.randint(-60, 60)), round(first * 1.3), False
        else:  # a ride and a run started together (a brick logged on two devices)
            second_start, second, run = start + timedelta(seconds=rng.randint(-60, 60)), first, True
        distinct.append(strava_activity(10_000 + k, start, first))
        distinct.append(intervals_activity(10_000 + k, second_start, second, run=run))
    return History(via_strava, via_intervals, distinct)
