"""What the bot says about races: saved, refused, the /races list and its buttons (Telegram HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.texts import esc
from coach import i18n
from coach.i18n import N_, t, tn
from coach.races import RaceExists
from db.models import Race

PRIORITY_MEANING = {
    "A": N_("the goal: the plan peaks for it"),
    "B": N_("a mini-taper"),
    "C": N_("trained through"),
}
DELETE_BUTTON = N_("🗑 Delete")


def _distance(race: Race) -> str:
    if race.distance is None:
        return ""
    if i18n.imperial():  # an athlete on miles reads the distance in miles (stored in km, as typed)
        return t(", {distance}", distance=i18n.distance(race.distance * 1000))
    shown = f"{race.distance:g}"  # as typed: 120, 42.195
    if "e" not in shown:
        shown = i18n.number(race.distance, len(shown.partition(".")[2]))
    return t(", {distance} km", distance=shown)


def _date(day: date) -> str:
    return i18n.when(day, "%a %d %b %Y")


def race_line(race: Race, *, today: date) -> str:
    days = (race.date - today).days
    when = t("today") if days == 0 else tn("in {n} day", "in {n} days", days)
    return t(
        "<b>{name}</b> — {date} ({when}), <b>{priority}</b> race{distance}",
        name=esc(race.name),
        date=_date(race.date),
        when=when,
        priority=race.priority,
        distance=_distance(race),
    )


def race_saved(race: Race) -> str:
    values = {
        "name": esc(race.name),
        "date": _date(race.date),
        "priority": race.priority,
        "meaning": t(PRIORITY_MEANING[race.priority]),
        "distance": _distance(race),
    }
    if race.priority == "A":
        return t(
            "🏁 Saved: <b>{name}</b> on {date}, an <b>{priority}</b> race ({meaning}){distance}. Your taper report "
            "follows; /races lists your races, /plan builds the training to them.",
            **values,
        )
    return t(
        "🏁 Saved: <b>{name}</b> on {date}, a <b>{priority}</b> race ({meaning}){distance}. Your taper report "
        "follows; /races lists your races, /plan builds the training to them.",
        **values,
    )


def race_exists(err: RaceExists) -> str:
    return t(
        "Nothing saved: you already have <b>{name}</b> on {date}. Change its priority or delete it with /races.",
        name=esc(err.name),
        date=i18n.when(err.day, "%d %b %Y"),
    )


def races_list(races: Sequence[Race], *, today: date) -> str:
    if not races:
        return t(
            "You have no upcoming races. Add one with <code>/race Gran Fondo 2027-05-16 A 120</code> "
            "(name, date, priority A/B/C, distance in km — the last two optional)."
        )
    lines = [t("<b>Your races</b>")]
    lines += [f"{i}. {race_line(race, today=today)}" for i, race in enumerate(races, 1)]
    lines += [
        "",
        t(
            "A: the plan peaks for it · B: a mini-taper · C: trained through. "
            "Tap a letter to change a race's priority, or delete it."
        ),
    ]
    return "\n".join(lines)


def priority_button(race: Race, priority: str, number: int) -> str:
    mark = "●" if race.priority == priority else ""
    return f"{number}: {mark}{priority}"


def delete_button(number: int) -> str:
    return f"{number}: {t(DELETE_BUTTON)}"


def priority_changed(race: Race) -> str:
    values = {"name": esc(race.name), "priority": race.priority, "meaning": t(PRIORITY_MEANING[race.priority])}
    if race.priority == "A":
        return t("✓ {name} is now an <b>{priority}</b> race ({meaning}).", **values)
    return t("✓ {name} is now a <b>{priority}</b> race ({meaning}).", **values)


def race_deleted(race: Race) -> str:
    return t("✓ Deleted {name} ({date}).", name=esc(race.name), date=i18n.when(race.date, "%d %b %Y"))


def race_gone() -> str:
    return t("That race is no longer there.")
