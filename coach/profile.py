"""Profile settings a user may change from chat: parse the text they typed, validate, apply.

Each setting has a name the user types (``/settings ftp 260``), a parser that turns text into a value,
and the model attribute it sets; the model's validators enforce the seed's ranges, so an invalid value
raises `InvalidValue` before anything is stored. Settings with a small set of answers also list them, so
the bot can offer them as buttons (a button carries the same text a person would type, and goes through
the same parser and checks).

The guided setup after ``/start`` asks the settings of `ONBOARDING_STEPS` in that order, each skippable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from coach import places
from db.errors import InvalidValue
from db.models import User


class PlaceNotFound(InvalidValue):
    """A typed place that names no single time zone; ``suggestions`` are the nearest candidates."""

    def __init__(self, raw: str, suggestions: tuple[places.Place, ...]) -> None:
        super().__init__("time zone", "a city, a country or an IANA name such as Europe/Berlin", raw)
        self.suggestions = suggestions


@dataclass(frozen=True, slots=True)
class SettingSpec:
    name: str
    attribute: str
    label: str
    example: str
    parse: Callable[[str], Any]
    # Answers offered as buttons: (the text the button sends, the button's label).
    choices: tuple[tuple[str, str], ...] = ()
    # Whether the value may be removed again (set back to "not set").
    clearable: bool = True


_UNIT = re.compile(r"\s*(w|watts?|bpm|kg|kgs)\s*$", re.IGNORECASE)


def _number_text(raw: str) -> str:
    return _UNIT.sub("", raw.strip()).replace(",", ".")


def _int(label: str, allowed: str) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            return int(_number_text(raw))
        except ValueError as err:
            raise InvalidValue(label, allowed, raw) from err

    return parse


def _float(label: str, allowed: str) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            return float(_number_text(raw))
        except ValueError as err:
            raise InvalidValue(label, allowed, raw) from err

    return parse


_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


def parse_brief(raw: str) -> tuple[bool | None, time | None]:
    """``on`` / ``off`` / ``HH:MM`` → (enabled, time)."""
    text = raw.strip().lower()
    if text in ("on", "off"):
        return text == "on", None
    match = _TIME.match(text)
    if match is None:
        raise InvalidValue("brief", "on, off or a time like 07:30", raw)
    return True, time(int(match.group(1)), int(match.group(2)))


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def parse_dob(raw: str) -> datetime:
    """``1990-04-17`` or ``17.04.1990`` → midnight UTC of that day (the seed stores a timestamp)."""
    text = raw.strip()
    allowed = "a date like 1990-04-17"
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY_DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise InvalidValue("date of birth", allowed, raw)
    try:
        born = date(year, month, day)
    except ValueError as err:
        raise InvalidValue("date of birth", allowed, raw) from err
    return datetime(born.year, born.month, born.day, tzinfo=UTC)


def _vocabulary(label: str, words: dict[str, str]) -> Callable[[str], str]:
    allowed = ", ".join(dict.fromkeys(words.values()))

    def parse(raw: str) -> str:
        value = words.get(raw.strip().lower())
        if value is None:
            raise InvalidValue(label, allowed, raw)
        return value

    return parse


def parse_timezone(raw: str) -> str:
    """A typed IANA name, city or country → zone; `PlaceNotFound` (with suggestions) otherwise."""
    found = places.lookup(raw)
    if found.found is None:
        raise PlaceNotFound(raw, found.suggestions)
    return found.found.zone


_SEX_WORDS = {"female": "female", "f": "female", "woman": "female", "male": "male", "m": "male", "man": "male"}
_SPORT_WORDS = {
    "cycling": "cycling",
    "cycle": "cycling",
    "bike": "cycling",
    "ride": "cycling",
    "running": "running",
    "run": "running",
    "triathlon": "triathlon",
    "tri": "triathlon",
    "other": "other",
}

SETTINGS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec(
            "timezone", "timezone", "time zone", "/settings timezone Europe/Berlin", parse_timezone, clearable=False
        ),
        SettingSpec(
            "sport",
            "sport_focus",
            "sport focus",
            "/settings sport running",
            _vocabulary("sport focus", _SPORT_WORDS),
            choices=(("cycling", "Cycling"), ("running", "Running"), ("triathlon", "Triathlon"), ("other", "Other")),
        ),
        SettingSpec("ftp", "ftp", "FTP", "/settings ftp 250", _int("FTP", "a whole number of watts")),
        SettingSpec("maxhr", "max_hr", "max HR", "/settings maxhr 186", _int("max HR", "a whole number of bpm")),
        SettingSpec(
            "restinghr",
            "resting_hr",
            "resting HR",
            "/settings restinghr 48",
            _int("resting HR", "a whole number of bpm"),
        ),
        SettingSpec(
            "lthr",
            "lthr",
            "threshold HR (LTHR)",
            "/settings lthr 170",
            _int("threshold HR (LTHR)", "a whole number of bpm"),
        ),
        SettingSpec("weight", "weight", "weight", "/settings weight 71.5", _float("weight", "a number of kg")),
        SettingSpec("dob", "dob", "date of birth", "/settings dob 1990-04-17", parse_dob),
        SettingSpec(
            "sex",
            "sex",
            "sex",
            "/settings sex female",
            _vocabulary("sex", _SEX_WORDS),
            choices=(("female", "Female"), ("male", "Male")),
        ),
        SettingSpec(
            "brief",
            "brief_time",
            "morning brief",
            "/settings brief 07:30",
            parse_brief,
            choices=(("06:00", "06:00"), ("06:30", "06:30"), ("07:00", "07:00"), ("07:30", "07:30"), ("off", "Off")),
            clearable=False,
        ),
    )
}

# The guided setup after /start: where the athlete is first (everything dated depends on it), then what
# they do, then the numbers that set zones and load, then when the brief should arrive.
ONBOARDING_STEPS: tuple[str, ...] = (
    "timezone",
    "sport",
    "ftp",
    "maxhr",
    "restinghr",
    "lthr",
    "weight",
    "dob",
    "sex",
    "brief",
)


def next_step(step: str | None) -> str | None:
    """The onboarding step after ``step`` (the first for None), or None when setup is complete."""
    if step is None:
        return ONBOARDING_STEPS[0]
    index = ONBOARDING_STEPS.index(step)
    return ONBOARDING_STEPS[index + 1] if index + 1 < len(ONBOARDING_STEPS) else None


def _check_heart_rates(user: User, name: str, value: int) -> None:
    """Resting < threshold < max: the heart-rate load needs that order, and the reverse is always a slip."""
    rest, lthr, max_hr = user.resting_hr, user.lthr, user.max_hr
    if name == "restinghr":
        rest = value
    elif name == "lthr":
        lthr = value
    elif name == "maxhr":
        max_hr = value
    spec = SETTINGS[name]
    if name != "maxhr" and max_hr is not None and value >= max_hr:
        raise InvalidValue(spec.label, f"below your max HR of {max_hr} bpm", value)
    if name == "lthr" and rest is not None and value <= rest:
        raise InvalidValue(spec.label, f"above your resting HR of {rest} bpm", value)
    if name == "restinghr" and lthr is not None and value >= lthr:
        raise InvalidValue(spec.label, f"below your threshold HR of {lthr} bpm", value)
    if name == "maxhr" and (highest := max(v for v in (rest, lthr, 0) if v is not None)) and value <= highest:
        raise InvalidValue(spec.label, f"above your resting and threshold HR ({highest} bpm)", value)


def apply_setting(user: User, name: str, raw: str) -> SettingSpec:
    """Set one setting from text; raises `InvalidValue` (nothing changed) or `KeyError` (unknown name)."""
    spec = SETTINGS[name.lower()]
    value = spec.parse(raw)
    if spec.name == "brief":
        enabled, at = value
        if enabled is not None:
            user.brief_enabled = enabled
        if at is not None:
            user.brief_time = at
        return spec
    before = getattr(user, spec.attribute)
    setattr(user, spec.attribute, value)  # the model's validator: the allowed range first
    if spec.name in ("restinghr", "lthr", "maxhr"):
        try:
            _check_heart_rates(user, spec.name, value)
        except InvalidValue:
            setattr(user, spec.attribute, before)
            raise
    return spec


def clear_setting(user: User, name: str) -> SettingSpec:
    """Remove an optional value ("not set"); `KeyError` for an unknown name, `ValueError` if not clearable."""
    spec = SETTINGS[name]
    if not spec.clearable:
        raise ValueError(f"{name} cannot be removed")
    setattr(user, spec.attribute, None)
    return spec


def current_value(user: User, name: str) -> object:
    spec = SETTINGS[name]
    if spec.name == "brief":
        return (user.brief_enabled, user.brief_time)
    return getattr(user, spec.attribute)
