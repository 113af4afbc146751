"""A planned session as a workout file: the service behind ``/workout [day] [format]``.

The session is the day's row of the plan (`coach.plans`), rendered in the athlete's *current* units (their
thresholds today, not when it was planned) by `coach.workouts.render`, the same renderers every format shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from coach.daily import local_today
from coach.plans import targets_for, workout_of
from coach.workouts import library
from coach.workouts.render import FileFormat, WorkoutFile, parse_format, render_file
from db.models import User
from db.repositories import plans

DEFAULT_FORMAT = FileFormat.FIT
DAY_WORDS = {"today": 0, "tomorrow": 1}


class BadRequest(ValueError):
    """A word of ``/workout`` that is neither a day nor a file format."""

    def __init__(self, word: str) -> None:
        super().__init__(f"{word!r} is neither a day nor a workout file format")
        self.word = word


class NoSession(LookupError):
    """No session to send on ``day`` (a rest day, a skipped session, or no plan)."""

    def __init__(self, day: date) -> None:
        super().__init__(f"no session on {day}")
        self.day = day


@dataclass(frozen=True, slots=True)
class WorkoutRequest:
    day: date
    fmt: FileFormat


@dataclass(frozen=True, slots=True)
class SessionFile:
    day: date
    title: str
    duration_s: int
    fmt: FileFormat
    file: WorkoutFile


def parse_request(words: Sequence[str], *, today: date) -> WorkoutRequest:
    """``[YYYY-MM-DD|today|tomorrow] [zwo|fit|erg|mrc]`` in either order; today and FIT when left out."""
    day: date | None = None
    fmt: FileFormat | None = None
    for word in words:
        lowered = word.strip().lower()
        if day is None and lowered in DAY_WORDS:
            day = today + timedelta(days=DAY_WORDS[lowered])
            continue
        if day is None:
            try:
                day = date.fromisoformat(lowered)
                continue
            except ValueError:
                pass
        if fmt is None and lowered.lstrip(".") in {f.value for f in FileFormat}:
            fmt = parse_format(lowered)
            continue
        raise BadRequest(word)
    return WorkoutRequest(day or today, fmt or DEFAULT_FORMAT)


async def session_file(session: AsyncSession, user: User, *, words: Sequence[str], now: datetime) -> SessionFile:
    """The file of the asked day's session: `BadRequest`, `NoSession`, or the renderer's `FormatUnavailable`."""
    request = parse_request(words, today=local_today(user, now))
    rows = await plans.sessions_between(session, user_id=user.id, start=request.day, end=request.day)
    row = next((r for r in rows if r.status != "skipped"), None)
    if row is None:
        raise NoSession(request.day)
    plan = await plans.active(session, user_id=user.id)
    thresholds = targets_for(user, plan).thresholds.thresholds
    workout = workout_of(row)
    rendered = render_file(workout, thresholds, request.fmt, day=row.date, created=now)
    return SessionFile(
        day=row.date, title=library.title_text(workout), duration_s=workout.duration_s, fmt=request.fmt, file=rendered
    )
