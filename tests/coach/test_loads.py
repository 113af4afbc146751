"""Every workout counts: power TSS, else HRSS, else a labelled estimate — and CTL/ATL use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import loads
from coach.daily import assess_today
from coach.science.heart_rate import DEFAULT_MAX_HR_BPM, DEFAULT_REST_HR_BPM, Sex
from coach.science.load import LoadMethod
from db.models import User, Workout
from db.repositories import users, workouts

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def _workout(**kw: object) -> Workout:
    fields: dict[str, object] = {
        "external_id": "x",
        "source": "test",
        "date": NOW - timedelta(days=1),
        "title": "w",
        "duration_sec": 3600,
    } | kw
    return Workout(**fields)


ATHLETE = User(email="a@telegram.invalid", resting_hr=50, max_hr=190, lthr=170)


def test_an_hour_at_threshold_heart_rate_scores_100() -> None:
    load = loads.workout_load(_workout(type="Run", average_hr=170), loads.heart_rate_profile(ATHLETE))
    assert load.method is LoadMethod.HEART_RATE
    assert load.value == pytest.approx(100.0)


def test_power_tss_wins_over_heart_rate() -> None:
    load = loads.workout_load(_workout(type="Ride", tss=87.5, average_hr=170), loads.heart_rate_profile(ATHLETE))
    assert (load.value, load.method) == (87.5, LoadMethod.POWER)


def test_the_imported_load_from_the_streams_wins() -> None:
    raw = {"load": 64.2, "load_method": "heart_rate", "hrss": 64.2}
    load = loads.workout_load(_workout(average_hr=170, raw_json=raw), loads.heart_rate_profile(ATHLETE))
    assert (load.value, load.method) == (64.2, LoadMethod.HEART_RATE)


@pytest.mark.parametrize("raw", [{"load": "lots", "load_method": "power"}, {"load": 50, "load_method": "vibes"}])
def test_a_malformed_imported_load_is_ignored(raw: dict[str, object]) -> None:
    load = loads.workout_load(_workout(type="Run", raw_json=raw), loads.heart_rate_profile(ATHLETE))
    assert (load.value, load.method) == (60.0, LoadMethod.ESTIMATE)


def test_without_power_or_heart_rate_the_estimate_is_labelled() -> None:
    load = loads.workout_load(_workout(type="Hike", duration_sec=7200), loads.heart_rate_profile(ATHLETE))
    assert (load.value, load.method) == (70.0, LoadMethod.ESTIMATE)


def test_profile_defaults_and_inconsistent_settings() -> None:
    empty = loads.heart_rate_profile(User(email="b@telegram.invalid"))
    assert (empty.rest_hr_bpm, empty.max_hr_bpm, empty.lthr_bpm) == (DEFAULT_REST_HR_BPM, DEFAULT_MAX_HR_BPM, None)
    odd = loads.heart_rate_profile(User(email="c@telegram.invalid", resting_hr=110, max_hr=105, sex="female"))
    assert (odd.rest_hr_bpm, odd.max_hr_bpm, odd.sex) == (DEFAULT_REST_HR_BPM, DEFAULT_MAX_HR_BPM, Sex.FEMALE)


async def test_heart_rate_only_training_builds_fitness(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        user = (await users.link_telegram_user(session, telegram_user_id=9, chat_id=9, name=None)).user
        user.resting_hr, user.max_hr, user.lthr = 50, 190, 170
        rows = [
            {
                "user_id": user.id,
                "source": "test",
                "external_id": f"run-{day}",
                "date": NOW - timedelta(days=day),
                "title": "Run",
                "type": "Run",
                "duration_sec": 3600,
                "average_hr": 170,
            }
            for day in range(1, 43)
        ]
        await workouts.upsert_many(session, rows)
        assessment = await assess_today(session, user, now=NOW)
    assert assessment.form is not None
    # 42 days of 100 HRSS: CTL = 100·(1 − e^(−1)) ≈ 63.2 — HR-only training is not invisible.
    assert assessment.form.ctl == pytest.approx(100 * (1 - 2.718281828**-1), abs=0.5)
    assert assessment.loads_estimated == 0


async def test_the_mornings_light_read_counts_every_session_as_the_stored_rows_do(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """`workouts.loads_between_many` carries only the imported load out of ``rawJson``: same loads, same methods."""
    raws: list[dict[str, object] | None] = [
        {"load": 64.2, "load_method": "heart_rate", "hrss": 64.2, "laps": [{"np": 250}] * 50},
        {"load": 91, "load_method": "power"},
        {"load": "lots", "load_method": "power"},
        {"load": True, "load_method": "power"},
        {"load": 50, "load_method": "vibes"},
        {"load": 50, "load_method": 5},
        {"load": 50},
        {"generator": "a provider's own fields only"},
        None,
    ]
    async with sessions.begin() as session:
        user = (await users.link_telegram_user(session, telegram_user_id=11, chat_id=11, name=None)).user
        user.resting_hr, user.max_hr, user.lthr = 50, 190, 170
        rows = [
            {
                "user_id": user.id,
                "source": "test",
                "external_id": f"s-{i}",
                "date": NOW - timedelta(days=i + 1),
                "title": "Session",
                "type": ("Ride", "Run", "Hike")[i % 3],
                "duration_sec": 1800 + 600 * i,
                "tss": 70.0 if i % 4 == 1 else None,
                "average_hr": 150 if i % 2 else None,
                "raw_json": raw,
            }
            for i, raw in enumerate(raws)
        ]
        await workouts.upsert_many(session, rows)
        start, end = NOW - timedelta(days=365), NOW
        stored = await workouts.between(session, user_id=user.id, start=start, end=end)
        light = (await workouts.loads_between_many(session, user_ids=[user.id], start=start, end=end))[user.id]
    assert len(stored) == len(light) == len(raws)
    by_orm = [(c.workout.date, c.load.value, c.load.method) for c in loads.count(stored, user)]
    by_light = [(c.workout.date, c.load.value, c.load.method) for c in loads.count(light, user)]
    assert by_light == by_orm
    # The cases really differ: imported loads, power TSS, heart rate and estimates are all among them.
    assert {m for _, _, m in by_light} == set(LoadMethod)
