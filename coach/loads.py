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

from coach.science.heart_rate import HeartRateProfile, Sex, profile_from_settings
from coach.science.load import TrainingLoad, session_load
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
    return profile_from_settings(
        rest_hr_bpm=user.resting_hr, max_hr_bpm=user.max_hr, lthr_bpm=user.lthr, female=user.sex == Sex.FEMALE.value
    )


def workout_load(workout: LoggedSession, profile: HeartRateProfile) -> TrainingLoad:
    return session_load(
        duration_s=workout.duration_sec,
        sport=workout.type,
        tss=workout.tss,
        average_hr=workout.average_hr,
        raw_json=workout.raw_json,
        profile=profile,
    )


def count(workouts: Sequence[LoggedSession], user: User) -> list[CountedWorkout]:
    profile = heart_rate_profile(user)
    return [CountedWorkout(w, workout_load(w, profile)) for w in workouts]
