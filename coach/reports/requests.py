"""Reading what the athlete asked for: ``/race <name> <YYYY-MM-DD> [A|B|C] [distance km]`` and ``/report <question>``.

Quotes around a race name (straight, curly or guillemets) are how people write names, not part of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from coach import dates, i18n
from coach.i18n import t
from coach.reports.words import grouped, typed_number

RACE_NAME_MAX_CHARS = 60
QUESTION_MAX_CHARS = 500
# A taper plan is about the last weeks; a year ahead is the longest horizon a PMC projection means anything.
RACE_MAX_DAYS_AHEAD = 365
_PRIORITY = re.compile(r"^[abcABC]$")
_DISTANCE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:km)?$", re.IGNORECASE)
_QUOTES = "\"'“”„‟«»‹›‘’‚`"
PRIORITIES = ("A", "B", "C")
RACE_DISTANCE_MAX_KM = 5000.0


class RaceRequestError(ValueError):
    """The race request cannot be used; the message says what to change."""


@dataclass(frozen=True, slots=True)
class RaceRequest:
    name: str
    day: date
    priority: str = "A"
    distance_km: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "date": self.day.isoformat(),
            "priority": self.priority,
            "distance_km": self.distance_km,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RaceRequest:
        # Requests stored before races had a priority and a distance read as an A race of unknown length.
        distance = data.get("distance_km")
        return cls(
            name=str(data["name"]),
            day=date.fromisoformat(str(data["date"])),
            priority=str(data.get("priority") or "A"),
            distance_km=float(distance) if isinstance(distance, int | float) else None,
        )


def clean_text(text: str) -> str:
    """Printable text on one line: control and format characters dropped, whitespace collapsed."""
    kept = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch)[0] != "C" or ch.isspace())
    return " ".join(kept.split())


def strip_quotes(name: str) -> str:
    """``"Gran Fondo"`` → ``Gran Fondo``: quotes around the whole name (or a word of it) are not part of it."""
    return " ".join(word.strip(_QUOTES) for word in name.split() if word.strip(_QUOTES))


def _options(extra: list[str]) -> tuple[str, float | None]:
    """What follows the date: an optional priority and an optional distance in km, in either order."""
    priority, distance = "A", None
    for token in extra:
        if _PRIORITY.match(token):
            priority = token.upper()
        elif match := _DISTANCE.match(token):
            distance = float(match.group(1).replace(",", "."))
            if not 0 < distance <= RACE_DISTANCE_MAX_KM:
                raise RaceRequestError(
                    t(
                        "A race distance is more than 0 and at most {max} km; got {distance}.",
                        max=grouped(RACE_DISTANCE_MAX_KM),
                        distance=typed_number(distance),
                    )
                )
        elif token.lower() != "km":
            raise RaceRequestError(
                t(
                    "After the date I read a priority (A, B or C) and a distance in km; “{word}” is neither.",
                    word=clean_text(token)[:20],
                )
            )
    return priority, distance


def parse_race(args: list[str], *, today: date) -> RaceRequest:
    """``["Gran", "Fondo", "2026-12-20", "B", "120"]`` → a race; every problem raises `RaceRequestError`."""
    if not args:
        raise RaceRequestError(t("Tell me the race's name and date."))
    at = next((i for i in range(len(args) - 1, -1, -1) if dates.looks_like_date(args[i])), None)
    if at is None:
        # No date anywhere: say what the last word should have been.
        raw_date = args[-1]
        raise RaceRequestError(
            t(
                "I couldn't read the date “{date}”: write it as YYYY-MM-DD or DD.MM.YYYY.",
                date=clean_text(raw_date)[:20],
            )
        )
    raw_date = args[at]
    name = strip_quotes(clean_text(" ".join(args[:at])))
    priority, distance = _options(args[at + 1 :])
    try:
        day = dates.parse_day(raw_date)
    except dates.NotADate as err:
        raise RaceRequestError(t("{date} is not a date on the calendar.", date=raw_date)) from err
    if not name:
        raise RaceRequestError(t("Give the race a name before the date."))
    if len(name) > RACE_NAME_MAX_CHARS:
        raise RaceRequestError(
            t("The race name is {length} characters; keep it to {max}.", length=len(name), max=RACE_NAME_MAX_CHARS)
        )
    if day < today:
        raise RaceRequestError(
            t("{day} is in the past; give the date of an upcoming race.", day=i18n.when(day, "%d %b %Y"))
        )
    if day == today:
        raise RaceRequestError(t("That race is today — too late for a taper. Good luck out there!"))
    if day > today + timedelta(days=RACE_MAX_DAYS_AHEAD):
        raise RaceRequestError(
            t(
                "{day} is more than a year ahead; ask again within {days} days of the race.",
                day=i18n.when(day, "%d %b %Y"),
                days=RACE_MAX_DAYS_AHEAD,
            )
        )
    return RaceRequest(name=name, day=day, priority=priority, distance_km=distance)


def parse_question(args: list[str]) -> str | None:
    """The question after ``/report``, cleaned and bounded; ``None`` when there is none."""
    question = clean_text(" ".join(args))
    return question[:QUESTION_MAX_CHARS] or None
