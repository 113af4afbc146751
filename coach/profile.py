"""Profile settings a user may change from chat: parse the text they typed, validate, apply.

Each setting has a name the user types (``/settings ftp 260``), a parser that turns text into a value,
and the model attribute it sets; the model's validators enforce the seed's ranges, so an invalid value
raises `InvalidValue` before anything is stored. Settings with a small set of answers also list them, so
the bot can offer them as buttons (a button carries the same text a person would type, and goes through
the same parser and checks).

The guided setup after ``/start`` asks the settings of `ONBOARDING_STEPS` in that order, each skippable.

The plan's settings (weekly hours, training days and their longest sessions, power meter, threshold pace,
CTL ramp, recovery rhythm, km or mi) are set the same way; `PLAN_SETTINGS` names them, because changing one
rebuilds an active plan. Unset, each has the default documented in `coach.availability`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from coach import dates, places
from coach.i18n import LANGUAGE_NAMES, N_, supported
from db.errors import InvalidValue
from db.models import User


class PlaceNotFound(InvalidValue):
    """A typed place that names no single time zone; ``suggestions`` are the nearest candidates."""

    def __init__(self, raw: str, suggestions: tuple[places.Place, ...], why: places.Why = places.Why.NOT_FOUND) -> None:
        super().__init__(N_("time zone"), N_("a city, a country or an IANA name such as Europe/Berlin"), raw)
        self.suggestions = suggestions
        self.why = why


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
        raise InvalidValue(N_("brief"), N_("on, off or a time like 07:30"), raw)
    return True, time(int(match.group(1)), int(match.group(2)))


def parse_dob(raw: str) -> datetime:
    """Any form `coach.dates` reads (``1990-04-17``, ``17.04.1990``) → midnight UTC of that day (the seed
    stores a timestamp)."""
    try:
        born = dates.parse_day(raw)
    except dates.NotADate as err:
        raise InvalidValue(N_("date of birth"), N_("a date like 1990-04-17 or 17.04.1990"), raw) from err
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
        raise PlaceNotFound(raw, found.suggestions, found.why)
    return found.found.zone


_WEEKDAY_WORDS = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    },
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_DURATION = re.compile(r"^(?:(\d{1,2})[:h](\d{2})|(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?)?)$")
_DAYS_ALLOWED = N_("weekdays with their longest session, e.g. mon 60 wed 90 sat 3h")


def parse_minutes(raw: str) -> int | None:
    """``90``, ``90min``, ``1.5h``, ``1:30`` or ``1h30`` → 90 minutes; ``None`` if it is no duration."""
    match = _DURATION.match(raw.strip().lower())
    if match is None:
        return None
    hours, minutes, number, unit = match.groups()
    if hours is not None:
        return int(hours) * 60 + int(minutes)
    value = float(number.replace(",", "."))
    return round(value * 60) if unit and unit.startswith("h") else round(value)


def parse_days(raw: str) -> list[int]:
    """``mon 60 wed 90 sat 180`` → the longest session per weekday, Monday first (0 = no training).

    A day named without a length, or twice, is refused rather than guessed; days not named are rest days.
    """
    tokens = re.sub(r"(?<=[a-z])(?=\d)", " ", raw.strip().lower().replace(",", " ")).split()
    minutes = [0] * 7
    named: set[int] = set()
    i = 0
    if not tokens:
        raise InvalidValue(N_("training days"), _DAYS_ALLOWED, raw)
    while i < len(tokens):
        day = _WEEKDAY_WORDS.get(tokens[i].rstrip(":"))
        length = parse_minutes(tokens[i + 1]) if i + 1 < len(tokens) else None
        if day is None or length is None or day in named:
            raise InvalidValue(N_("training days"), _DAYS_ALLOWED, raw)
        named.add(day)
        minutes[day] = length
        i += 2
    return minutes


def parse_hours(raw: str) -> float:
    text = re.sub(r"\s*(h|hr|hrs|hours?)\s*$", "", raw.strip().lower()).replace(",", ".")
    try:
        return float(text)
    except ValueError as err:
        raise InvalidValue(N_("weekly hours"), N_("a number of hours, e.g. 8"), raw) from err


_PACE = re.compile(r"^(\d{1,2}):([0-5]\d)\s*(?:min)?\s*(?:/\s*(km|mi|mile))?$")


def parse_pace(raw: str) -> int:
    """``4:30`` or ``4:30/km`` → 270 s per km; ``7:15/mi`` is converted to per km."""
    match = _PACE.match(raw.strip().lower())
    if match is None:
        raise InvalidValue(N_("threshold pace"), N_("minutes:seconds per km, e.g. 4:30 (or 7:15/mi)"), raw)
    seconds = int(match.group(1)) * 60 + int(match.group(2))
    if match.group(3) in ("mi", "mile"):
        seconds = round(seconds / 1.609344)
    return seconds


def parse_ramp(raw: str) -> float:
    text = re.sub(r"\s*(/\s*w(ee)?k|per week|a week)?\s*$", "", raw.strip().lower()).replace(",", ".")
    try:
        return float(text)
    except ValueError as err:
        raise InvalidValue(N_("CTL ramp"), N_("a number of CTL points a week from 5 to 8"), raw) from err


_YES_NO = {"yes": True, "y": True, "true": True, "on": True, "no": False, "n": False, "false": False, "off": False}
# The same answers in German, Spanish and French (typed by an athlete the bot speaks to in them).
_YES_NO |= {"ja": True, "nein": False, "sí": True, "si": True, "oui": True, "non": False}


def parse_yes_no(raw: str) -> bool:
    value = _YES_NO.get(raw.strip().lower())
    if value is None:
        raise InvalidValue(N_("power meter"), N_("yes or no"), raw)
    return value


_SEX_WORDS = {"female": "female", "f": "female", "woman": "female", "male": "male", "m": "male", "man": "male"}
_SEX_WORDS |= {
    **dict.fromkeys(("weiblich", "frau", "mujer", "femenino", "femme", "féminin"), "female"),
    **dict.fromkeys(("männlich", "mann", "hombre", "masculino", "homme", "masculin"), "male"),
}
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
    **dict.fromkeys(("radsport", "rad", "radfahren", "ciclismo", "vélo", "velo", "cyclisme"), "cycling"),
    **dict.fromkeys(("laufen", "correr", "course", "course à pied"), "running"),
    **dict.fromkeys(("triatlón", "triatlon"), "triathlon"),
    **dict.fromkeys(("anderes", "andere", "otro", "autre"), "other"),
}

_RECOVERY_WORDS = {"3:1": "3:1", "3": "3:1", "2:1": "2:1", "2": "2:1"}
_UNIT_WORDS = {
    "km": "km",
    "metric": "km",
    "kilometres": "km",
    "kilometers": "km",
    "mi": "mi",
    "miles": "mi",
    "mile": "mi",
    "imperial": "mi",
    **dict.fromkeys(("kilometer", "kilómetros", "kilometros", "kilomètres"), "km"),
    **dict.fromkeys(("meilen", "millas"), "mi"),
}

# The language the bot speaks (`coach.i18n`): its code, its own name or its English name; "auto" or
# "telegram" clears the choice, so the bot follows the language of the athlete's Telegram app again.
_LANGUAGE_WORDS = {
    "english": "en",
    "deutsch": "de",
    "german": "de",
    "español": "es",
    "espanol": "es",
    "spanish": "es",
    "français": "fr",
    "francais": "fr",
    "french": "fr",
}
_FOLLOW_TELEGRAM = frozenset({"auto", "telegram", "automatic", "automatisch", "automático", "automatique"})


def parse_language(raw: str) -> str | None:
    """``de``, ``Deutsch`` or ``german`` → ``de``; ``auto`` / ``telegram`` → None (follow the Telegram app)."""
    text = raw.strip().lower()
    if text in _FOLLOW_TELEGRAM:
        return None
    language = _LANGUAGE_WORDS.get(text) or supported(text)
    if language is None:
        raise InvalidValue(N_("language"), N_("en, de, es, fr or auto"), raw)
    return language


SETTINGS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec(
            "timezone", "timezone", N_("time zone"), "/settings timezone Europe/Berlin", parse_timezone, clearable=False
        ),
        SettingSpec(
            "sport",
            "sport_focus",
            N_("sport focus"),
            "/settings sport running",
            _vocabulary(N_("sport focus"), _SPORT_WORDS),
            choices=(
                ("cycling", N_("Cycling")),
                ("running", N_("Running")),
                ("triathlon", N_("Triathlon")),
                ("other", N_("Other")),
            ),
        ),
        SettingSpec("ftp", "ftp", N_("FTP"), "/settings ftp 250", _int(N_("FTP"), N_("a whole number of watts"))),
        SettingSpec(
            "maxhr", "max_hr", N_("max HR"), "/settings maxhr 186", _int(N_("max HR"), N_("a whole number of bpm"))
        ),
        SettingSpec(
            "restinghr",
            "resting_hr",
            N_("resting HR"),
            "/settings restinghr 48",
            _int(N_("resting HR"), N_("a whole number of bpm")),
        ),
        SettingSpec(
            "lthr",
            "lthr",
            N_("threshold HR (LTHR)"),
            "/settings lthr 170",
            _int(N_("threshold HR (LTHR)"), N_("a whole number of bpm")),
        ),
        SettingSpec(
            "weight", "weight", N_("weight"), "/settings weight 71.5", _float(N_("weight"), N_("a number of kg"))
        ),
        SettingSpec("dob", "dob", N_("date of birth"), "/settings dob 1990-04-17", parse_dob),
        SettingSpec(
            "sex",
            "sex",
            N_("sex"),
            "/settings sex female",
            _vocabulary(N_("sex"), _SEX_WORDS),
            choices=(("female", N_("Female")), ("male", N_("Male"))),
        ),
        SettingSpec(
            "powermeter",
            "has_power_meter",
            N_("power meter"),
            "/settings powermeter yes",
            parse_yes_no,
            choices=(("yes", N_("Yes")), ("no", N_("No"))),
        ),
        SettingSpec("pace", "threshold_pace_s_per_km", N_("threshold pace"), "/settings pace 4:30", parse_pace),
        SettingSpec(
            "units",
            "distance_unit",
            N_("distance unit"),
            "/settings units mi",
            _vocabulary(N_("distance unit"), _UNIT_WORDS),
            choices=(("km", "km"), ("mi", "mi")),
            clearable=False,
        ),
        SettingSpec(
            "hours",
            "weekly_hours",
            N_("weekly hours"),
            "/settings hours 8",
            parse_hours,
            choices=(("4", "4 h"), ("6", "6 h"), ("8", "8 h"), ("10", "10 h"), ("12", "12 h")),
        ),
        SettingSpec(
            "days",
            "day_minutes",
            N_("training days"),
            "/settings days mon 60 wed 90 sat 180",
            parse_days,
            choices=(
                ("tue 60 thu 60 sat 180 sun 120", N_("Tue Thu Sat Sun")),
                ("tue 60 wed 60 thu 60 sat 150 sun 90", N_("Tue–Thu + weekend")),
                ("mon 60 tue 75 wed 60 thu 75 sat 180 sun 120", N_("Six days")),
            ),
        ),
        SettingSpec(
            "ramp",
            "ctl_ramp",
            N_("CTL ramp"),
            "/settings ramp 6",
            parse_ramp,
            choices=(("5", "5"), ("6", "6"), ("7", "7"), ("8", "8")),
        ),
        SettingSpec(
            "recovery",
            "recovery_rhythm",
            N_("recovery rhythm"),
            "/settings recovery 2:1",
            _vocabulary(N_("recovery rhythm"), _RECOVERY_WORDS),
            choices=(("3:1", "3:1"), ("2:1", "2:1")),
        ),
        SettingSpec(
            "brief",
            "brief_time",
            N_("morning brief"),
            "/settings brief 07:30",
            parse_brief,
            choices=(
                ("06:00", "06:00"),
                ("06:30", "06:30"),
                ("07:00", "07:00"),
                ("07:30", "07:30"),
                ("off", N_("Off")),
            ),
            clearable=False,
        ),
        SettingSpec(
            "language",
            "language",
            N_("language"),
            "/settings language de",
            parse_language,
            # Each language by its own name, so it is found whatever language the bot speaks now.
            choices=tuple(LANGUAGE_NAMES.items()),
        ),
    )
}

# The guided setup after /start: where the athlete is first (everything dated depends on it), then what
# they do, then the numbers that set zones and load, then when the brief should arrive.
# The plan's settings come after the body's: what targets are given in (power meter, pace, km or mi), then
# the time the athlete has, then how hard the plan may build.
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
    "powermeter",
    "pace",
    "units",
    "hours",
    "days",
    "ramp",
    "recovery",
    "brief",
)

# Changing one of these rebuilds an active plan from today. Thresholds (FTP, LTHR, pace) and the power meter
# need no rebuild: sessions are stored as fractions of threshold and rendered in today's units when shown.
PLAN_SETTINGS = frozenset({"sport", "hours", "days", "ramp", "recovery"})


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
        raise InvalidValue(spec.label, N_("below your max HR of {bpm} bpm"), value, bpm=max_hr)
    if name == "lthr" and rest is not None and value <= rest:
        raise InvalidValue(spec.label, N_("above your resting HR of {bpm} bpm"), value, bpm=rest)
    if name == "restinghr" and lthr is not None and value >= lthr:
        raise InvalidValue(spec.label, N_("below your threshold HR of {bpm} bpm"), value, bpm=lthr)
    if name == "maxhr" and (highest := max(v for v in (rest, lthr, 0) if v is not None)) and value <= highest:
        raise InvalidValue(spec.label, N_("above your resting and threshold HR ({bpm} bpm)"), value, bpm=highest)


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
