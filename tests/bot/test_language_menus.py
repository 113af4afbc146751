"""The command menu is registered in every language we speak, and English for every other app."""

from __future__ import annotations

import gettext

import pytest

from bot import texts
from bot.app import command_menu, register_commands
from coach import i18n
from tests.bot.conftest import Harness


class _Shouting(gettext.NullTranslations):
    """A stand-in German catalog that knows one message: the menu's own catalog may not hold it yet."""

    def gettext(self, message: str) -> str:
        return "Was ich kann" if message == "What I can do" else message


def _menu(harness: Harness, language: str) -> dict[str, str]:
    return {c["command"]: c["description"] for c in harness.api.menus[language]}


async def test_a_menu_for_each_language_and_english_as_the_default(harness: Harness) -> None:
    await harness.ask({"id": 4242, "first_name": "Ann", "is_bot": False}, "/help")  # start-up has finished
    assert set(harness.api.menus) == {"", *i18n.LANGUAGES}
    names = [name for name, _ in texts.COMMANDS]
    for language in ("", *i18n.LANGUAGES):
        assert [c["command"] for c in harness.api.menus[language]] == names
        # Each menu is the commands' descriptions in that language, from its catalog.
        expected = {c.command: c.description for c in command_menu(language or i18n.DEFAULT)}
        assert _menu(harness, language) == expected
    assert _menu(harness, "") == _menu(harness, "en") == {name: desc for name, desc in texts.COMMANDS}
    with i18n.use("de"):
        translated = i18n.t("What I can do") != "What I can do"
    if translated:  # once the catalog has the menu: the German menu speaks German
        assert _menu(harness, "de")["help"] != _menu(harness, "en")["help"]


async def test_the_german_menu_is_said_in_german(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    real = i18n.translations
    monkeypatch.setattr(i18n, "translations", lambda lang: _Shouting() if lang == "de" else real(lang))
    await register_commands(harness.app)
    assert _menu(harness, "de")["help"] == "Was ich kann"
    assert _menu(harness, "en")["help"] == _menu(harness, "")["help"] == "What I can do"
    assert _menu(harness, "fr")["help"] == real("fr").gettext("What I can do")
    assert i18n.current() == i18n.DEFAULT  # the menus' languages do not leak into what runs next
