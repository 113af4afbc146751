"""WHOOP v2 objects → normalized records (`reference/providers.md` §1.3, §8).

Only ``SCORED`` objects carry values: ``PENDING_SCORE`` becomes `Pending` (WHOOP is still scoring; fetch it
again), ``UNSCORABLE`` keeps a workout's time and sport but no score, and gives a day nothing.

Day attribution, the documented rule: a night belongs to the local date of the main sleep's **end** (the
morning the athlete woke up), with the sleep's own ``timezone_offset``. The recovery has no time of its own and
takes its sleep's date (joined by ``sleep_id``); naps never carry a recovery. A cycle's strain belongs to the
date of the sleep that opened it when that sleep is known, else to the local date twelve hours after the
cycle's start (a cycle opens at sleep onset, so this is the waking day for anyone who sleeps less than
twelve hours before or after midnight).

WHOOP's ``kilojoule`` is energy expenditure, not mechanical work, so it never goes into ``kilojoules``; WHOOP
strain is not TSS either. Both stay in ``rawJson``.
"""

from __future__ import annotations

from datetime import date, timedelta

from integrations.payload import Reader, as_int, local_date, positive
from integrations.records import MetricRecord, Pending, Skipped, WorkoutRecord

SOURCE = "whoop"
MILLISECONDS_PER_HOUR = 3_600_000.0
CYCLE_DAY_SHIFT = timedelta(hours=12)

SCORED = "SCORED"
PENDING_SCORE = "PENDING_SCORE"
UNSCORABLE = "UNSCORABLE"
_STATES = (SCORED, PENDING_SCORE, UNSCORABLE)


def _state(r: Reader) -> str:
    state = r.text("score_state")
    if state not in _STATES:
        raise r.fail(f"unknown score_state {state!r}")
    if state == SCORED and r.sub("score") is None:
        raise r.fail("SCORED without a score")
    return state


def _title(sport_name: str | None) -> str:
    return sport_name.replace("_", " ").replace("-", " ").strip().capitalize() if sport_name else "Workout"


def map_workout(payload: object) -> WorkoutRecord | Pending:
    """A ``/v2/activity/workout`` record. No power, no TSS: WHOOP does not measure them."""
    r = Reader(SOURCE, "workout", payload)
    external_id = r.id()
    state = _state(r)
    if state == PENDING_SCORE:
        return Pending(SOURCE, "workout", external_id, "WHOOP is still scoring this workout")
    start = r.instant("start")
    end = r.instant("end")
    if end < start:
        raise r.fail("'end' is before 'start'")
    offset = r.offset_s("timezone_offset")
    sport = r.opt_str("sport_name")
    score = r.sub("score") if state == SCORED else None
    return WorkoutRecord(
        source=SOURCE,
        external_id=external_id,
        start=start,
        local_date=local_date(start, offset),
        utc_offset_s=offset,
        title=_title(sport),
        type=sport,
        duration_sec=round((end - start).total_seconds()),
        raw_json=r.obj,
        distance_meters=score.opt_num("distance_meter") if score else None,
        elevation_gain=score.opt_int("altitude_gain_meter") if score else None,
        average_hr=as_int(positive(score.opt_num("average_heart_rate"))) if score else None,
        max_hr=as_int(positive(score.opt_num("max_heart_rate"))) if score else None,
    )


def sleep_date(payload: object) -> date:
    """The local date a sleep belongs to: the date of its end on the sleep's own clock."""
    r = Reader(SOURCE, "sleep", payload)
    return local_date(r.instant("end"), r.offset_s("timezone_offset"))


def map_sleep(payload: object) -> MetricRecord | Pending | Skipped:
    """A ``/v2/activity/sleep`` record: the night's sleep performance and hours asleep (naps skipped)."""
    r = Reader(SOURCE, "sleep", payload)
    external_id = r.id()
    if r.opt_bool("nap"):
        return Skipped(SOURCE, "sleep", external_id, "a nap is not the night's sleep")
    state = _state(r)
    if state == PENDING_SCORE:
        return Pending(SOURCE, "sleep", external_id, "WHOOP is still scoring this sleep")
    day = sleep_date(payload)
    values: dict[str, float | int | None] = {"sleep_score": None, "hours_slept": None}
    score = r.sub("score") if state == SCORED else None
    if score is not None:
        values["sleep_score"] = score.opt_int("sleep_performance_percentage")
        stages = score.sub("stage_summary")
        if stages is not None:
            asleep = [
                stages.opt_num(k)
                for k in (
                    "total_light_sleep_time_milli",
                    "total_slow_wave_sleep_time_milli",
                    "total_rem_sleep_time_milli",
                )
            ]
            if any(v is not None for v in asleep):
                values["hours_slept"] = sum(v or 0.0 for v in asleep) / MILLISECONDS_PER_HOUR
    return MetricRecord(SOURCE, "sleep", day, values, r.obj)


def map_recovery(payload: object, sleep: object) -> MetricRecord | Pending | Skipped:
    """A ``/v2/recovery`` record, dated by its sleep (``recovery.sleep_id`` = ``sleep.id``)."""
    r = Reader(SOURCE, "recovery", payload)
    external_id = r.id("sleep_id")
    s = Reader(SOURCE, "sleep", sleep)
    if s.id() != external_id:
        raise r.fail(f"recovery of sleep {external_id} given sleep {s.id()}")
    if s.opt_bool("nap"):
        raise r.fail("a nap never carries the recovery")
    state = _state(r)
    if state == PENDING_SCORE:
        return Pending(SOURCE, "recovery", external_id, "WHOOP is still scoring this recovery")
    day = sleep_date(sleep)
    values: dict[str, float | int | None] = dict.fromkeys(("hrv", "resting_hr", "recovery_score", "sp_o2"))
    score = r.sub("score") if state == SCORED else None
    if score is not None:
        values["hrv"] = positive(score.opt_num("hrv_rmssd_milli"))
        values["resting_hr"] = as_int(positive(score.opt_num("resting_heart_rate")))
        values["recovery_score"] = score.opt_int("recovery_score")
        values["sp_o2"] = positive(score.opt_num("spo2_percentage"))
    return MetricRecord(SOURCE, "recovery", day, values, r.obj)


def cycle_date(payload: object, sleep: object | None = None) -> date:
    """The local date whose day strain a cycle holds (see the module docstring)."""
    if sleep is not None:
        return sleep_date(sleep)
    r = Reader(SOURCE, "cycle", payload)
    return local_date(r.instant("start") + CYCLE_DAY_SHIFT, r.offset_s("timezone_offset"))


def map_cycle(payload: object, sleep: object | None = None) -> MetricRecord | Pending | Skipped:
    """A ``/v2/cycle`` record: the day strain, final once the cycle has an ``end``.

    A running cycle (no ``end``) is still written, because strain only grows and the reconciliation re-pull
    replaces it; ``sleep`` is the main sleep whose ``cycle_id`` is this cycle, when known.
    """
    r = Reader(SOURCE, "cycle", payload)
    external_id = r.id()
    if sleep is not None:
        s = Reader(SOURCE, "sleep", sleep)
        if s.has("cycle_id") and s.id("cycle_id") != external_id:
            raise r.fail(f"cycle {external_id} given the sleep of cycle {s.id('cycle_id')}")
    state = _state(r)
    if state == PENDING_SCORE:
        return Pending(SOURCE, "cycle", external_id, "WHOOP is still scoring this cycle")
    score = r.sub("score") if state == SCORED else None
    strain = score.opt_num("strain") if score else None
    return MetricRecord(SOURCE, "cycle", cycle_date(payload, sleep), {"strain_score": strain}, r.obj)
