"""Small pieces the reports share when they speak: signed numbers, today's call, counts of big numbers."""

from __future__ import annotations

from babel import numbers

from coach import i18n
from coach.i18n import tp
from coach.readiness import Action


def signed(value: float, digits: int = 0) -> str:
    """``+12`` or ``−5`` (a true minus sign) as the reports always wrote them (``+0``, ``−0`` included),
    with the decimal sign of the athlete's language."""
    text = f"{value:+.{digits}f}".replace("-", "−")
    if digits <= 0 or i18n.current() == i18n.DEFAULT:
        return text
    return text[0] + i18n.number(float(text[1:]), digits)


def grouped(value: float) -> str:
    """``5,000`` in English, ``5.000`` in German: a whole number with the locale's thousands separator."""
    if i18n.current() == i18n.DEFAULT:
        return f"{value:,.0f}"
    return numbers.format_decimal(round(value), locale=i18n.locale())


def typed_number(value: float) -> str:
    """A number the athlete typed, echoed back (``120``, ``0.5``) with the locale's decimal sign."""
    text = f"{value:g}"
    if i18n.current() == i18n.DEFAULT:
        return text
    return text.replace(".", numbers.get_decimal_symbol(i18n.locale()))


def action(value: Action) -> str:
    """Today's call in a few words (``reduce intensity``): the rules' action as the reports name it."""
    if value is Action.PROCEED:
        return tp("today's call", "proceed")
    if value is Action.MODIFY:
        return tp("today's call", "modify")
    if value is Action.REDUCE_INTENSITY:
        return tp("today's call", "reduce intensity")
    if value is Action.ACTIVE_RECOVERY:
        return tp("today's call", "active recovery")
    return tp("today's call", "rest")


def whole(value: float) -> str:
    """A whole number as the reports write loads and milliseconds: ``152``."""
    return f"{value:.0f}"


def percent(share: float) -> str:
    """``0.8`` → ``80%``."""
    return f"{share:.0%}"
