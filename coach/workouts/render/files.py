"""The workout files sent in chat: one format enum, the file name, and the dispatch to each renderer.

Every format is rendered from the same `StructuredWorkout` and the athlete's `Thresholds`, so a FIT file, a
Zwift file and a trainer file of one session always agree on steps, durations and targets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from coach.i18n import t
from coach.workouts import library
from coach.workouts.model import StructuredWorkout
from coach.workouts.render.erg import render_erg
from coach.workouts.render.errors import FormatUnavailable
from coach.workouts.render.fit import render_fit
from coach.workouts.render.mrc import render_mrc
from coach.workouts.render.zwo import render_zwo
from coach.workouts.targets import Thresholds


class FileFormat(StrEnum):
    FIT = "fit"
    ZWO = "zwo"
    ERG = "erg"
    MRC = "mrc"


MEDIA_TYPES = {
    FileFormat.FIT: "application/vnd.ant.fit",
    FileFormat.ZWO: "application/xml",
    FileFormat.ERG: "text/plain",
    FileFormat.MRC: "text/plain",
}

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class WorkoutFile:
    name: str
    data: bytes
    media_type: str


def parse_format(text: str) -> FileFormat:
    """The format the athlete typed (``fit``, ``.ZWO``…), or `FormatUnavailable` naming the ones there are."""
    try:
        return FileFormat(text.strip().lower().lstrip("."))
    except ValueError:
        allowed = ", ".join(f.value for f in FileFormat)
        raise FormatUnavailable(
            t("“{text}” is not a workout file format; choose one of {allowed}.", text=text, allowed=allowed)
        ) from None


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: safe in a file name on every device and app."""
    # Accents fall away (Ü → U); any other sign (×, –) separates words rather than joining the digits around it.
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c if c.isascii() else ("" if unicodedata.combining(c) else " ") for c in decomposed)
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-") or "workout"


def file_name(day: date, workout: StructuredWorkout, fmt: FileFormat) -> str:
    """``2026-12-08-sweet-spot-2x20.fit``: the day and the session's key, so files sort by date."""
    return f"{day.isoformat()}-{slug(workout.key)}.{fmt.value}"


def render_file(
    workout: StructuredWorkout, thresholds: Thresholds, fmt: FileFormat, *, day: date, created: datetime
) -> WorkoutFile:
    """The session of ``day`` as a file; `FormatUnavailable` when the format cannot carry it for this athlete.

    Its name, description and step cues are in the athlete's language (`library.localized`); the file name keeps
    the session's key."""
    workout = library.localized(workout)
    if fmt is FileFormat.FIT:
        data = render_fit(workout, thresholds, created=created)
    elif fmt is FileFormat.ZWO:
        data = render_zwo(workout).encode()
    elif fmt is FileFormat.ERG:
        data = render_erg(workout, thresholds).encode()
    else:
        data = render_mrc(workout).encode()
    return WorkoutFile(name=file_name(day, workout, fmt), data=data, media_type=MEDIA_TYPES[fmt])
