"""ERG files: absolute watts over minutes, for a trainer that holds the rider's power (TrainerRoad, SYSTM, GC).

An ERG file is "watts for one FTP": the ``FTP =`` header lets GoldenCheetah rescale it if the rider's FTP has
changed since; apps that ignore it ride the watts as written, which are the ones we planned.
"""

from __future__ import annotations

from coach.i18n import t
from coach.workouts.model import StructuredWorkout
from coach.workouts.render.course import course_file, course_points, header_text
from coach.workouts.render.errors import FormatUnavailable
from coach.workouts.targets import Thresholds


def render_erg(workout: StructuredWorkout, thresholds: Thresholds) -> str:
    ftp_w = thresholds.ftp_w
    if not ftp_w:
        raise FormatUnavailable(
            t(
                "An ERG file needs your FTP to give watts; set it in /settings, or use the MRC file, "
                "which your trainer app scales to its own FTP."
            )
        )
    points = course_points(workout, lambda fraction: round(fraction * ftp_w))
    header = [
        f"DESCRIPTION = {header_text(workout.description or workout.title)}",
        f"FILE NAME = {header_text(workout.title)}",
        f"FTP = {ftp_w}",
    ]
    return course_file(header=header, columns="MINUTES WATTS", points=points, value=lambda w: str(round(w)))
