"""Reading provider JSON strictly: typed field access and the providers' time formats.

Every accessor raises `MappingError` naming the provider, the object kind and the field, so a payload whose
shape drifted (a number sent as a string, an id that became a UUID, a missing start) is rejected whole instead
of being stored half-read.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.records import JsonObject, MappingError

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


class Reader:
    """Typed access to one provider object; errors name the provider, kind and field."""

    def __init__(self, provider: str, kind: str, payload: object) -> None:
        self.provider = provider
        self.kind = kind
        if not isinstance(payload, dict):
            raise MappingError(provider, kind, f"expected a JSON object, got {type(payload).__name__}")
        self.obj: JsonObject = payload

    def fail(self, reason: str) -> MappingError:
        return MappingError(self.provider, self.kind, reason)

    def has(self, key: str) -> bool:
        return self.obj.get(key) is not None

    def text(self, key: str) -> str:
        value = self.opt_str(key)
        if value is None:
            raise self.fail(f"'{key}' is missing")
        return value

    def opt_str(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"'{key}' should be text, got {type(value).__name__}")
        return value

    def id(self, key: str = "id") -> str:
        """An object id as text; providers use integers (Strava, WHOOP cycles) or strings (UUIDs)."""
        value = self.obj.get(key)
        if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
            raise self.fail(f"'{key}' should be an id, got {value!r}")
        return str(value)

    def opt_num(self, key: str) -> float | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(f"'{key}' should be a number, got {value!r}")
        return float(value)

    def num(self, key: str) -> float:
        value = self.opt_num(key)
        if value is None:
            raise self.fail(f"'{key}' is missing")
        return value

    def opt_int(self, key: str) -> int | None:
        """A number rounded to the nearest integer (the schema's integer columns)."""
        value = self.opt_num(key)
        return None if value is None else round(value)

    def opt_bool(self, key: str) -> bool | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self.fail(f"'{key}' should be true or false, got {value!r}")
        return value

    def sub(self, key: str) -> Reader | None:
        """A nested object, or ``None`` when absent or null."""
        value = self.obj.get(key)
        if value is None:
            return None
        return Reader(self.provider, f"{self.kind}.{key}", value)

    def instant(self, key: str) -> datetime:
        """An ISO-8601 instant with ``Z`` or an offset, as an aware UTC datetime."""
        value_text = self.text(key)
        try:
            value = datetime.fromisoformat(value_text)
        except ValueError as err:
            raise self.fail(f"'{key}' is not an ISO-8601 time: {value_text!r}") from err
        if value.tzinfo is None:
            raise self.fail(f"'{key}' has no offset: {value_text!r}")
        return value.astimezone(UTC)

    def utc(self, key: str) -> datetime:
        """An ISO-8601 instant that is UTC by the provider's convention, with or without its ``Z``."""
        value_text = self.text(key)
        try:
            value = datetime.fromisoformat(value_text)
        except ValueError as err:
            raise self.fail(f"'{key}' is not an ISO-8601 time: {value_text!r}") from err
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def aware(self, key: str) -> datetime:
        """An ISO-8601 time with its own offset, kept in that offset (Oura's localized times)."""
        value_text = self.text(key)
        try:
            value = datetime.fromisoformat(value_text)
        except ValueError as err:
            raise self.fail(f"'{key}' is not an ISO-8601 time: {value_text!r}") from err
        if value.tzinfo is None:
            raise self.fail(f"'{key}' has no offset: {value_text!r}")
        return value

    def wall_clock(self, key: str) -> datetime:
        """A local wall-clock time as a naive datetime; a trailing ``Z`` is ignored (Strava's ``start_date_local``
        ends in ``Z`` although it is local time)."""
        value_text = self.text(key)
        if value_text.endswith("Z"):
            value_text = value_text[:-1]
        try:
            value = datetime.fromisoformat(value_text)
        except ValueError as err:
            raise self.fail(f"'{key}' is not an ISO-8601 time: {value_text!r}") from err
        return value.replace(tzinfo=None)

    def day(self, key: str) -> date:
        value_text = self.text(key)
        try:
            return date.fromisoformat(value_text)
        except ValueError as err:
            raise self.fail(f"'{key}' is not a date: {value_text!r}") from err

    def offset_s(self, key: str) -> int:
        """WHOOP's ``timezone_offset``: ``"+hh:mm"``, ``"-hh:mm"`` or ``"Z"``, as seconds east of UTC."""
        value_text = self.text(key)
        if value_text == "Z":
            return 0
        match = _OFFSET.match(value_text)
        if match is None:
            raise self.fail(f"'{key}' is not an offset like +05:45: {value_text!r}")
        sign, hours, minutes = match.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60
        if seconds > 14 * 3600 or int(minutes) >= 60:
            raise self.fail(f"'{key}' is out of range: {value_text!r}")
        return -seconds if sign == "-" else seconds


def local_date(instant: datetime, offset_s: int) -> date:
    """The calendar date at ``instant`` on a clock ``offset_s`` seconds east of UTC."""
    return (instant.astimezone(UTC) + timedelta(seconds=offset_s)).date()


def zone(name: str | None) -> ZoneInfo | None:
    """An IANA zone from a provider's zone text, or ``None`` when it names none we know.

    Strava writes ``"(GMT+01:00) Europe/Berlin"``; Intervals.icu writes ``"Europe/Berlin"``.
    """
    if not name:
        return None
    candidate = name.rsplit(" ", 1)[-1].strip()
    try:
        return ZoneInfo(candidate)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def offset_of(local: datetime, instant: datetime) -> int:
    """Seconds east of UTC, from a naive local wall-clock time and the same moment in UTC."""
    return round((local - instant.astimezone(UTC).replace(tzinfo=None)).total_seconds())


def as_int(value: float | None) -> int | None:
    return None if value is None else round(value)


def positive(value: float | None) -> float | None:
    """A physiological value where 0 means "not measured" (HRV, heart rate): ``None`` unless positive."""
    return value if value is not None and value > 0 else None


def raw(payload: Any) -> JsonObject:
    """The provider object to keep in ``rawJson`` (the full object, as received)."""
    assert isinstance(payload, dict)
    return payload
