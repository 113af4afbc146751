"""MRC files: percent of FTP over minutes; the trainer app applies the rider's own FTP.

The better file for a rider whose FTP in the app differs from ours, or who has none set with us.
"""

from __future__ import annotations

from coach.workouts.model import StructuredWorkout
from coach.workouts.render.course import course_file, course_points, header_text


def percent(value: float) -> str:
    """Percent of FTP to one decimal (0.1 % is a quarter of a watt at 250 W)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text or "0"


def render_mrc(workout: StructuredWorkout) -> str:
    points = course_points(workout, lambda fraction: fraction * 100.0)
    header = [
        f"DESCRIPTION = {header_text(workout.description or workout.title)}",
        f"FILE NAME = {header_text(workout.title)}",
    ]
    return course_file(header=header, columns="MINUTES PERCENT", points=points, value=percent)
