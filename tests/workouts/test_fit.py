"""FIT workout files decoded by fitdecode (CRC checked) give back the planned steps, durations and targets."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from coach.workouts.model import Sport, Step, StructuredWorkout
from coach.workouts.render.fit import render_fit
from coach.workouts.targets import TargetKind, Thresholds, lthr_fraction, target_kind
from tests.workouts.readers import read_fit
from tests.workouts.samples import NAMED, NESTED_VO2, POWER, SWEET_SPOT, TEMPO_RUN, shown, workouts

CREATED = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)


def _expected_range(step: Step, kind: TargetKind, t: Thresholds) -> tuple[float, float]:
    """The step's range in absolute units, straight from the thresholds (low, high sorted: FIT has no ramps)."""
    low, high = sorted((step.low, step.high))
    if kind is TargetKind.POWER:
        assert t.ftp_w
        return low * t.ftp_w, high * t.ftp_w
    if kind is TargetKind.HEART_RATE:
        assert t.lthr_bpm
        return lthr_fraction(low) * t.lthr_bpm, lthr_fraction(high) * t.lthr_bpm
    assert t.threshold_pace_s_per_km
    return low * 1000 / t.threshold_pace_s_per_km, high * 1000 / t.threshold_pace_s_per_km


def assert_round_trip(workout: StructuredWorkout, thresholds: Thresholds) -> None:
    fit = read_fit(render_fit(workout, thresholds, created=CREATED))
    assert fit.file_id["type"] == "workout"
    name, title = fit.workout["wkt_name"], shown(workout.title)
    assert name == title or (title.startswith(name) and len(title.encode()) > 254)
    assert fit.workout["num_valid_steps"] == len(fit.steps)
    assert [s["message_index"] for s in fit.steps] == list(range(len(fit.steps)))
    executed = fit.executed()
    planned = list(workout.steps())
    assert len(executed) == len(planned)
    kind = target_kind(workout.sport, thresholds)
    for got, step in zip(executed, planned, strict=True):
        assert got["duration_type"] == "time"
        assert got["duration_time"] == step.duration_s
        assert got["intensity"] == step.intensity.value
        if kind is TargetKind.OPEN:
            assert got["target_type"] in ("open", "cadence")
            continue
        low, high = _expected_range(step, kind, thresholds)
        if kind is TargetKind.POWER:
            assert got["target_type"] == "power"
            # Decoders show the raw custom power: watts + 1000.
            assert abs(got["custom_target_power_low"] - 1000 - low) <= 0.5
            assert abs(got["custom_target_power_high"] - 1000 - high) <= 0.5
        elif kind is TargetKind.HEART_RATE:
            assert got["target_type"] == "heart_rate"
            assert abs(got["custom_target_heart_rate_low"] - 100 - low) <= 0.5
            assert abs(got["custom_target_heart_rate_high"] - 100 - high) <= 0.5
        else:
            assert got["target_type"] == "speed"
            assert got["custom_target_speed_low"] == pytest.approx(low, abs=0.0005)
            assert got["custom_target_speed_high"] == pytest.approx(high, abs=0.0005)
        if step.cadence_rpm is not None:
            assert got["secondary_target_type"] == "cadence"
            assert got["secondary_custom_target_cadence_low"] == step.cadence_rpm
    assert sum(s["duration_time"] for s in executed) == workout.duration_s


@pytest.mark.parametrize("name", list(NAMED))
def test_named_sessions_round_trip(name: str) -> None:
    workout, thresholds = NAMED[name]
    assert_round_trip(workout, thresholds)


def test_power_targets_are_watts_plus_1000_and_repeats_jump_back() -> None:
    fit = read_fit(render_fit(SWEET_SPOT, POWER, created=CREATED))
    warmup, on, _off, repeat, cooldown = fit.steps
    assert (warmup["custom_target_power_low"], warmup["custom_target_power_high"]) == (1132, 1197)  # 132-197 W
    assert (on["custom_target_power_low"], on["custom_target_power_high"]) == (1231, 1245)
    assert repeat["duration_type"] == "repeat_until_steps_cmplt"
    assert (repeat["duration_step"], repeat["repeat_steps"]) == (1, 2)
    assert "Ramp 158 → 105 W" in cooldown["notes"]  # a descending ramp keeps its direction in the notes
    assert fit.workout["sport"] == "cycling"
    assert fit.file_id["time_created"] == CREATED


def test_run_is_running_with_speed_targets() -> None:
    fit = read_fit(render_fit(TEMPO_RUN, Thresholds(threshold_pace_s_per_km=250.0), created=CREATED))
    assert fit.workout["sport"] == "running"
    work = fit.steps[1]
    assert work["target_type"] == "speed"
    assert work["custom_target_speed_low"] == pytest.approx(0.88 * 4.0)  # 4 m/s is 4:10 /km


def test_nested_repeats_keep_the_inner_sets_as_repeat_steps() -> None:
    fit = read_fit(render_fit(NESTED_VO2, POWER, created=CREATED))
    repeats = [s for s in fit.steps if s["duration_type"] == "repeat_until_steps_cmplt"]
    assert [(r["repeat_steps"]) for r in repeats] == [6, 6]  # the outer ×2 is written out around them
    assert len(fit.executed()) == len(list(NESTED_VO2.steps()))


def test_the_same_session_makes_the_same_file() -> None:
    assert render_fit(SWEET_SPOT, POWER, created=CREATED) == render_fit(SWEET_SPOT, POWER, created=CREATED)


def test_a_naive_creation_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        render_fit(SWEET_SPOT, POWER, created=datetime(2026, 12, 7))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workouts())
def test_random_rides_round_trip(workout: StructuredWorkout) -> None:
    assert_round_trip(workout, POWER)
    assert_round_trip(workout, Thresholds(lthr_bpm=160, has_power_meter=False))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workouts(sport=Sport.RUN))
def test_random_runs_round_trip(workout: StructuredWorkout) -> None:
    assert_round_trip(workout, Thresholds(threshold_pace_s_per_km=300.0))


def test_long_texts_are_cut_to_what_a_fit_string_holds() -> None:
    long_cue = Step(60, SWEET_SPOT.blocks[0].intensity, 0.5, 0.6, cue="Spin easy and think of nothing " * 12)  # type: ignore[union-attr]
    workout = dataclasses.replace(
        SWEET_SPOT, title="Über " * 80, description="d" * 400, blocks=(*SWEET_SPOT.blocks, long_cue)
    )
    fit = read_fit(render_fit(workout, POWER, created=CREATED))
    assert workout.title.startswith(fit.workout["wkt_name"])
    assert len(fit.workout["wkt_name"].encode()) <= 254  # 255 bytes with the terminating zero
    assert len(fit.workout["wkt_description"].encode()) <= 254
    assert long_cue.cue.startswith(fit.steps[-1]["wkt_step_name"])
    assert_round_trip(workout, POWER)
