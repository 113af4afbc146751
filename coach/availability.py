"""The athlete's availability and thresholds as the planner and the session texts need them, with defaults.

Every setting is optional; what is not set falls back to a default a coach would start a new athlete on,
and the plan says so:

- weekly hours: 6 h;
- training days: Tuesday, Wednesday and Thursday up to 60 min, Saturday up to 150 min, Sunday up to 90 min
  (Monday and Friday off) — the common shape of a working amateur's week, long sessions at the weekend;
- CTL ramp: 5 points a week (the cautious end of the 5–8 band);
- recovery: a recovery week every fourth week (3:1);
- power meter: yes for a rider with an FTP (targets in watts), else heart rate;
- threshold heart rate: as set, else rest + 0.85 × (max − rest) (`coach.science.heart_rate`);
- threshold pace: as set, else estimated from recent runs (`estimate_threshold_pace`), else none (runs are
  then given in heart rate or by feel).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from coach import loads
from coach.i18n import t
from coach.planning.model import Availability
from coach.workouts.model import Sport
from coach.workouts.targets import Thresholds
from db.models import User

DEFAULT_WEEKLY_HOURS = 6.0
DEFAULT_DAY_MINUTES = (0, 60, 60, 60, 0, 150, 90)
DEFAULT_CTL_RAMP = 5.0
DEFAULT_RECOVERY_RHYTHM = "3:1"
RECOVERY_EVERY = {"3:1": 4, "2:1": 3}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Threshold pace from runs: runs of 20 minutes to 3 hours with a distance, from the last 90 days.
PACE_MIN_RUN_S = 20 * 60
PACE_MAX_RUN_S = 3 * 3600
PACE_MIN_RUNS = 3
PACE_WINDOW_DAYS = 90
# A run's own intensity factor (its speed over threshold speed), when the provider sent one, turns its
# average speed into threshold speed directly. Without one, the fastest runs are taken as tempo runs: a
# well-trained runner's tempo is about 88 % of threshold speed (Daniels' T-pace ≈ 88 % vVO2max against
# ≈ 100 % for the hour; we use the same ratio as our tempo workouts, 0.88).
TEMPO_FRACTION = 0.88


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """What the planner reads from the athlete's settings, and which of it is a default."""

    availability: Availability
    defaults_used: tuple[str, ...]


def day_minutes(user: User) -> tuple[int, ...]:
    return tuple(user.day_minutes) if user.day_minutes else DEFAULT_DAY_MINUTES


def plan_settings(user: User) -> PlanSettings:
    defaults = []
    if user.weekly_hours is None:
        defaults.append(t("weekly hours"))
    if not user.day_minutes:
        defaults.append(t("training days"))
    if user.ctl_ramp is None:
        defaults.append(t("CTL ramp"))
    if user.recovery_rhythm is None:
        defaults.append(t("recovery rhythm"))
    minutes = day_minutes(user)
    availability = Availability(
        weekly_hours=user.weekly_hours if user.weekly_hours is not None else DEFAULT_WEEKLY_HOURS,
        max_minutes_by_weekday={day: m for day, m in enumerate(minutes) if m > 0},
        recovery_every=RECOVERY_EVERY[user.recovery_rhythm or DEFAULT_RECOVERY_RHYTHM],
        ctl_ramp_per_week=user.ctl_ramp if user.ctl_ramp is not None else DEFAULT_CTL_RAMP,
    )
    return PlanSettings(availability=availability, defaults_used=tuple(defaults))


def has_power_meter(user: User) -> bool:
    return user.has_power_meter if user.has_power_meter is not None else user.ftp is not None


def plan_sport(user: User) -> Sport:
    return Sport.RUN if user.sport_focus == "running" else Sport.RIDE


class RunSummary(Protocol):
    @property
    def type(self) -> str | None: ...
    @property
    def duration_sec(self) -> int: ...
    @property
    def distance_meters(self) -> float | None: ...
    @property
    def intensity_factor(self) -> float | None: ...


def is_run(workout_type: str | None) -> bool:
    # Provider and FIT names alike: "Run", "TrailRun", "VirtualRun", "running", "trail_run".
    key = (workout_type or "").lower().replace("_", "").replace(" ", "")
    return key in {"run", "running", "trailrun", "virtualrun", "treadmillrun", "treadmill"}


def estimate_threshold_pace(runs: Sequence[RunSummary]) -> float | None:
    """Threshold pace (s/km) from recent run summaries, or ``None`` with fewer than three usable runs.

    Runs with an intensity factor give threshold speed = average speed / IF; the median of those is used.
    Without IFs, the fastest run is read as a tempo run (`TEMPO_FRACTION`). A rough estimate, always shown
    as one.
    """
    usable = [
        r for r in runs if is_run(r.type) and r.distance_meters and PACE_MIN_RUN_S <= r.duration_sec <= PACE_MAX_RUN_S
    ]
    if len(usable) < PACE_MIN_RUNS:
        return None
    with_if = [
        (r.distance_meters or 0.0) / r.duration_sec / r.intensity_factor
        for r in usable
        if r.intensity_factor and 0.5 <= r.intensity_factor <= 1.2
    ]
    if len(with_if) >= PACE_MIN_RUNS:
        speed = statistics.median(with_if)
    else:
        speed = max((r.distance_meters or 0.0) / r.duration_sec for r in usable) / TEMPO_FRACTION
    return 1000.0 / speed if speed > 0 else None


@dataclass(frozen=True, slots=True)
class AthleteThresholds:
    """The thresholds targets are computed from, and which of them are estimates rather than settings."""

    thresholds: Thresholds
    lthr_estimated: bool
    pace_estimated: bool


def thresholds(user: User, *, estimated_pace_s_per_km: float | None = None) -> AthleteThresholds:
    profile = loads.heart_rate_profile(user)
    lthr = round(profile.threshold_hr_bpm)
    pace = float(user.threshold_pace_s_per_km) if user.threshold_pace_s_per_km else estimated_pace_s_per_km
    return AthleteThresholds(
        thresholds=Thresholds(
            ftp_w=user.ftp,
            lthr_bpm=lthr,
            threshold_pace_s_per_km=pace,
            has_power_meter=has_power_meter(user),
            imperial=user.distance_unit == "mi",
        ),
        lthr_estimated=profile.lthr_bpm is None,
        pace_estimated=user.threshold_pace_s_per_km is None and pace is not None,
    )


def format_pace(s_per_km: float, *, imperial: bool = False) -> str:
    """``270`` → ``4:30/km`` (or per mile)."""
    seconds = round(s_per_km * (1.609344 if imperial else 1.0))
    return f"{seconds // 60}:{seconds % 60:02d}/{'mi' if imperial else 'km'}"


def run_window_start(now: datetime) -> datetime:
    return now - timedelta(days=PACE_WINDOW_DAYS)
