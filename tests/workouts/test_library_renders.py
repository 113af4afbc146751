"""Every session the library can build renders in every format it has, and each reads back as planned."""

from __future__ import annotations

import pytest

from coach.workouts import library
from coach.workouts.model import Sport, StructuredWorkout, WorkoutKind
from coach.workouts.render.errors import FormatUnavailable
from coach.workouts.render.zwo import render_zwo
from coach.workouts.targets import Thresholds
from tests.workouts import test_course_files, test_fit, test_intervals_text, test_zwo

ATHLETE = Thresholds(ftp_w=241, lthr_bpm=167, threshold_pace_s_per_km=262.0, has_power_meter=True)


def _sessions() -> list[StructuredWorkout]:
    out: list[StructuredWorkout] = []
    for family in library.FAMILIES_BY_SLUG.values():
        for interval_set in family.sets:
            base = interval_set.duration_s + library.WARMUP_S + library.COOLDOWN_S
            for duration_s in (base, base + 607, base + 3600 + 13):
                workout = library.interval_session(family, duration_s, interval_set=interval_set)
                if workout is not None:
                    out.append(workout)
    for sport in Sport:
        for kind in (WorkoutKind.RECOVERY, WorkoutKind.ENDURANCE, WorkoutKind.LONG):
            workout = library.steady_session(sport, kind, 75 * 60 + 31)
            if workout is not None:
                out.append(workout)
    return out


SESSIONS = _sessions()


def test_the_library_is_covered() -> None:
    assert len({w.key.split("-")[0] for w in SESSIONS}) >= 5
    assert any(w.sport is Sport.RUN for w in SESSIONS)


@pytest.mark.parametrize("workout", SESSIONS, ids=[f"{w.key}-{w.duration_s}" for w in SESSIONS])
def test_library_session_round_trips(workout: StructuredWorkout) -> None:
    test_fit.assert_round_trip(workout, ATHLETE)
    test_intervals_text.assert_round_trip(workout, ATHLETE)
    if workout.sport in (Sport.RIDE, Sport.RUN):
        test_zwo.assert_round_trip(workout)
    else:
        with pytest.raises(FormatUnavailable):
            render_zwo(workout)
    if workout.sport is Sport.RIDE:
        test_course_files.assert_erg(workout, ATHLETE.ftp_w or 0)
        test_course_files.assert_mrc(workout)
