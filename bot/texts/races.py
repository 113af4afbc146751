"""What the bot says about races: saved, refused, the /races list and its buttons (Telegram HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.texts import esc
from coach.races import RaceExists
from db.models import Race

PRIORITY_MEANING = {"A": "the goal: the plan peaks for it", "B": "a mini-taper", "C": "trained through"}
DELETE_BUTTON = "🗑 Delete"


def _article(priority: str) -> str:
    return "an" if priority == "A" else "a"


def _distance(race: Race) -> str:
    return f", {race.distance:g} km" if race.distance is not None else ""


def race_line(race: Race, *, today: date) -> str:
    days = (race.date - today).days
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return f"<b>{esc(race.name)}</b> — {race.date:%a %d %b %Y} ({when}), <b>{race.priority}</b> race{_distance(race)}"


def race_saved(race: Race) -> str:
    return (
        f"🏁 Saved: <b>{esc(race.name)}</b> on {race.date:%a %d %b %Y}, "
        f"{_article(race.priority)} <b>{race.priority}</b> race ({PRIORITY_MEANING[race.priority]})"
        f"{_distance(race)}. Your taper report follows; /races lists your races, /plan builds the training to them."
    )


def race_exists(err: RaceExists) -> str:
    return (
        f"Nothing saved: you already have <b>{esc(err.name)}</b> on {err.day:%d %b %Y}. "
        "Change its priority or delete it with /races."
    )


def races_list(races: Sequence[Race], *, today: date) -> str:
    if not races:
        return (
            "You have no upcoming races. Add one with <code>/race Gran Fondo 2027-05-16 A 120</code> "
            "(name, date, priority A/B/C, distance in km — the last two optional)."
        )
    lines = ["<b>Your races</b>"]
    lines += [f"{i}. {race_line(race, today=today)}" for i, race in enumerate(races, 1)]
    lines += [
        "",
        "A: the plan peaks for it · B: a mini-taper · C: trained through. "
        "Tap a letter to change a race's priority, or delete it.",
    ]
    return "\n".join(lines)


def priority_button(race: Race, priority: str, number: int) -> str:
    mark = "●" if race.priority == priority else ""
    return f"{number}: {mark}{priority}"


def delete_button(number: int) -> str:
    return f"{number}: {DELETE_BUTTON}"


def priority_changed(race: Race) -> str:
    return (
        f"✓ {esc(race.name)} is now {_article(race.priority)} <b>{race.priority}</b> race "
        f"({PRIORITY_MEANING[race.priority]})."
    )


def race_deleted(race: Race) -> str:
    return f"✓ Deleted {esc(race.name)} ({race.date:%d %b %Y})."


def race_gone() -> str:
    return "That race is no longer there."
