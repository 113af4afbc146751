"""Words this pure package hands to the athlete, kept in English for the caller to translate.

`coach.science` does no I/O, so it does not read the catalogs (`coach.i18n` does). It marks its words with
`N_`, so the catalogs carry them, and returns them in English; the caller says them in the athlete's language
with ``coach.i18n.t``. A sentence with numbers in it is a `Wording`: the English message and its numbers, which
the caller writes in the athlete's locale (``t(w.message, **w.fields(i18n.number))``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs; it is translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Wording:
    """An English message with ``{named}`` fields, and each field's number with its decimals."""

    message: str
    numbers: Mapping[str, tuple[float, int]]

    def fields(self, number: Callable[[float, int], str]) -> dict[str, str]:
        """The fields written by ``number(value, decimals)`` (``coach.i18n.number`` for the athlete's locale)."""
        return {name: number(value, digits) for name, (value, digits) in self.numbers.items()}

    def english(self) -> str:
        return self.message.format(**self.fields(lambda value, digits: f"{value:.{digits}f}"))
