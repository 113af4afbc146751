"""Zwift files parsed by xml.etree give back the planned steps, durations and FTP fractions."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from coach.workouts.model import Sport, StructuredWorkout, WorkoutKind
from coach.workouts.render.errors import FormatUnavailable
from coach.workouts.render.zwo import render_zwo
from tests.workouts.readers import read_zwo
from tests.workouts.samples import NAMED, NESTED_VO2, SWEET_SPOT, TEMPO_RUN, shown, workouts


def assert_round_trip(workout: StructuredWorkout) -> None:
    root, steps = read_zwo(render_zwo(workout))
    assert root.findtext("name") == shown(workout.title)
    assert root.findtext("sportType") == {Sport.RIDE: "bike", Sport.RUN: "run"}[workout.sport]
    planned = list(workout.steps())
    assert len(steps) == len(planned)
    for got, step in zip(steps, planned, strict=True):
        assert got.duration_s == step.duration_s
        # Zwift holds one power in a steady step (the middle of the range); a ramp runs start → end.
        start, end = (step.start, step.end) if step.ramp else (step.mid, step.mid)
        assert got.start == pytest.approx(start, abs=5e-5)
        assert got.end == pytest.approx(end, abs=5e-5)
        assert got.ramp == step.ramp
    assert sum(s.duration_s for s in steps) == workout.duration_s


@pytest.mark.parametrize("name", list(NAMED))
def test_named_sessions_round_trip(name: str) -> None:
    assert_round_trip(NAMED[name][0])


def test_on_off_repeats_are_intervals_and_ramps_are_warmup_and_cooldown() -> None:
    root, _ = read_zwo(render_zwo(SWEET_SPOT))
    body = root.find("workout")
    assert body is not None
    assert [e.tag for e in body] == ["Warmup", "IntervalsT", "Cooldown"]
    warmup, intervals, cooldown = body
    assert (warmup.get("PowerLow"), warmup.get("PowerHigh"), warmup.get("Cadence")) == ("0.5", "0.75", "90")
    assert (intervals.get("Repeat"), intervals.get("OnDuration"), intervals.get("OffDuration")) == ("2", "1200", "299")
    assert (cooldown.get("PowerLow"), cooldown.get("PowerHigh")) == ("0.6", "0.4")  # start → end, as Zwift writes
    assert warmup.find("textevent").get("message") == "Settle in"  # type: ignore[union-attr]
    # The description's & and < > are escaped: the file parsed.
    assert root.findtext("description") == SWEET_SPOT.description


def test_nested_repeats_unroll_the_outer_level_around_intervals() -> None:
    root, _ = read_zwo(render_zwo(NESTED_VO2))
    body = root.find("workout")
    assert body is not None
    tags = [e.tag for e in body]
    one_set = ["IntervalsT", "SteadyState", "SteadyState"]
    assert tags == ["Warmup", *one_set, *one_set, "Cooldown"]


def test_runs_name_the_pace_they_scale() -> None:
    root, _ = read_zwo(render_zwo(TEMPO_RUN))
    body = root.find("workout")
    assert body is not None
    assert {e.get("pace") for e in body} == {"3"}


def test_swims_have_no_zwift_file() -> None:
    swim = StructuredWorkout("swim", Sport.SWIM, WorkoutKind.TECHNIQUE, "Drills", SWEET_SPOT.blocks)
    with pytest.raises(FormatUnavailable, match="rides or runs"):
        render_zwo(swim)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workouts())
def test_random_workouts_round_trip(workout: StructuredWorkout) -> None:
    assert_round_trip(workout)
