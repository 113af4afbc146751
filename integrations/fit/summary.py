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
from coach.science.heart_rate import HeartRateProfile
from coach.science.load import LoadMethod, training_load
from coach.science.power import DropoutPolicy
from integrations.fit.parse import MAX_FIT_BYTES, DeviceSummary, FitActivity, parse_fit

# Wahoo head units count a second without power as 0 W; everyone else we know of (Garmin) skips it.
_ZERO_FILLING_MANUFACTURERS = frozenset({"wahoo_fitness"})


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

    def as_dict(self) -> dict[str, object]:
        """Plain dict (laps as a list of dicts), e.g. for a JSON column."""
        values = dataclasses.asdict(self)
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


def dropout_policy(manufacturer: str | None) -> DropoutPolicy:
    """How this head unit treats seconds without power (`coach.science.power.DropoutPolicy`)."""
    if manufacturer in _ZERO_FILLING_MANUFACTURERS:
        return DropoutPolicy.ZERO_FILL
    return DropoutPolicy.SKIP


def summarize_fit(
    data: bytes,
    *,
    ftp_w: float | None = None,
    user_ftp_w: float | None = None,
    hr_profile: HeartRateProfile | None = None,
    max_bytes: int = MAX_FIT_BYTES,
) -> WorkoutSummary:
    """Parse and summarise a FIT file; raises a `FitImportError` for anything that is not a usable activity.

    ``ftp_w``/``user_ftp_w`` must be thresholds for this workout's sport. ``hr_profile`` defaults to
    `HeartRateProfile()` (typical resting and maximum heart rate) when the athlete's own is unknown.
    """
    activity = parse_fit(data, max_bytes=max_bytes)
    return summarize_activity(
        activity, external_id=fit_external_id(data), ftp_w=ftp_w, user_ftp_w=user_ftp_w, hr_profile=hr_profile
    )


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
    dropouts = dropout_policy(activity.manufacturer)
    watts = activity.power_w
    rolling_w = power.rolling_mean_power(watts, segment_id=activity.segment_id, dropouts=dropouts)
    normalized_w = power.normalized_power(rolling_w)
    average_w = power.average_power(watts, dropouts=dropouts)
    ftp = resolve_ftp(ftp_w=ftp_w, user_ftp_w=user_ftp_w, file_ftp_w=activity.threshold_power_w)

    factor = tss = plausibility = None
    if normalized_w is not None and ftp is not None:
        duration_s = power.tss_duration_s(watts, dropouts=dropouts)
        factor = power.intensity_factor(normalized_w, ftp)
        tss = power.training_stress_score(normalized_w, ftp, duration_s)
        best_20min_w = power.best_mean_power(
            watts, power.BEST_20MIN_WINDOW_S, segment_id=activity.segment_id, dropouts=dropouts
        )
        plausibility = power.ftp_plausibility_warning(
            tss=tss, duration_s=duration_s, best_20min_w=best_20min_w, ftp_w=ftp
        )

    beats = activity.heart_rate_bpm
    hrss = heart_rate.hrss(beats, profile=profile)
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
        average_hr=heart_rate.average_hr(beats),
        max_hr=heart_rate.max_hr(beats),
        hrss=hrss,
        ftp=ftp,
        load=load.value,
        load_method=load.method,
        plausibility=plausibility,
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
