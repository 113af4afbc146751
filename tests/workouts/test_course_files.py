"""ERG and MRC files, read by a plain parser of their points, give back the steps, targets and exact total."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from coach.workouts.model import Step, StructuredWorkout
from coach.workouts.render.erg import render_erg
from coach.workouts.render.errors import FormatUnavailable
from coach.workouts.render.mrc import render_mrc
from coach.workouts.targets import Thresholds
from tests.workouts.readers import read_course
from tests.workouts.samples import HR_ONLY, NAMED, NESTED_VO2, POWER, SWEET_SPOT, TEMPO_RUN, workouts

RIDES = [name for name, (w, _) in NAMED.items() if w.sport.value == "ride"]


def _ends(step: Step) -> tuple[float, float]:
    return (step.start, step.end) if step.ramp else (step.mid, step.mid)


def assert_erg(workout: StructuredWorkout, ftp_w: int) -> None:
    header, columns, segments = read_course(render_erg(workout, Thresholds(ftp_w=ftp_w)))
    assert columns == "MINUTES WATTS"
    assert header["FTP"] == str(ftp_w)
    planned = list(workout.steps())
    assert [s.duration_s for s in segments] == [s.duration_s for s in planned]
    for got, step in zip(segments, planned, strict=True):
        start, end = _ends(step)
        assert got.start is not None and got.end is not None
        assert abs(got.start - start * ftp_w) <= 0.5
        assert abs(got.end - end * ftp_w) <= 0.5
    assert sum(s.duration_s for s in segments) == workout.duration_s


def assert_mrc(workout: StructuredWorkout) -> None:
    _, columns, segments = read_course(render_mrc(workout))
    assert columns == "MINUTES PERCENT"
    planned = list(workout.steps())
    assert [s.duration_s for s in segments] == [s.duration_s for s in planned]
    for got, step in zip(segments, planned, strict=True):
        start, end = _ends(step)
        assert got.start == pytest.approx(start * 100, abs=0.05 + 1e-9)
        assert got.end == pytest.approx(end * 100, abs=0.05 + 1e-9)
    assert sum(s.duration_s for s in segments) == workout.duration_s


@pytest.mark.parametrize("name", RIDES)
def test_named_rides_round_trip(name: str) -> None:
    workout, _ = NAMED[name]
    assert_erg(workout, 263)
    assert_mrc(workout)


def test_odd_seconds_survive_minutes_with_two_decimals() -> None:
    # 601 s, 299 s and 487 s are not whole hundredths of a minute; the total must still be exact.
    text = render_mrc(SWEET_SPOT)
    assert "10.02\t75" in text  # the warm-up ends at 601 s = 10.0167 min
    assert_mrc(SWEET_SPOT)
    assert_erg(NESTED_VO2, 301)


def test_erg_needs_an_ftp_and_runs_have_no_trainer_file() -> None:
    with pytest.raises(FormatUnavailable, match="needs your FTP"):
        render_erg(SWEET_SPOT, HR_ONLY)
    with pytest.raises(FormatUnavailable, match="indoor bike trainers"):
        render_mrc(TEMPO_RUN)
    with pytest.raises(FormatUnavailable, match="indoor bike trainers"):
        render_erg(TEMPO_RUN, POWER)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workouts())
def test_random_rides_round_trip(workout: StructuredWorkout) -> None:
    assert_erg(workout, 287)
    assert_mrc(workout)


def test_header_lines_stay_one_line_each() -> None:
    import dataclasses

    odd = dataclasses.replace(SWEET_SPOT, title="Two\nlines [and]\x07 a bell", description="x\r\ny")
    header, columns, _ = read_course(render_erg(odd, POWER))
    assert header["FILE NAME"] == "Two lines and a bell"
    assert header["DESCRIPTION"] == "x y"
    assert columns == "MINUTES WATTS"
