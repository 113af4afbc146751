"""Reading what the athlete asked for: ``/race <name> <YYYY-MM-DD>`` and ``/report <question>``."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

RACE_NAME_MAX_CHARS = 60
QUESTION_MAX_CHARS = 500
# A taper plan is about the last weeks; a year ahead is the longest horizon a PMC projection means anything.
RACE_MAX_DAYS_AHEAD = 365
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RaceRequestError(ValueError):
    """The race request cannot be used; the message says what to change."""


@dataclass(frozen=True, slots=True)
class RaceRequest:
    name: str
    day: date

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "date": self.day.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RaceRequest:
        return cls(name=str(data["name"]), day=date.fromisoformat(str(data["date"])))


def clean_text(text: str) -> str:
    """Printable text on one line: control and format characters dropped, whitespace collapsed."""
    kept = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch)[0] != "C" or ch.isspace())
    return " ".join(kept.split())


def parse_race(args: list[str], *, today: date) -> RaceRequest:
    """``["Gran", "Fondo", "2026-12-20"]`` → a race; every problem raises `RaceRequestError` with a sentence."""
    if not args:
        raise RaceRequestError("Tell me the race's name and date.")
    raw_date = args[-1]
    name = clean_text(" ".join(args[:-1]))
    if not _DATE.match(raw_date):
        raise RaceRequestError(f"I couldn't read the date “{clean_text(raw_date)[:20]}”: write it as YYYY-MM-DD.")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError as err:
        raise RaceRequestError(f"{raw_date} is not a date on the calendar.") from err
    if not name:
        raise RaceRequestError("Give the race a name before the date.")
    if len(name) > RACE_NAME_MAX_CHARS:
        raise RaceRequestError(f"The race name is {len(name)} characters; keep it to {RACE_NAME_MAX_CHARS}.")
    if day < today:
        raise RaceRequestError(f"{day:%d %b %Y} is in the past; give the date of an upcoming race.")
    if day == today:
        raise RaceRequestError("That race is today — too late for a taper. Good luck out there!")
    if day > today + timedelta(days=RACE_MAX_DAYS_AHEAD):
        raise RaceRequestError(
            f"{day:%d %b %Y} is more than a year ahead; ask again within {RACE_MAX_DAYS_AHEAD} days of the race."
        )
    return RaceRequest(name=name, day=day)


def parse_question(args: list[str]) -> str | None:
    """The question after ``/report``, cleaned and bounded; ``None`` when there is none."""
    question = clean_text(" ".join(args))
    return question[:QUESTION_MAX_CHARS] or None
