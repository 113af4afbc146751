"""Words, numbers, dates and units in the athlete's language: one gettext catalog per language.

Every sentence the bot sends is written in English in the code and looked up in the catalog of the language
in effect, which one update or one job sets with `use` (a context variable: concurrent updates each keep
their own, and worker threads started with ``asyncio.to_thread`` inherit it). Text functions therefore keep
their signatures; they call `t` and `tn` where they used to write literals.

- ``t("Your FTP is {ftp} W", ftp=250)``: the translated message, then ``str.format`` with the values. Named
  fields only, so a translation may put them in any order; the catalog test checks every translation keeps
  exactly the message's fields.
- ``tn("{n} day", "{n} days", n)``: plural forms by the language's own rules (``n`` is passed as a field).
- ``N_("…")`` marks a message kept in a module constant; it is translated where it is used, ``t(CONSTANT)``.
- ``number``, ``day``, ``distance`` and ``pace``: Babel's locale data, and the athlete's km or mi.

The catalogs are the ``.po`` files under ``coach/i18n/locale`` (``make messages`` extracts and merges them);
they are read directly at first use, so there is no compiled file to go stale.
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Protocol

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

# The languages shipped, by their ISO 639-1 code; English is the source language and the fallback.
DEFAULT = "en"
LANGUAGES: tuple[str, ...] = ("en", "de", "es", "fr")
# Each language as its speakers name it (the /settings language buttons).
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "es": "Español", "fr": "Français"}

KM_PER_MILE = 1.609344

_language: ContextVar[str] = ContextVar("language", default=DEFAULT)
_imperial: ContextVar[bool] = ContextVar("imperial", default=False)


def supported(code: str | None) -> str | None:
    """The shipped language a code names (``de``, ``de-AT``, ``pt-br`` → ``None``), or ``None``."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else None


def choose(chosen: str | None, telegram: str | None = None) -> str:
    """The language to speak: the athlete's choice, else their Telegram app's language, else English."""
    return supported(chosen) or supported(telegram) or DEFAULT


@contextmanager
def use(language: str | None, *, imperial: bool | None = None) -> Iterator[None]:
    """Speak ``language`` (and miles when ``imperial``) inside the block; the previous settings after it."""
    token = _language.set(supported(language) or DEFAULT)
    unit_token = _imperial.set(imperial) if imperial is not None else None
    try:
        yield
    finally:
        _language.reset(token)
        if unit_token is not None:
            _imperial.reset(unit_token)


class Speaker(Protocol):
    """What says how to speak to an athlete (``db.models.User`` has these)."""

    language: str | None
    telegram_language: str | None
    distance_unit: str


def speaking_to(athlete: Speaker) -> AbstractContextManager[None]:
    """Speak ``athlete``'s language and units inside the block (an unasked message: a brief, a report)."""
    return use(choose(athlete.language, athlete.telegram_language), imperial=athlete.distance_unit == "mi")


def activate_for(athlete: Speaker) -> None:
    """Speak ``athlete``'s language and units for the rest of the current task."""
    activate(choose(athlete.language, athlete.telegram_language), imperial=athlete.distance_unit == "mi")


def activate(language: str | None, *, imperial: bool | None = None) -> None:
    """Speak ``language`` for the rest of the current task (one update's handler)."""
    _language.set(supported(language) or DEFAULT)
    if imperial is not None:
        _imperial.set(imperial)


def current() -> str:
    return _language.get()


def imperial() -> bool:
    return _imperial.get()


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalog of ``language``, read from its ``.po`` file once per process (English has none)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    # Fuzzy entries are a translator's guess, not a translation: the catalog test refuses them anyway.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (module constants)."""
    return message


def t(message: str, /, **values: object) -> str:
    """``message`` in the current language, with ``values`` put into its ``{named}`` fields."""
    text = translations(_language.get()).gettext(message)
    return text.format(**values) if values else text


