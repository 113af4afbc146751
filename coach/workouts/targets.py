"""Targets in the athlete's own units: watts, bpm or pace, from the threshold fractions of a workout.

Which unit a session is given in follows the athlete, not the workout: a ride is in watts for a rider with a
power meter or smart trainer and a known FTP, else in bpm from the lactate-threshold heart rate; a run is in
pace from the threshold pace, else in bpm; with neither, the target is an effort description only (`OPEN`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import StrEnum

from coach.workouts.model import Sport, Step


class TargetKind(StrEnum):
    POWER = "power"
    HEART_RATE = "heart_rate"
    PACE = "pace"
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What the athlete's targets are computed from (`None`: not known)."""

    ftp_w: int | None = None
    lthr_bpm: int | None = None
    threshold_pace_s_per_km: float | None = None
    has_power_meter: bool = True
    imperial: bool = False


# Coggan's power zone bounds (% FTP) and heart-rate zone bounds (% LTHR) correspond zone for zone
# (`coach.science.zones`): the top of Z1…Z4 power maps to the top of Z1…Z4 heart rate. Between bounds the map
# is linear; above threshold heart rate lags the effort, so VO2max and anaerobic work (1.05–1.50 FTP) is held
# at 1.05–1.10 LTHR — a heart-rate target can only ask for "as hard as you can hold".
_POWER_POINTS = (0.0, 0.55, 0.75, 0.90, 1.05, 1.50)
_HR_POINTS = (0.50, 0.68, 0.83, 0.94, 1.05, 1.10)


def lthr_fraction(ftp_fraction: float) -> float:
    """The % LTHR that goes with a % FTP (piecewise linear over the zone bounds; clamped at the ends)."""
    if ftp_fraction >= _POWER_POINTS[-1]:
        return _HR_POINTS[-1]
    i = bisect.bisect_right(_POWER_POINTS, ftp_fraction)
    x0, x1 = _POWER_POINTS[i - 1], _POWER_POINTS[i]
    y0, y1 = _HR_POINTS[i - 1], _HR_POINTS[i]
    return y0 + (y1 - y0) * (ftp_fraction - x0) / (x1 - x0)


def target_kind(sport: Sport, thresholds: Thresholds) -> TargetKind:
    """The unit this athlete's sessions of ``sport`` are given in."""
    if sport is Sport.RIDE:
        if thresholds.ftp_w and thresholds.has_power_meter:
            return TargetKind.POWER
        if thresholds.lthr_bpm:
            return TargetKind.HEART_RATE
    elif sport is Sport.RUN:
        if thresholds.threshold_pace_s_per_km:
            return TargetKind.PACE
        if thresholds.lthr_bpm:
            return TargetKind.HEART_RATE
    return TargetKind.OPEN


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    """A step's target in absolute units: watts, bpm, or speed in m/s (pace is shown from speed).

    ``low``/``high`` keep the step's order, so a descending ramp has ``low > high``.
    """

    kind: TargetKind
    low: float
    high: float


def resolve(step: Step, kind: TargetKind, thresholds: Thresholds) -> ResolvedTarget:
    """The step's target for an athlete whose sessions are given in ``kind``."""
    if kind is TargetKind.POWER:
        if not thresholds.ftp_w:
            raise ValueError("power targets need an FTP")
        ftp = float(thresholds.ftp_w)
        return ResolvedTarget(kind, round(step.low * ftp), round(step.high * ftp))
    if kind is TargetKind.HEART_RATE:
        if not thresholds.lthr_bpm:
            raise ValueError("heart-rate targets need a threshold heart rate")
        lthr = float(thresholds.lthr_bpm)
        return ResolvedTarget(kind, round(lthr_fraction(step.low) * lthr), round(lthr_fraction(step.high) * lthr))
    if kind is TargetKind.PACE:
        if not thresholds.threshold_pace_s_per_km:
            raise ValueError("pace targets need a threshold pace")
        threshold_speed = 1000.0 / thresholds.threshold_pace_s_per_km
        return ResolvedTarget(kind, step.low * threshold_speed, step.high * threshold_speed)
    return ResolvedTarget(kind, step.low, step.high)
