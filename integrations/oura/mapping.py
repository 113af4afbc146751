"""Oura v2 documents → normalized records (`reference/providers.md` §4.2, §8).

Oura already dates every document by the athlete's local ``day`` (a sleep period by the day it ends), so
``day`` is used as is. A day's recovery fields come from four documents, each owning its own fields:

    daily_readiness  recoveryScore   (``score``; the contributors are 1–100 scores, not bpm or ms)
    daily_sleep      sleepScore      (``score``)
    sleep            hrv, restingHr, hoursSlept   (the ``long_sleep`` period: ``average_hrv``,
                                                   ``lowest_heart_rate``, ``total_sleep_duration``)
    daily_spo2       spO2            (``spo2_percentage.average``)

Only ``long_sleep`` periods describe the night; naps (``sleep``, ``late_nap``), rejected detections (``rest``)
and ``deleted`` periods are `Skipped`. Oura workouts carry no heart rate, power or load, and ``calories`` is
energy expenditure, never mechanical work.
"""

from __future__ import annotations

from integrations.payload import Reader, as_int, positive
from integrations.records import MetricRecord, Skipped, WorkoutRecord

SOURCE = "oura"
MAIN_SLEEP = "long_sleep"
SECONDS_PER_HOUR = 3600.0


def map_daily_readiness(payload: object) -> MetricRecord:
    r = Reader(SOURCE, "daily_readiness", payload)
    return MetricRecord(SOURCE, "daily_readiness", r.day("day"), {"recovery_score": r.opt_int("score")}, r.obj)


def map_daily_sleep(payload: object) -> MetricRecord:
    r = Reader(SOURCE, "daily_sleep", payload)
    return MetricRecord(SOURCE, "daily_sleep", r.day("day"), {"sleep_score": r.opt_int("score")}, r.obj)


def map_sleep(payload: object) -> MetricRecord | Skipped:
    """A sleep period; only the main (``long_sleep``) one speaks for the night."""
    r = Reader(SOURCE, "sleep", payload)
    external_id = r.id()
    kind = r.opt_str("type")
    if kind != MAIN_SLEEP:
        return Skipped(SOURCE, "sleep", external_id, f"a {kind or 'untyped'} period is not the night's main sleep")
    total_s = r.opt_num("total_sleep_duration")
    values: dict[str, float | int | None] = {
        "hrv": positive(r.opt_num("average_hrv")),
        "resting_hr": as_int(positive(r.opt_num("lowest_heart_rate"))),
        "hours_slept": None if total_s is None else total_s / SECONDS_PER_HOUR,
    }
    return MetricRecord(SOURCE, "sleep", r.day("day"), values, r.obj)


def map_daily_spo2(payload: object) -> MetricRecord:
    r = Reader(SOURCE, "daily_spo2", payload)
    percentage = r.sub("spo2_percentage")
    average = positive(percentage.opt_num("average")) if percentage else None
    return MetricRecord(SOURCE, "daily_spo2", r.day("day"), {"sp_o2": average}, r.obj)


def map_workout(payload: object) -> WorkoutRecord:
    r = Reader(SOURCE, "workout", payload)
    start = r.aware("start_datetime")
    end = r.aware("end_datetime")
    if end < start:
        raise r.fail("'end_datetime' is before 'start_datetime'")
    offset = start.utcoffset()
    activity = r.opt_str("activity")
    return WorkoutRecord(
        source=SOURCE,
        external_id=r.id(),
        start=r.instant("start_datetime"),
        local_date=r.day("day") if r.has("day") else start.date(),
        utc_offset_s=None if offset is None else round(offset.total_seconds()),
        title=r.opt_str("label") or (activity.replace("_", " ").capitalize() if activity else "Workout"),
        type=activity,
        duration_sec=round((end - start).total_seconds()),
        raw_json=r.obj,
        distance_meters=r.opt_num("distance"),
    )
