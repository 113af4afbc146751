"""Each stored workout's training load, so that every session counts in the fitness/fatigue chart.

The order (``reference/science.md`` §2.4, §3):

1. the load the import computed from the streams (``rawJson["load"]``, with its method): power TSS, or
   HRSS from the 1 Hz heart-rate series;
2. the workout's TSS column (power TSS, ours or the provider's);
3. HRSS from the average heart rate: Banister's original session form, TRIMP = minutes · HRr · a·e^(b·HRr).
   The weighting is convex, so an average reads low on interval sessions (a steady hour is exact);
   it is still far closer than pretending the session had no load;
4. duration × the sport's typical TSS per hour, labelled as an estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from coach.science.heart_rate import DEFAULT_MAX_HR_BPM, DEFAULT_REST_HR_BPM, HeartRateProfile, Sex, hrss
from coach.science.load import LoadMethod, TrainingLoad, training_load
from db.models import User


class LoggedSession(Protocol):
    """What a session's load is computed from: a stored `Workout`, or the lighter `workouts.LoadRow` that the
    morning assessment reads (a year of sessions per athlete, thousands of athletes in one minute)."""

    @property
    def date(self) -> datetime: ...
    @property
    def type(self) -> str | None: ...
    @property
    def duration_sec(self) -> int: ...
    @property
    def tss(self) -> float | None: ...
    @property
    def average_hr(self) -> int | None: ...
    @property
    def raw_json(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class CountedWorkout:
    workout: LoggedSession
    load: TrainingLoad


def heart_rate_profile(user: User) -> HeartRateProfile:
    """The user's anchors, with the documented defaults for whatever they have not set."""
    rest = float(user.resting_hr) if user.resting_hr is not None else DEFAULT_REST_HR_BPM
    maximum = float(user.max_hr) if user.max_hr is not None else DEFAULT_MAX_HR_BPM
    if maximum <= rest:  # inconsistent settings: fall back rather than divide by zero or less
        rest, maximum = DEFAULT_REST_HR_BPM, DEFAULT_MAX_HR_BPM
    lthr = float(user.lthr) if user.lthr is not None and rest < user.lthr <= maximum else None
    sex = Sex.FEMALE if user.sex == Sex.FEMALE.value else Sex.MALE
    return HeartRateProfile(rest_hr_bpm=rest, max_hr_bpm=maximum, lthr_bpm=lthr, sex=sex)


def _imported_load(workout: LoggedSession) -> TrainingLoad | None:
    raw = workout.raw_json or {}
    value, method = raw.get("load"), raw.get("load_method")
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        try:
            return TrainingLoad(value=float(value), method=LoadMethod(str(method)))
        except ValueError:
            return None
    return None


def workout_load(workout: LoggedSession, profile: HeartRateProfile) -> TrainingLoad:
    imported = _imported_load(workout)
    if imported is not None:
        return imported
    hrss_value = None
    if workout.tss is None and workout.average_hr is not None and workout.duration_sec > 0:
        # One "sample" lasting the whole session: the session-average TRIMP.
        hrss_value = hrss([float(workout.average_hr)], profile=profile, sample_s=float(workout.duration_sec))
    return training_load(
        duration_s=float(workout.duration_sec), sport=workout.type, power_tss=workout.tss, hrss=hrss_value
    )


def count(workouts: Sequence[LoggedSession], user: User) -> list[CountedWorkout]:
    profile = heart_rate_profile(user)
    return [CountedWorkout(w, workout_load(w, profile)) for w in workouts]
