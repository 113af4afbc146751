"""The workout summary of a FIT activity, computed with `coach.science` from the 1 Hz timer grid.

Field names follow the workout row (`durationSec`, `normalizedPower`, …); the device's own session values
ride along in ``device`` so the two can be compared, and are never used in place of a computed value.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from coach.science import heart_rate, power
from coach.science.curve import CURVE_DURATIONS_S, mean_max_at
from coach.science.heart_rate import HeartRateProfile
from coach.science.load import LoadMethod, training_load
from coach.science.sampling import FloatArray
from coach.science.wording import Wording
from integrations.fit.conventions import MOVING_SPEED_M_S, AveragePower, Convention
from integrations.fit.parse import MAX_FIT_BYTES, DeviceSummary, FitActivity, parse_activities

# Sports whose curve of best speeds is kept (pace: the athlete reads it as minutes per kilometre).
_PACED_SPORTS = frozenset({"running", "walking", "hiking"})
METERS_PER_KILOMETER = 1000.0


@dataclass(frozen=True, slots=True)
class LapSummary:
    """One lap, computed from the ride's grid; ``device`` holds the lap message as recorded."""

    start_time: datetime
    duration_sec: int
    normalized_power: float | None
    average_watts: float | None
    average_hr: float | None
    max_hr: float | None
    device: DeviceSummary


@dataclass(frozen=True, slots=True)
class WorkoutCurves:
    """Mean-maximal values of one workout at fixed durations, kept instead of the stream.

    ``durations_s`` are the entries of `coach.science.curve.CURVE_DURATIONS_S` that fit in the workout's
    timer time; each channel is a list of the same length (the best mean over exactly that many consecutive
    timer seconds, ``None`` where no window had a reading throughout), or ``None`` without that channel.
    Power counts a second without a reading as 0 W and joins timer stretches across pauses
    (`coach.science.curve`); speed is for running, walking and hiking only (pace is 1000 / speed s/km).
    Stored in the workout's ``rawJson`` under ``curves``.
    """

    durations_s: tuple[int, ...]
    power_w: tuple[float | None, ...] | None
    heart_rate_bpm: tuple[float | None, ...] | None
    speed_m_s: tuple[float | None, ...] | None

    def power_by_duration(self) -> dict[str, float]:
        """``{"5": 612.0, "60": 402.5, …}``: seconds as a string to watts, durations with a value only."""
        if self.power_w is None:
            return {}
        return {str(d): w for d, w in zip(self.durations_s, self.power_w, strict=True) if w is not None}


@dataclass(frozen=True, slots=True)
class WorkoutSummary:
    """Everything the coach keeps about one imported activity. ``None`` means not applicable."""

    external_id: str  # sha256 of the file's bytes: the same file always gets the same id
    sport: str
    start_time: datetime  # aware, UTC
    duration_sec: int  # timer time
    distance_meters: float | None
    normalized_power: float | None
    intensity_factor: float | None
    tss: float | None
    average_watts: float | None
    max_watts: float | None
    kilojoules: float | None
    variability_index: float | None
    average_hr: float | None
    max_hr: float | None
    hrss: float | None
    ftp: float | None  # the FTP resolved for this workout (IF and TSS use it when there is power)
    load: float  # TSS-scaled load for the fitness chart
    load_method: LoadMethod
    plausibility: str | None  # a warning sentence when the FTP looks set too low
    laps: tuple[LapSummary, ...]
    device: DeviceSummary
    convention: str  # the maker's rules the numbers follow (`integrations.fit.conventions`)
    session_index: int  # position of this activity in a file with several (triathlon, brick); else 0
    average_speed_m_s: float | None  # distance over timer time
    average_pace_s_per_km: float | None  # runs, walks and hikes
    pool_length_m: float | None  # pool swims
    pool_lengths: int | None  # active lengths swum
    curves: WorkoutCurves
    # The warning as a message and its numbers, for the reply in the athlete's language; not stored
    # (``plausibility`` is the English sentence kept with the workout).
    plausibility_wording: Wording | None = dataclasses.field(default=None, compare=False)

    def as_dict(self) -> dict[str, object]:
        """Plain dict (laps as a list of dicts), e.g. for a JSON column."""
        values = dataclasses.asdict(self)
        values.pop("plausibility_wording")
        values["laps"] = list(values["laps"])
        return values


