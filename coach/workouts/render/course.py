"""ERG and MRC course files: the shared writer of ``[COURSE HEADER]`` / ``[COURSE DATA]`` text.

Points are ``minutes<TAB>value``, joined by straight lines by every reader (GoldenCheetah's ErgFile, TrainerRoad,
Wahoo SYSTM): a steady step is two points at the same value, a ramp two points at its start and end values, a
change of target two points at the same minute. Minutes are written with two decimals at each point's
*cumulative* time, so no error adds up: 0.01 min is 0.6 s, every point is within 0.3 s of its second, and a
reader that rounds to the second gets every step and the total back exactly.

Trainer apps hold one value per moment, so a steady step is written at the middle of its range.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from coach.i18n import N_, t
from coach.workouts.model import Sport, StructuredWorkout
from coach.workouts.render.errors import FormatUnavailable
from coach.workouts.render.labels import plain_text

Point = tuple[int, float]  # (seconds from the start, value)

# One whole sentence per sport, so each language can name the session its own way.
_NOT_A_RIDE = {
    Sport.RUN: N_(
        "ERG and MRC files are for indoor bike trainers; for a run session use the FIT file or the Intervals.icu "
        "calendar."
    ),
    Sport.SWIM: N_(
        "ERG and MRC files are for indoor bike trainers; for a swim session use the FIT file or the Intervals.icu "
        "calendar."
    ),
    Sport.STRENGTH: N_(
        "ERG and MRC files are for indoor bike trainers; for a strength session use the FIT file or the "
        "Intervals.icu calendar."
    ),
}


def course_points(workout: StructuredWorkout, value_of: Callable[[float], float]) -> list[Point]:
    """Two points per step, repeats written out; ``value_of`` turns a fraction of FTP into the file's unit."""
    if workout.sport is not Sport.RIDE:
        raise FormatUnavailable(t(_NOT_A_RIDE[workout.sport]))
    points: list[Point] = []
    elapsed_s = 0
    for step in workout.steps():
        start, end = (step.start, step.end) if step.ramp else (step.mid, step.mid)
        points.append((elapsed_s, value_of(start)))
        elapsed_s += step.duration_s
        points.append((elapsed_s, value_of(end)))
    return points


def minutes(seconds: int) -> str:
    return f"{seconds / 60:.2f}"


def course_file(*, header: Iterable[str], columns: str, points: list[Point], value: Callable[[float], str]) -> str:
    lines = ["[COURSE HEADER]", "VERSION = 2", "UNITS = ENGLISH", *header, columns, "[END COURSE HEADER]"]
    lines.append("[COURSE DATA]")
    lines.extend(f"{minutes(at_s)}\t{value(v)}" for at_s, v in points)
    lines.append("[END COURSE DATA]")
    return "\r\n".join(lines) + "\r\n"


def header_text(text: str) -> str:
    """A header value on one line: the format has no escaping, so line breaks and '[' become spaces."""
    return " ".join(plain_text(text).replace("[", " ").replace("]", " ").split())
