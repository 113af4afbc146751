"""Intervals.icu activities and wellness → normalized records (`reference/providers.md` §3.3, §8).

- Strava-sourced activities reach API clients only as stubs (``_note``, ``source: "STRAVA"``, no numbers,
  Strava's terms); they are `Skipped`, never stored as a zero-watt workout. The ride itself arrives through
  our own Strava connection, or the athlete connects the device to Intervals.icu directly.
- ``icu_intensity`` is a percentage (87.5 means IF 0.875); ``icu_training_load`` is Intervals.icu's
  TSS-scaled load (power-based when the ride has power, else heart rate or pace); ``icu_joules`` is
  mechanical work in joules. There is no activity-level max power (``p_max`` is a model parameter, unclear),
  so ``maxWatts`` stays empty.
- Day: the date part of ``start_date_local`` (local, no ``Z``). The instant is ``start_date`` when present,
  else the local time in the activity's ``timezone``.
- Wellness: the record's ``id`` is its date. Intervals.icu passes through whatever device the athlete linked,
  so every field may be empty; ``hrvSDNN`` is a different statistic from RMSSD and is not used as HRV.
"""

from __future__ import annotations

from datetime import UTC

from integrations.payload import Reader, as_int, offset_of, positive, zone
from integrations.records import MetricRecord, Skipped, WorkoutRecord

SOURCE = "intervals"
STRAVA_STUB_SOURCE = "STRAVA"
SECONDS_PER_HOUR = 3600.0
JOULES_PER_KILOJOULE = 1000.0
PERCENT = 100.0


def map_activity(payload: object) -> WorkoutRecord | Skipped:
    """An ``Activity`` from ``/api/v1/athlete/{id}/activities`` or ``/api/v1/activity/{id}``."""
    r = Reader(SOURCE, "activity", payload)
    external_id = r.id()
    if r.has("_note") or r.opt_str("source") == STRAVA_STUB_SOURCE:
        return Skipped(SOURCE, "activity", external_id, "Strava-sourced activities are hidden from API clients")
    local = r.wall_clock("start_date_local")
    if r.has("start_date"):
        # UTC by the API's convention; a value without its "Z" is still read as UTC.
        start = r.utc("start_date")
    else:
        tz = zone(r.opt_str("timezone"))
        if tz is None:
            raise r.fail("neither 'start_date' nor a known 'timezone' to place 'start_date_local'")
        start = local.replace(tzinfo=tz).astimezone(UTC)
    moving_s = r.opt_num("moving_time")
    if moving_s is None:
        moving_s = r.num("elapsed_time")
    if moving_s < 0:
        raise r.fail("the moving time is negative")
    intensity = r.opt_num("icu_intensity")
    joules = r.opt_num("icu_joules")
    distance = r.opt_num("distance")
    return WorkoutRecord(
        source=SOURCE,
        external_id=external_id,
        start=start,
        local_date=local.date(),
        utc_offset_s=offset_of(local, start),
        title=r.opt_str("name") or r.opt_str("type") or "Activity",
        type=r.opt_str("type"),
        duration_sec=round(moving_s),
        raw_json=r.obj,
        description=r.opt_str("description"),
        distance_meters=distance if distance is not None else r.opt_num("icu_distance"),
        elevation_gain=r.opt_int("total_elevation_gain"),
        average_watts=r.opt_int("icu_average_watts"),
        normalized_power=r.opt_int("icu_weighted_avg_watts"),
        average_hr=as_int(positive(r.opt_num("average_heartrate"))),
        max_hr=as_int(positive(r.opt_num("max_heartrate"))),
        tss=r.opt_num("icu_training_load"),
        intensity_factor=None if intensity is None else round(intensity / PERCENT, 4),
        kilojoules=None if joules is None else round(joules / JOULES_PER_KILOJOULE),
    )


def map_wellness(payload: object) -> MetricRecord:
    """A ``Wellness`` record from ``/api/v1/athlete/{id}/wellness.json``."""
    r = Reader(SOURCE, "wellness", payload)
    day = r.day("id")
    sleep_s = r.opt_num("sleepSecs")
    values: dict[str, float | int | None] = {
        "hrv": positive(r.opt_num("hrv")),
        "resting_hr": as_int(positive(r.opt_num("restingHR"))),
        "sleep_score": r.opt_int("sleepScore"),
        "hours_slept": None if sleep_s is None else sleep_s / SECONDS_PER_HOUR,
        "recovery_score": r.opt_int("readiness"),
        "sp_o2": positive(r.opt_num("spO2")),
    }
    return MetricRecord(SOURCE, "wellness", day, values, r.obj)
