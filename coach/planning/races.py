"""A race as a session of the plan: how long it takes and how hard it is ridden, from its distance.

The plan counts a race's load (it is its week's hardest session) and the race-morning form is what the taper
aims at, so a race needs a duration and an intensity before it happens. Both are estimates from the rules:
the distance at a typical race speed (a typical duration without one), and the intensity factor racers hold
for that long.
"""

from __future__ import annotations

from coach.planning.model import RaceGoal
from coach.workouts import library
from coach.workouts.model import Sport, StructuredWorkout

STEP_S = library.SESSION_STEP_S
# Race speed (km/h) to estimate a race's duration from its distance; without a distance, a typical duration.
RACE_SPEED_KMH = {Sport.RIDE: 30.0, Sport.RUN: 10.5, Sport.SWIM: 3.0, Sport.STRENGTH: 1.0}
RACE_DEFAULT_S = {Sport.RIDE: 3 * 3600, Sport.RUN: 3600, Sport.SWIM: 3600, Sport.STRENGTH: 3600}


def race_duration_s(race: RaceGoal) -> int:
    """A race's duration from its distance at a typical race speed, in 5-minute units (a typical one without)."""
    seconds = race.distance_km / RACE_SPEED_KMH[race.sport] * 3600 if race.distance_km else RACE_DEFAULT_S[race.sport]
    return max(STEP_S, round(seconds / STEP_S) * STEP_S)


def race_intensity(duration_s: int) -> float:
    """The IF a race of this length is ridden at: ~1.0 for an hour, 0.05 less per further hour, 0.70…1.05.

    Coggan's race IF guidance: time trials of 40 km ~0.95–1.05, road races of 2–4 h ~0.85–0.95, longer events
    0.70–0.85.
    """
    hours = duration_s / 3600
    return min(1.05, max(0.70, 1.0 - 0.05 * (hours - 1.0)))


def race_workout(race: RaceGoal) -> StructuredWorkout:
    """The race as one block at ``race_intensity`` for ``race_duration_s``."""
    duration_s = race_duration_s(race)
    return library.race_session(race.sport, race.name, duration_s, race_intensity(duration_s))
