"""Renderers: one structured workout, many formats (FIT, ZWO, ERG, MRC, Intervals.icu text)."""

from coach.workouts.render.errors import FormatUnavailable
from coach.workouts.render.files import FileFormat, WorkoutFile, file_name, parse_format, render_file
from coach.workouts.render.intervals_text import ACTIVITY_TYPES, render_intervals_text

__all__ = [
    "ACTIVITY_TYPES",
    "FileFormat",
    "FormatUnavailable",
    "WorkoutFile",
    "file_name",
    "parse_format",
    "render_file",
    "render_intervals_text",
]