def fit_external_id(data: bytes) -> str:
    """A stable id for a file: the hex sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


def resolve_ftp(*, ftp_w: float | None, user_ftp_w: float | None, file_ftp_w: float | None) -> float | None:
    """The FTP to score with: the explicit one, else the user's, else the one stored in the file."""
    for candidate in (ftp_w, user_ftp_w, file_ftp_w):
        if candidate is not None and candidate > 0:
            return candidate
    return None


def activity_external_id(file_id: str, session_index: int, sessions: int) -> str:
    """The file's id for a single activity; ``<file id>#<n>`` (from 1) for each of several in one file."""
    return file_id if sessions == 1 else f"{file_id}#{session_index + 1}"


def summarize_fit_activities(
    data: bytes,
    *,
    ftp_w: float | None = None,
    user_ftp_w: float | None = None,
    hr_profile: HeartRateProfile | None = None,
    max_bytes: int = MAX_FIT_BYTES,
) -> tuple[WorkoutSummary, ...]:
    """One summary per activity of the file (several for a triathlon or brick); see `summarize_fit`."""
    activities = parse_activities(data, max_bytes=max_bytes)
    file_id = fit_external_id(data)
    return tuple(
        summarize_activity(
            activity,
            external_id=activity_external_id(file_id, activity.session_index, len(activities)),
            ftp_w=ftp_w,
            user_ftp_w=user_ftp_w,
            hr_profile=hr_profile,
        )
        for activity in activities
    )


def summarize_fit(
    data: bytes,
    *,
    ftp_w: float | None = None,
    user_ftp_w: float | None = None,
    hr_profile: HeartRateProfile | None = None,
    max_bytes: int = MAX_FIT_BYTES,
) -> WorkoutSummary:
    """Parse and summarise the first activity of a FIT file; raises a `FitImportError` for anything unusable.

    ``ftp_w``/``user_ftp_w`` must be thresholds for this workout's sport. ``hr_profile`` defaults to
    `HeartRateProfile()` (typical resting and maximum heart rate) when the athlete's own is unknown. A file
    with several activities has one summary each: `summarize_fit_activities`.
    """
    return summarize_fit_activities(
        data, ftp_w=ftp_w, user_ftp_w=user_ftp_w, hr_profile=hr_profile, max_bytes=max_bytes
    )[0]


def summarize_activity(
    activity: FitActivity,
    *,
    external_id: str,
    ftp_w: float | None = None,
    user_ftp_w: float | None = None,
    hr_profile: HeartRateProfile | None = None,
) -> WorkoutSummary:
    """Compute the summary of a decoded activity (see `summarize_fit`)."""
    profile = hr_profile or HeartRateProfile()
    convention = activity.convention
    dropouts = convention.dropouts
    watts = activity.power_w
    window_stretches = activity.segment_id if convention.np_window_restarts_after_pause else None
    rolling_w = power.rolling_mean_power(watts, segment_id=window_stretches, dropouts=dropouts)
    normalized_w = power.normalized_power(rolling_w)
    average_w = _average_power(activity, convention)
    ftp = resolve_ftp(ftp_w=ftp_w, user_ftp_w=user_ftp_w, file_ftp_w=activity.threshold_power_w)

    factor = tss = plausibility = wording = None
    if normalized_w is not None and ftp is not None:
        duration_s = power.tss_duration_s(watts, dropouts=dropouts)
        factor = power.intensity_factor(normalized_w, ftp)
        tss = power.training_stress_score(normalized_w, ftp, duration_s)
        best_20min_w = power.best_mean_power(
            watts, power.BEST_20MIN_WINDOW_S, segment_id=window_stretches, dropouts=dropouts
        )
        wording = power.ftp_plausibility(tss=tss, duration_s=duration_s, best_20min_w=best_20min_w, ftp_w=ftp)
        plausibility = wording.english() if wording is not None else None

    beats = activity.heart_rate_bpm
    hrss = heart_rate.hrss(beats, profile=profile)
    distance_m = _distance_m(activity)
    speed_m_s = distance_m / activity.timer_time_s if distance_m is not None else None
    load = training_load(duration_s=activity.timer_time_s, sport=activity.sport, power_tss=tss, hrss=hrss)
    return WorkoutSummary(
        external_id=external_id,
        sport=activity.sport,
        start_time=activity.start_time,
        duration_sec=activity.timer_time_s,
        distance_meters=_distance_m(activity),
        normalized_power=normalized_w,
        intensity_factor=factor,
        tss=tss,
        average_watts=average_w,
        max_watts=power.max_power(watts),
        kilojoules=power.work_kj(watts),
        variability_index=(
            power.variability_index(normalized_w, average_w)
            if normalized_w is not None and average_w is not None
            else None
        ),
        average_hr=_average_hr(activity),
        max_hr=heart_rate.max_hr(beats),
        hrss=hrss,
        ftp=ftp,
        load=load.value,
        load_method=load.method,
        plausibility=plausibility,
        plausibility_wording=wording,
        laps=tuple(
            LapSummary(
                start_time=lap.start_time,
                duration_sec=lap.stop_index - lap.start_index,
                normalized_power=power.normalized_power(rolling_w[lap.samples]),
                average_watts=power.average_power(watts[lap.samples], dropouts=dropouts),
                average_hr=heart_rate.average_hr(beats[lap.samples]),
                max_hr=heart_rate.max_hr(beats[lap.samples]),
                device=lap.device,
            )
            for lap in activity.laps
        ),
        device=activity.device,
        convention=convention.name,
        session_index=activity.session_index,
        average_speed_m_s=speed_m_s,
        average_pace_s_per_km=(
            METERS_PER_KILOMETER / speed_m_s if speed_m_s and activity.sport in _PACED_SPORTS else None
        ),
        pool_length_m=activity.device.pool_length_m,
        pool_lengths=activity.active_lengths,
        curves=workout_curves(activity),
    )


