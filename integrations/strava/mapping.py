"""Strava activities → workouts (`reference/providers.md` §2.3, §8.1).

- Duration is ``moving_time`` (what a head unit's timer shows); ``elapsed_time`` stays in ``rawJson``.
- Power is trusted only with ``device_watts`` = true. Without a power meter Strava *estimates* watts (and the
  work derived from them); an estimate stored as ``averageWatts`` or ``kilojoules`` would later win the
  "richest record" contest against a real measurement from another source, so it is left out.
- ``kilojoules`` is Strava's mechanical work (rides with a power meter), the only meaning our column has.
- Strava gives no TSS or IF: with the athlete's FTP they are computed from ``weighted_average_watts`` (NP) and
  moving time; without one they stay empty and the chart's load falls back to `coach.science.load`.
- Day: the date part of ``start_date_local``, a local wall-clock time despite its ``Z``; the offset is
  ``start_date_local − start_date`` (the ``timezone`` text ignores DST).
"""

from __future__ import annotations

from coach.science.power import intensity_factor, training_stress_score
from integrations.payload import Reader, as_int, offset_of, positive
from integrations.records import WorkoutRecord

SOURCE = "strava"


def map_activity(payload: object, *, ftp_w: float | None = None) -> WorkoutRecord:
    """A SummaryActivity or DetailedActivity; ``ftp_w`` (the athlete's FTP) enables IF and TSS."""
    r = Reader(SOURCE, "activity", payload)
    external_id = r.id()
    start = r.instant("start_date")
    local = r.wall_clock("start_date_local")
    moving_s = r.opt_num("moving_time")
    if moving_s is None:
        moving_s = r.num("elapsed_time")
    if moving_s < 0:
        raise r.fail("the moving time is negative")
    device_watts = r.opt_bool("device_watts") is True
    np_w = as_int(r.opt_num("weighted_average_watts")) if device_watts else None
    if_value = tss = None
    if np_w and ftp_w and moving_s > 0:
        if_value = round(intensity_factor(np_w, ftp_w), 3)
        tss = round(training_stress_score(np_w, ftp_w, moving_s), 1)
    sport = r.opt_str("sport_type") or r.opt_str("type")
    return WorkoutRecord(
        source=SOURCE,
        external_id=external_id,
        start=start,
        local_date=local.date(),
        utc_offset_s=offset_of(local, start),
        title=r.opt_str("name") or sport or "Activity",
        type=sport,
        duration_sec=round(moving_s),
        raw_json=r.obj,
        description=r.opt_str("description"),
        distance_meters=r.opt_num("distance"),
        elevation_gain=r.opt_int("total_elevation_gain"),
        average_watts=r.opt_int("average_watts") if device_watts else None,
        max_watts=r.opt_int("max_watts") if device_watts else None,
        normalized_power=np_w,
        average_hr=as_int(positive(r.opt_num("average_heartrate"))),
        max_hr=as_int(positive(r.opt_num("max_heartrate"))),
        tss=tss,
        intensity_factor=if_value,
        kilojoules=r.opt_int("kilojoules") if device_watts else None,
    )
