"""Profile settings a user may change from chat: parse the text they typed, validate, apply.

Each setting has a name the user types (``/settings ftp 260``), a parser that turns text into a value,
and the model attribute it sets; the model's validators enforce the seed's ranges, so an invalid value
raises `InvalidValue` before anything is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from db.errors import InvalidValue
from db.models import User


@dataclass(frozen=True, slots=True)
class SettingSpec:
    name: str
    attribute: str
    label: str
    example: str
    parse: Callable[[str], Any]


def _int(label: str, allowed: str) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            return int(raw.strip().removesuffix("w").removesuffix("W").removesuffix("bpm"))
        except ValueError as err:
            raise InvalidValue(label, allowed, raw) from err

    return parse


def _float(label: str, allowed: str) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            return float(raw.strip().removesuffix("kg").replace(",", "."))
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


SETTINGS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec("ftp", "ftp", "FTP", "/settings ftp 250", _int("FTP", "a whole number of watts")),
        SettingSpec("maxhr", "max_hr", "max HR", "/settings maxhr 186", _int("max HR", "a whole number of bpm")),
        SettingSpec("weight", "weight", "weight", "/settings weight 71.5", _float("weight", "a number of kg")),
        SettingSpec("timezone", "timezone", "time zone", "/settings timezone Europe/Berlin", str.strip),
        SettingSpec("brief", "brief_time", "morning brief", "/settings brief 07:30", parse_brief),
    )
}


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
    setattr(user, spec.attribute, value)
    return spec
