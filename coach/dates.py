"""The one reader of a typed calendar date, so every command accepts the same forms.

Accepted: ``2027-01-18`` (ISO), ``18.01.2027`` and ``18/01/2027`` (day first, as most of the world writes
it). A US-style month-first date is not guessed at: ``01/18/2027`` fails as a calendar date rather than
being read silently as something else.
"""

from __future__ import annotations

import re
from datetime import date

FORMS = "YYYY-MM-DD or DD.MM.YYYY"

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


class NotADate(ValueError):
    """``shape``: False when the text is not written as a date at all, True when it is but no such day exists."""

    def __init__(self, raw: str, *, shape: bool) -> None:
        super().__init__(f"{raw!r} is not a date ({FORMS})")
        self.raw = raw
        self.shape = shape


def looks_like_date(text: str) -> bool:
    """Written in one of the accepted forms (the day itself may still not exist)."""
    stripped = text.strip()
    return bool(_ISO.match(stripped) or _DAY_FIRST.match(stripped))


def parse_day(text: str) -> date:
    """The calendar day ``text`` names; `NotADate` otherwise."""
    stripped = text.strip()
    if match := _ISO.match(stripped):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.match(stripped):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise NotADate(text, shape=False)
    try:
        return date(year, month, day)
    except ValueError as err:
        raise NotADate(text, shape=True) from err
