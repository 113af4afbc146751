"""Intervals.icu workout text, read by a parser written from the documented syntax, gives back the session."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from coach.workouts.model import Sport, StructuredWorkout
from coach.workouts.render.intervals_text import cue_text, render_intervals_text
from coach.workouts.targets import TargetKind, Thresholds, lthr_fraction, target_kind
from tests.workouts.readers import parse_workout_text
from tests.workouts.samples import HR_ENDURANCE, HR_ONLY, NAMED, NESTED_VO2, POWER, SWEET_SPOT, TEMPO_RUN, workouts

UNIT = {TargetKind.POWER: "FTP", TargetKind.HEART_RATE: "LTHR", TargetKind.PACE: "Pace"}


def assert_round_trip(workout: StructuredWorkout, thresholds: Thresholds) -> None:
    text = render_intervals_text(workout, thresholds)
    steps = parse_workout_text(text)
    planned = list(workout.steps())
    assert len(steps) == len(planned), text
    kind = target_kind(workout.sport, thresholds)
    for got, step in zip(steps, planned, strict=True):
        assert got.duration_s == step.duration_s
        assert got.cadence_rpm == step.cadence_rpm
        if kind is TargetKind.OPEN:  # an effort-only step: duration (and cadence), no target to ramp
            assert got.start is None
            continue
        assert got.ramp == step.ramp
        assert got.unit == UNIT[kind]
        start, end = step.start, step.end
        if kind is TargetKind.HEART_RATE:
            start, end = lthr_fraction(start), lthr_fraction(end)
        assert got.start is not None and got.end is not None
        assert abs(got.start - start * 100) <= 0.5  # whole percent
        assert abs(got.end - end * 100) <= 0.5
    assert sum(s.duration_s for s in steps) == workout.duration_s


@pytest.mark.parametrize("name", list(NAMED))
def test_named_sessions_round_trip(name: str) -> None:
    assert_round_trip(*NAMED[name])


def test_power_ride_reads_like_the_documented_examples() -> None:
    assert render_intervals_text(SWEET_SPOT, POWER) == (
        "Warmup\n- Settle in 10m1s ramp 50-75% 90rpm\n\n"
        "Main set 2x\n- Hold steady 20m 88-93%\n- 4m59s 55%\n\n"
        "Cooldown\n- 8m7s ramp 60-40%\n"
    )


def test_heart_rate_ride_and_pace_run_use_their_units() -> None:
    assert "% LTHR" in render_intervals_text(HR_ENDURANCE, HR_ONLY)
    assert "%\n" not in render_intervals_text(HR_ENDURANCE, HR_ONLY)
    run = render_intervals_text(TEMPO_RUN, Thresholds(threshold_pace_s_per_km=250.0))
    assert "- 8m 88-92% Pace" in run


def test_nested_repeats_are_unrolled_around_the_inner_sets() -> None:
    text = render_intervals_text(NESTED_VO2, POWER)
    assert text.count("Main set 6x") == 2
    assert "2x" not in text
    assert_round_trip(NESTED_VO2, POWER)


@pytest.mark.parametrize(
    ("cue", "kept"),
    [("Settle in", "Settle in"), ("Sprint 30s at 150%", "Sprint at"), ("Z2 ramp 5m", ""), ("Go!", "Go!")],
)
def test_cues_keep_only_words_that_cannot_change_the_step(cue: str, kept: str) -> None:
    assert cue_text(cue) == kept


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workouts())
def test_random_rides_round_trip(workout: StructuredWorkout) -> None:
    assert_round_trip(workout, POWER)
    assert_round_trip(workout, HR_ONLY)
    assert_round_trip(workout, Thresholds())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workouts(sport=Sport.RUN))
def test_random_runs_round_trip(workout: StructuredWorkout) -> None:
    assert_round_trip(workout, Thresholds(threshold_pace_s_per_km=280.0))


def test_every_sport_has_an_activity_type_the_calendar_accepts() -> None:
    from coach.workouts.render import ACTIVITY_TYPES
    from tests.fakes.providers.intervals import KNOWN_TYPES

    assert set(ACTIVITY_TYPES) == set(Sport)
    assert set(ACTIVITY_TYPES.values()) <= KNOWN_TYPES
