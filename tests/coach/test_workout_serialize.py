"""A structured workout survives JSON (and PostgreSQL's JSONB) unchanged; broken stored data is refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.workouts.model import Block, Repeat, Sport, Step, StepIntensity, StructuredWorkout, WorkoutKind
from coach.workouts.serialize import blocks_from_json, workout_from_json, workout_to_json

SWEET_SPOT = StructuredWorkout(
    key="sweet-spot-2x20",
    sport=Sport.RIDE,
    kind=WorkoutKind.SWEET_SPOT,
    title="Sweet spot 2 × 20 min",
    description="Two long efforts just under threshold.",
    blocks=(
        Step(600, StepIntensity.WARMUP, 0.50, 0.75, ramp=True, cue="Settle in"),
        Repeat(
            2,
            (
                Step(1200, StepIntensity.ACTIVE, 0.88, 0.93, cadence_rpm=90),
                Step(300, StepIntensity.RECOVERY, 0.50, 0.55),
            ),
        ),
        Step(480, StepIntensity.COOLDOWN, 0.60, 0.40, ramp=True),
    ),
)


def test_example_round_trip_keeps_every_field_and_the_numbers() -> None:
    data = workout_to_json(SWEET_SPOT)
    assert data["blocks"][1] == {
        "repeat": 2,
        "blocks": [
            {"duration_s": 1200, "intensity": "active", "low": 0.88, "high": 0.93, "cadence_rpm": 90},
            {"duration_s": 300, "intensity": "recovery", "low": 0.50, "high": 0.55},
        ],
    }
    back = workout_from_json(json.loads(json.dumps(data)))
    assert back == SWEET_SPOT
    assert back.duration_s == SWEET_SPOT.duration_s == 600 + 2 * 1500 + 480
    assert back.planned_tss == pytest.approx(SWEET_SPOT.planned_tss)


_fraction = st.floats(min_value=0.3, max_value=2.0, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def _steps(draw: st.DrawFn) -> Step:
    a, b = draw(_fraction), draw(_fraction)
    ramp = draw(st.booleans())
    low, high = (a, b) if ramp else (min(a, b), max(a, b))
    return Step(
        duration_s=draw(st.integers(1, 7200)),
        intensity=draw(st.sampled_from(StepIntensity)),
        low=low,
        high=high,
        ramp=ramp,
        cue=draw(st.text(max_size=20)),
        cadence_rpm=draw(st.none() | st.integers(40, 130)),
    )


_blocks: st.SearchStrategy[Block] = st.recursive(
    _steps(),
    lambda inner: st.builds(Repeat, st.integers(1, 12), st.lists(inner, min_size=1, max_size=4).map(tuple)),
    max_leaves=12,
)


@given(
    blocks=st.lists(_blocks, min_size=1, max_size=6).map(tuple),
    sport=st.sampled_from(Sport),
    kind=st.sampled_from(WorkoutKind),
    title=st.text(min_size=1, max_size=40),
)
def test_any_workout_round_trips_through_json_text(
    blocks: tuple[Block, ...], sport: Sport, kind: WorkoutKind, title: str
) -> None:
    workout = StructuredWorkout(key="k", sport=sport, kind=kind, title=title, blocks=blocks)
    assert workout_from_json(json.loads(json.dumps(workout_to_json(workout)))) == workout


@pytest.mark.parametrize(
    "stored",
    [
        [{"duration_s": 0, "intensity": "active", "low": 0.5, "high": 0.6}],
        [{"duration_s": 60, "intensity": "active", "low": 0.5, "high": 3.5}],
        [{"duration_s": 60, "intensity": "sprinting", "low": 0.5, "high": 0.6}],
        [{"duration_s": 60.5, "intensity": "active", "low": 0.5, "high": 0.6}],
        [{"duration_s": 60, "intensity": "active", "low": "0.5", "high": 0.6}],
        [{"duration_s": 60, "intensity": "active", "low": 0.5}],
        [{"repeat": 0, "blocks": [{"duration_s": 60, "intensity": "active", "low": 0.5, "high": 0.6}]}],
        [{"repeat": 2, "blocks": []}],
        {"duration_s": 60},
    ],
)
def test_broken_stored_steps_are_refused(stored: object) -> None:
    with pytest.raises(ValueError):
        blocks_from_json(stored)  # type: ignore[arg-type]
