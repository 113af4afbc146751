"""The workout library: every session fills its time to the second, with the sets a coach would write."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.workouts import library
from coach.workouts.library import Easing, build, easier, minimum_duration_s
from coach.workouts.model import Repeat, Sport, WorkoutKind

KINDS = [
    (Sport.RIDE, WorkoutKind.RECOVERY),
    (Sport.RIDE, WorkoutKind.ENDURANCE),
    (Sport.RIDE, WorkoutKind.LONG),
    (Sport.RIDE, WorkoutKind.TEMPO),
    (Sport.RIDE, WorkoutKind.SWEET_SPOT),
    (Sport.RIDE, WorkoutKind.THRESHOLD),
    (Sport.RIDE, WorkoutKind.VO2MAX),
    (Sport.RIDE, WorkoutKind.ANAEROBIC),
    (Sport.RIDE, WorkoutKind.SPRINTS),
    (Sport.RUN, WorkoutKind.ENDURANCE),
    (Sport.RUN, WorkoutKind.LONG),
    (Sport.RUN, WorkoutKind.TEMPO),
    (Sport.RUN, WorkoutKind.THRESHOLD),
    (Sport.RUN, WorkoutKind.VO2MAX),
    (Sport.RUN, WorkoutKind.STRIDES),
    (Sport.SWIM, WorkoutKind.ENDURANCE),
    (Sport.SWIM, WorkoutKind.THRESHOLD),
    (Sport.SWIM, WorkoutKind.TECHNIQUE),
    (Sport.STRENGTH, WorkoutKind.STRENGTH),
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(KINDS), st.integers(min_value=0, max_value=6 * 3600))
def test_a_session_lasts_exactly_what_was_asked_or_is_not_made(kind: tuple, duration_s: int) -> None:
    sport, workout_kind = kind
    workout = build(workout_kind, sport, duration_s)
    if duration_s < minimum_duration_s(workout_kind, sport):
        assert workout is None
    else:
        assert workout is not None
        assert workout.duration_s == duration_s
        assert workout.sport is sport


@pytest.mark.parametrize(
    ("kind", "duration_min", "key"),
    [
        (WorkoutKind.SWEET_SPOT, 75, "sweet-spot-2x20"),
        (WorkoutKind.SWEET_SPOT, 120, "sweet-spot-3x20"),
        (WorkoutKind.SWEET_SPOT, 60, "sweet-spot-2x15"),
        (WorkoutKind.THRESHOLD, 75, "threshold-2x20"),
        (WorkoutKind.VO2MAX, 60, "vo2max-5x4"),
        (WorkoutKind.ANAEROBIC, 45, "anaerobic-8x1"),
        (WorkoutKind.SPRINTS, 90, "sprints-3x4x15s"),
    ],
)
def test_the_largest_classic_set_that_fits(kind: WorkoutKind, duration_min: int, key: str) -> None:
    workout = build(kind, Sport.RIDE, duration_min * 60)
    assert workout is not None and workout.key == key


def test_sweet_spot_two_by_twenty_is_written_as_a_coach_would() -> None:
    workout = build(WorkoutKind.SWEET_SPOT, Sport.RIDE, 75 * 60)
    assert workout is not None
    warmup, main, *_rest = workout.blocks
    assert isinstance(main, Repeat) and main.count == 2
    on, off = main.blocks
    assert (on.duration_s, on.low, on.high) == (1200, 0.88, 0.94)
    assert off.duration_s == 300 and off.high <= 0.55
    assert warmup.ramp and warmup.duration_s == 15 * 60
    # Σ minutes × IF² (ramps: (a² + ab + b²)/3): warm-up 15 × 0.3958, 40 × 0.91², 10 × 0.525², filler
    # 5 × 0.66², cool-down 5 × 0.2775 = 45.38 "minutes at FTP" → 75.6 TSS (Coggan: h × IF² × 100).
    assert workout.planned_tss == pytest.approx(75.64, abs=0.01)


def test_sprints_and_over_unders_nest_their_sets() -> None:
    sprints = build(WorkoutKind.SPRINTS, Sport.RIDE, 90 * 60)
    over_unders = build(WorkoutKind.THRESHOLD, Sport.RIDE, 90 * 60, variant="over-unders")
    for workout in (sprints, over_unders):
        assert workout is not None
        outer = next(b for b in workout.blocks if isinstance(b, Repeat))
        assert isinstance(outer.blocks[0], Repeat)
    assert over_unders is not None and over_unders.key == "over-unders-3x4x2+1"


def test_easier_variants() -> None:
    vo2 = build(WorkoutKind.VO2MAX, Sport.RIDE, 75 * 60)
    assert vo2 is not None and vo2.key == "vo2max-5x4"
    fewer = easier(vo2, Easing.FEWER_REPEATS)
    assert fewer is not None and fewer.key == "vo2max-4x4" and fewer.title == "VO2max 4 × 4 min"
    assert fewer.duration_s == vo2.duration_s - 8 * 60
    endurance = easier(vo2, Easing.ENDURANCE)
    assert endurance is not None and endurance.kind is WorkoutKind.ENDURANCE
    assert endurance.duration_s == vo2.duration_s
    recovery = easier(vo2, Easing.ACTIVE_RECOVERY)
    assert recovery is not None and recovery.kind is WorkoutKind.RECOVERY
    assert recovery.duration_s == library.ACTIVE_RECOVERY_MAX_S
    assert max(step.high for step in recovery.steps()) <= 0.55
    assert easier(vo2, Easing.REST) is None
    long_ride = build(WorkoutKind.LONG, Sport.RIDE, 180 * 60)
    assert long_ride is not None
    shorter = easier(long_ride, Easing.FEWER_REPEATS)
    assert shorter is not None and shorter.duration_s == 120 * 60
