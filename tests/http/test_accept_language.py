"""The browser's Accept-Language decides the language of a page no athlete is known for."""

from __future__ import annotations

import pytest

from bot.http.languages import MAX_HEADER_CHARS, preferred


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de", "de"),
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("de-AT,de;q=0.9,en;q=0.5", "de"),
        ("es-419", "es"),
        ("EN-gb", "en"),
        ("en-US,en;q=0.9", "en"),
        # By weight, not by position; equal weights keep the header's order.
        ("en;q=0.5, es;q=0.8", "es"),
        ("de;q=0.7, fr;q=0.7", "de"),
        ("en;q=0.1, de", "de"),
        ("de;q=1.000, fr", "de"),
        # Languages we do not ship are passed over for the next one that we do.
        ("pt-BR, pt;q=0.9, fr;q=0.4", "fr"),
        ("zh-Hant-TW, ja;q=0.8, es;q=0.1", "es"),
        # q=0 means "not this one".
        ("de;q=0, fr;q=0.1", "fr"),
        ("de;q=0.000", None),
        # Nothing usable: the caller speaks English.
        ("pt-BR, ja", None),
        ("*", None),
        ("", None),
        (None, None),
        # Malformed entries are skipped, the rest still counts.
        ("de;q=abc, fr", "fr"),
        ("de;q=2, es", "es"),
        ("de;q=-1, es;q=0.2", "es"),
        ("d e, es", "es"),
        ("<script>, fr", "fr"),
        (";q=0.9, es", "es"),
        (",,, de ,", "de"),
        ("de;level=1;q=0.5, fr;q=0.4", "de"),
        ("deutsch-de, fr", "fr"),
    ],
)
def test_the_first_shipped_language_by_weight(header: str | None, language: str | None) -> None:
    assert preferred(header) == language


def test_a_huge_header_is_read_only_in_part() -> None:
    assert preferred("de" + ", pt" * 10_000) == "de"
    assert preferred("pt, " * (MAX_HEADER_CHARS // 4 + 1) + "fr") is None
    assert preferred("x" * 100_000) is None