def _average_power(activity: FitActivity, convention: Convention) -> float | None:
    """Average power divided by the time the device divides by (`conventions.AveragePower`)."""
    watts = activity.power_w
    if convention.average_power is AveragePower.NON_ZERO:
        return power.average_power_over(watts, int(np.count_nonzero(watts > 0)))
    if convention.average_power is AveragePower.MOVING:
        # An indoor ride without a speed sensor never "moves": then every counted second counts.
        moving_s = int(np.count_nonzero(activity.speed_m_s > MOVING_SPEED_M_S))
        if moving_s > 0:
            return power.average_power_over(watts, moving_s)
    return power.average_power(watts, dropouts=convention.dropouts)


def _average_hr(activity: FitActivity) -> float | None:
    if activity.convention.heart_rate_from_beats and activity.rr_intervals_s is not None:
        return heart_rate.average_hr_from_beats(activity.rr_intervals_s)
    return heart_rate.average_hr(activity.heart_rate_bpm)


def workout_curves(activity: FitActivity) -> WorkoutCurves:
    """The activity's mean-maximal power, heart rate and (runs) speed at `CURVE_DURATIONS_S`."""
    durations = tuple(d for d in CURVE_DURATIONS_S if d <= activity.timer_time_s)

    def curve(values: FloatArray | None) -> tuple[float | None, ...] | None:
        if values is None or np.all(np.isnan(values)):
            return None
        best = mean_max_at(values, durations)
        return tuple(None if np.isnan(value) else round(float(value), 2) for value in best)

    watts = activity.power_w
    speed = activity.speed_m_s if activity.sport in _PACED_SPORTS else None
    return WorkoutCurves(
        durations_s=durations,
        power_w=curve(np.nan_to_num(watts, nan=0.0) if not np.all(np.isnan(watts)) else None),
        heart_rate_bpm=curve(activity.heart_rate_bpm),
        speed_m_s=curve(np.nan_to_num(speed, nan=0.0) if speed is not None and not np.all(np.isnan(speed)) else None),
    )


def _distance_m(activity: FitActivity) -> float | None:
    """The session's total distance, else the records' cumulative distance; ``None`` for none (indoor).

    The session's value comes first because it is what the device showed the athlete, and it also counts the
    stretch after the last record (Fenix 5 walk: 67.9 m in the session, 46.2 m at the last record).
    """
    covered_m = activity.device.distance_m
    if not covered_m and not np.all(np.isnan(activity.distance_m)):
        covered_m = float(np.nanmax(activity.distance_m))
    return covered_m if covered_m is not None and covered_m > 0 else None