def tn(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The plural form of the current language for ``n``; ``n`` is one of the fields."""
    text = translations(_language.get()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def tp(context: str, message: str, /, **values: object) -> str:
    """``message`` in ``context`` (the same English word that other languages say two ways)."""
    text = translations(_language.get()).pgettext(context, message)
    return text.format(**values) if values else text


def locale() -> Locale:
    return _babel_locale(_language.get())


@cache
def _babel_locale(language: str) -> Locale:
    return Locale.parse(language)


def number(value: float, digits: int = 0) -> str:
    """``7.9`` → ``7.9`` in English, ``7,9`` in German: exactly ``digits`` decimals, the locale's decimal sign
    (no grouping: ``1234`` stays ``1234``, as a coach writes watts and kilojoules)."""
    pattern = "0" + ("." + "0" * digits if digits > 0 else "")
    return numbers.format_decimal(round(value, digits), format=pattern, locale=locale())


def signed(value: float, digits: int = 0) -> str:
    """``+12`` or ``−5`` (a true minus sign), in the locale's digits."""
    rounded = round(value, digits)
    body = number(abs(rounded), digits)
    if rounded > 0:
        return f"+{body}"
    return f"−{body}" if rounded < 0 else body


# strftime's directives as CLDR pattern letters: code written with strftime keeps its layout, and the day and
# month names come out in the athlete's language (English output is what strftime gave).
_STRFTIME = {
    "%a": "EEE", "%A": "EEEE", "%d": "dd", "%-d": "d", "%b": "MMM", "%B": "MMMM", "%m": "MM",
    "%Y": "yyyy", "%H": "HH", "%M": "mm",
}  # fmt: skip
_STRFTIME_TOKEN = re.compile(r"%-?[a-zA-Z]")


def when(value: date | datetime, layout: str) -> str:
    """``value`` laid out as strftime's ``layout`` (``"%a %d %b"``) in the athlete's language:
    ``Mon 07 Dec`` / ``Mo. 07. Dez.`` / ``lun 07 dic`` / ``lun. 07 déc.``."""
    parts: list[str] = []
    last = 0
    for match in _STRFTIME_TOKEN.finditer(layout):
        if match.start() > last:
            parts.append("'" + layout[last : match.start()].replace("'", "''") + "'")
        token = match.group()
        if token not in _STRFTIME:
            raise ValueError(f"no CLDR letter for {token}")
        parts.append(_STRFTIME[token])
        last = match.end()
    if last < len(layout):
        parts.append("'" + layout[last:].replace("'", "''") + "'")
    pattern = "".join(parts)
    if _language.get() == "de":  # German writes the day of the month as an ordinal: 07. Dez.
        pattern = re.sub(r"\b(d{1,2})' '(MMM)", r"\1'. '\2", pattern)
    if isinstance(value, datetime):
        return dates.format_datetime(value, format=pattern, locale=locale())
    return dates.format_date(value, format=pattern, locale=locale())


def weekday(value: date | datetime, width: str = "wide") -> str:
    """``Monday`` / ``Montag`` (``abbreviated``: Mon / Mo.)."""
    return dates.format_date(value, format="EEEE" if width == "wide" else "EEE", locale=locale())


def distance(meters: float, digits: int = 1) -> str:
    """``42.2 km`` or ``26.2 mi``, by the athlete's unit."""
    if _imperial.get():
        return f"{number(meters / 1000 / KM_PER_MILE, digits)} mi"
    return f"{number(meters / 1000, digits)} km"


def distance_unit() -> str:
    return "mi" if _imperial.get() else "km"


def pace(s_per_km: float) -> str:
    """``4:30/km`` or ``7:15/mi``, by the athlete's unit."""
    seconds = round(s_per_km * (KM_PER_MILE if _imperial.get() else 1.0))
    return f"{seconds // 60}:{seconds % 60:02d}/{distance_unit()}"
