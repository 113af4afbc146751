"""The Gemini coach is told to answer in the athlete's language (the prompts themselves stay English)."""

from __future__ import annotations

from typing import Any

from bot.console.botapi import LocalBotApi
from coach import i18n
from coach.llm.service import language_instruction
from tests.fakes import gemini as fake
from tests.llm.conftest import CoachBot
from tests.llm.test_answers import load_demo

GRETA = LocalBotApi.user(5151, "Greta", language_code="de")
ANN = LocalBotApi.user(4242, "Ann")


def _system(body: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in body["systemInstruction"]["parts"])


async def _asked(coach_bot: CoachBot, athlete: dict[str, Any]) -> str:
    await load_demo(coach_bot.harness.sessions, athlete)
    coach_bot.fake.clear()
    coach_bot.fake.script(fake.json_output({"answer": "Ruh dich heute aus.", "recommended_action": "rest"}))
    await coach_bot.harness.ask(athlete, "Wie geht es meiner Form?")
    requests = coach_bot.fake.generate_requests
    assert requests
    return _system(requests[-1])


async def test_a_german_athlete_is_answered_in_german(coach_bot: CoachBot) -> None:
    system = await _asked(coach_bot, GRETA)
    assert "Answer in German (Deutsch), addressing the athlete informally (du)." in system
    assert system.startswith("You are Coach Watts")  # the prompt itself stays English
    assert "English" not in system


async def test_an_english_athlete_is_answered_in_english(coach_bot: CoachBot) -> None:
    system = await _asked(coach_bot, ANN)
    assert "Answer in English." in system
    assert "German" not in system and "Deutsch" not in system


def test_the_instruction_names_each_language() -> None:
    said = {}
    for language in i18n.LANGUAGES:
        with i18n.use(language):
            said[language] = language_instruction()
    assert said["en"].startswith("Answer in English.")
    assert said["es"].startswith("Answer in Spanish (Español)")
    assert said["fr"].startswith("Answer in French (Français)")
    assert len(set(said.values())) == len(i18n.LANGUAGES)
