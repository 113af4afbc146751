"""The catalogs ship complete: every message of the code, translated in every language, valid for msgfmt."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from coach import i18n
from coach.i18n import catalogs


def test_every_message_is_translated_in_every_shipped_language() -> None:
    problems = catalogs.check()
    assert not problems, "\n".join(str(p) for p in problems[:40]) + f"\n({len(problems)} in all)"


def test_the_catalogs_hold_the_messages_of_the_code() -> None:
    # The extraction finds what the code says (a change to the keywords would make the test above vacuous).
    found = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogs.extract() if m.id}
    assert "Syncing {providers}…" in found
    assert "{n} workout" in found
    assert len(found) > 10


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT])
def test_msgfmt_check_is_clean(language: str, tmp_path: object) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed (the checks above ran with Babel's reader)")
    result = subprocess.run(
        [msgfmt, "--check", "-o", "/dev/null", str(catalogs.po_path(language))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_a_problem_is_found_when_a_translation_drops_a_field(tmp_path: object) -> None:
    from babel.messages.catalog import Message

    message = Message("{provider}: syncing…", "synchronisiere…")
    problems = catalogs._check_message("de", message, 2)
    assert problems and "fields" in problems[0].why


def test_words_numbers_and_dates_follow_the_language() -> None:
    from datetime import date

    with i18n.use("de"):
        assert i18n.t("Syncing…") == "Synchronisiere…"
        assert i18n.number(7.94, 1) == "7,9"
        assert i18n.when(date(2026, 12, 7), "%a %d %b") == "Mo. 07. Dez."
    with i18n.use("fr", imperial=True):
        assert i18n.tn("{n} night", "{n} nights", 0) == "0 nuit"
        assert i18n.distance(42195) == "26,2 mi"
        assert i18n.pace(270) == "7:15/mi"
    assert i18n.t("Syncing…") == "Syncing…"
    assert i18n.when(date(2026, 12, 7), "%a %d %b") == "Mon 07 Dec"


def test_the_language_is_the_choice_else_telegrams_else_english() -> None:
    assert i18n.choose("fr", "de") == "fr"
    assert i18n.choose(None, "de-AT") == "de"
    assert i18n.choose(None, "pt-br") == "en"
    assert i18n.choose(None, None) == "en"
