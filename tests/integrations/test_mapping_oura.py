"""Oura documents → records: each document owns its fields; only the main sleep speaks for the night."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from integrations.oura import mapping
from integrations.records import MetricRecord, Skipped
from tests.integrations.conftest import load


def test_readiness_sleep_score_and_spo2_each_own_one_field() -> None:
    readiness = mapping.map_daily_readiness(load("oura", "daily_readiness.json")["data"][0])
    assert (readiness.local_date, readiness.values) == (date(2026, 3, 14), {"recovery_score": 78})
    sleep_score = mapping.map_daily_sleep(load("oura", "daily_sleep.json")["data"][0])
    assert sleep_score.values == {"sleep_score": 82}
    spo2 = [mapping.map_daily_spo2(d) for d in load("oura", "daily_spo2.json")["data"]]
    assert spo2[0].values == {"sp_o2": pytest.approx(96.812)}
    assert spo2[1].values == {"sp_o2": None}


def test_main_sleep_gives_rmssd_lowest_heart_rate_and_time_asleep() -> None:
    periods = [mapping.map_sleep(p) for p in load("oura", "sleep.json")["data"]]
    main, nap, rest = periods
    assert isinstance(main, MetricRecord)
    assert main.local_date == date(2026, 3, 14)
    assert main.values == {"hrv": 64.0, "resting_hr": 46, "hours_slept": pytest.approx(25860 / 3600)}
    assert isinstance(nap, Skipped) and isinstance(rest, Skipped)


def test_workout_has_duration_and_distance_but_no_heart_rate_or_work() -> None:
    ride, walk = (mapping.map_workout(w) for w in load("oura", "workout.json")["data"])
    assert ride.start == datetime(2026, 3, 14, 6, 30, tzinfo=UTC)
    assert ride.duration_sec == 71 * 60
    assert ride.kilojoules is None and ride.average_hr is None
    assert ride.title == "Cycling" and ride.type == "cycling"
    assert walk.title == "Evening walk"
    assert walk.utc_offset_s == 5 * 3600 + 45 * 60
    assert walk.local_date == date(2026, 3, 13)
