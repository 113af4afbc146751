"""The planned sessions of the next fortnight as Intervals.icu calendar events: the preview and what is written.

One function makes both, so the preview the athlete confirms and the events the calendar job writes are the
same list. Event names and step cues are in the athlete's language (their own, whoever asks: the preview and
the job write the same text); the workout text's syntax (durations, targets, ``Warmup``, ``Main set 3x``) is
Intervals.icu's and stays as it parses. Targets are written as percentages of the athlete's thresholds
(`render_intervals_text`), so an FTP change alone rewrites nothing; the athlete's units still decide *which*
target a session has (power, heart rate, pace), and any change of the rendered text is caught by comparing it
with the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from coach import i18n
from coach.plans import targets_for, workout_of
from coach.workouts import library
from coach.workouts.render import ACTIVITY_TYPES, render_intervals_text
from db.models import User
from db.repositories import plans

WINDOW_DAYS = 14
EXTERNAL_ID_PREFIX = "cw-"
# Sessions that belong on the calendar: to do, or done (Intervals.icu pairs the activity with its event).
# Skipped and missed ones are removed; a replaced one gives way to its replacement.
ON_CALENDAR = ("planned", "done", "partial")


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """One session as its calendar event: ``sport`` is an Intervals.icu type, ``text`` its workout text."""

    external_id: str
    session_id: str
    day: date
    sport: str
    name: str
    text: str
    load: int
    duration_s: int


def window(today: date) -> tuple[date, date]:
    """The days written: today and the 13 after it."""
    return today, today + timedelta(days=WINDOW_DAYS - 1)


def external_id(session_id: str) -> str:
    return f"{EXTERNAL_ID_PREFIX}{session_id}"


async def planned_events(session: AsyncSession, user: User, *, today: date) -> list[PlannedEvent]:
    """The athlete's sessions in the window, rendered as events, in day order."""
    first, last = window(today)
    rows = [r for r in await plans.sessions_between(session, user_id=user.id, start=first, end=last)]
    rows = [r for r in rows if r.status in ON_CALENDAR]
    if not rows:
        return []
    thresholds = targets_for(user, await plans.active(session, user_id=user.id)).thresholds.thresholds
    events = []
    with i18n.speaking_to(user):
        for row in rows:
            workout = workout_of(row)
            events.append(
                PlannedEvent(
                    external_id=external_id(row.id),
                    session_id=row.id,
                    day=row.date,
                    sport=ACTIVITY_TYPES[workout.sport],
                    name=library.title_text(workout),
                    text=render_intervals_text(library.localized(workout), thresholds),
                    load=round(workout.planned_tss),
                    duration_s=workout.duration_s,
                )
            )
    return events
