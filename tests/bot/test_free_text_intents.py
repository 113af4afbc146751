"""Free-text questions through the real bot, without Gemini: each intent in English and in German.

German replies are compared with the same message rendered in German here (``i18n.use("de")``), so the test
holds whether or not the catalog has the translation yet; what is stored is checked in PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.console.botapi import LocalBotApi
from bot.texts import llm as texts_llm
from coach import demo, i18n
from coach.daily import assess_today, local_today
from coach.readiness import Action
from db.models import CheckIn
from db.repositories import checkins, races, users
from tests.bot.conftest import NOW, Harness

ANN = LocalBotApi.user(4242, "Ann")
HANS = LocalBotApi.user(4343, "Hans", language_code="de")
ATHLETES = [pytest.param(ANN, "en", id="en"), pytest.param(HANS, "de", id="de")]
ROSA = LocalBotApi.user(4444, "Rosa", language_code="es")
LEA = LocalBotApi.user(4545, "Léa", language_code="fr-FR")

QUESTIONS = {
    "illness": {
        "en": "I have a fever, can I ride?",
        "de": "Ich habe Fieber, kann ich fahren?",
        "es": "Tengo fiebre, ¿puedo rodar?",
        "fr": "J'ai de la fièvre, je peux rouler ?",
    },
    "sore": {"en": "my legs are sore", "de": "Meine Beine sind schwer"},
    "very_sore": {"en": "my legs are really sore", "de": "Ich habe sehr starken Muskelkater"},
    "slept": {"en": "I slept badly", "de": "Ich habe schlecht geschlafen"},
    "rest": {"en": "should I rest today?", "de": "Ruhetag heute?"},
    "race": {"en": "when is my next race?", "de": "Wann ist mein nächster Wettkampf?"},
    "unknown": {"en": "what's the capital of Peru?", "de": "Was ist die Hauptstadt von Peru?"},
}


async def _demo(harness: Harness, tg_user: dict[str, Any]) -> str:
    async with harness.sessions.begin() as session:
        link = await users.link_telegram_user(
            session,
            telegram_user_id=tg_user["id"],
            chat_id=tg_user["id"],
            name=tg_user["first_name"],
            language_code=tg_user["language_code"],
        )
        await demo.load(session, link.user, now=NOW)
        return link.user.id


async def _check_in(harness: Harness, user_id: str) -> CheckIn | None:
    async with harness.sessions() as session:
        user = await users.get(session, user_id=user_id)
        assert user is not None
        return await checkins.get(session, user_id=user_id, day=local_today(user, NOW))


def _in(language: str, render: Any, *args: Any, **kwargs: Any) -> str:
    with i18n.use(language):
        return str(render(*args, **kwargs))


@pytest.mark.parametrize(
    ("tg_user", "language"), [*ATHLETES, pytest.param(ROSA, "es", id="es"), pytest.param(LEA, "fr", id="fr")]
)
async def test_illness_in_a_message_is_an_illness_check_in_and_a_hard_veto(
    harness: Harness, tg_user: dict[str, Any], language: str
) -> None:
    user_id = await _demo(harness, tg_user)
    replies = await harness.ask(tg_user, QUESTIONS["illness"][language])
    assert len(replies) == 2
    noted = replies[0].text
    assert noted in {_in(language, texts_llm.illness_noted, changed) for changed in (True, False)}
    stored = await _check_in(harness, user_id)
    assert stored is not None and stored.illness is True
    async with harness.sessions() as session:
        user = await users.get(session, user_id=user_id)
        assert user is not None
        assessment = await assess_today(session, user, now=NOW)
    assert assessment.suggestion is not None and assessment.suggestion.action is Action.REST
    assert any(f.key == "illness" for f in assessment.suggestion.factors)
    if language == "en":
        assert replies[1].text.startswith("<b>Today (Wed 25 Nov): rest today</b>")
    # Said again, the check-in stays one row and still says ill.
    await harness.ask(tg_user, QUESTIONS["illness"][language])
    again = await _check_in(harness, user_id)
    assert again is not None and again.id == stored.id and again.illness is True


@pytest.mark.parametrize(("tg_user", "language"), ATHLETES)
async def test_sore_legs_go_into_the_check_in(harness: Harness, tg_user: dict[str, Any], language: str) -> None:
    user_id = await _demo(harness, tg_user)
    replies = await harness.ask(tg_user, QUESTIONS["sore"][language])
    assert replies[0].text == _in(language, texts_llm.sore_legs_noted, False)
    stored = await _check_in(harness, user_id)
    assert stored is not None and stored.soreness == 1 and not stored.illness
    replies = await harness.ask(tg_user, QUESTIONS["very_sore"][language])
    assert replies[0].text == _in(language, texts_llm.sore_legs_noted, True)
    stored = await _check_in(harness, user_id)
    assert stored is not None and stored.soreness == 2
    await harness.ask(tg_user, QUESTIONS["sore"][language])  # said mildly later: still very sore
    stored = await _check_in(harness, user_id)
    assert stored is not None and stored.soreness == 2
    if language == "en":
        assert "very sore" in replies[1].text  # today's answer names it


@pytest.mark.parametrize(("tg_user", "language"), ATHLETES)
async def test_a_bad_night_gets_today_with_a_word_about_sleep(
    harness: Harness, tg_user: dict[str, Any], language: str
) -> None:
    user_id = await _demo(harness, tg_user)
    replies = await harness.ask(tg_user, QUESTIONS["slept"][language])
    assert replies[0].text == _in(language, texts_llm.slept_badly_noted)
    assert len(replies) == 2
    assert await _check_in(harness, user_id) is None  # the check-in has no place for sleep


@pytest.mark.parametrize(("tg_user", "language"), ATHLETES)
async def test_rest_or_not_is_answered_yes_or_no(harness: Harness, tg_user: dict[str, Any], language: str) -> None:
    await _demo(harness, tg_user)
    reply = (await harness.ask(tg_user, QUESTIONS["rest"][language]))[0].text
    # The demo morning is a rest or active-recovery day: the answer is yes.
    verdicts = {_in(language, texts_llm.rest_verdict, a) for a in (Action.REST, Action.ACTIVE_RECOVERY)}
    first = reply.split("\n\n", 1)[0]
    assert first in verdicts
    if language == "en":
        assert "\n\n<b>Today (Wed 25 Nov)" in reply


@pytest.mark.parametrize(("tg_user", "language"), ATHLETES)
async def test_race_questions_get_the_next_race(harness: Harness, tg_user: dict[str, Any], language: str) -> None:
    reply = (await harness.ask(tg_user, QUESTIONS["race"][language]))[0].text  # no data, no race yet
    assert reply.startswith(_in(language, texts_llm.no_race))
    user_id = await _demo(harness, tg_user)  # the demo's race is in 70 days
    day = NOW.date() + timedelta(days=40)
    async with harness.sessions.begin() as session:
        await races.add(session, user_id=user_id, name="Gran Fondo <Alps>", day=day, priority="A")
        await races.add(session, user_id=user_id, name="Later", day=day + timedelta(days=30), priority="B")
    reply = (await harness.ask(tg_user, QUESTIONS["race"][language]))[0].text
    assert "<b>Gran Fondo &lt;Alps&gt;</b>" in reply and "Later" not in reply and "Demo" not in reply
    with i18n.use(language):
        assert i18n.when(day, "%a %d %b %Y") in reply
    if language == "en":
        assert "40 days to go" in reply
        assert "\nThis week is a base week of your plan." in reply
    assert "/races" in reply


def test_race_day_itself() -> None:
    from db.models import Race

    race = Race(name="Local crit", date=date(2026, 11, 25), priority="C", sport="ride")
    text = texts_llm.next_race(race, today=date(2026, 11, 25), phase=None, recovery=False)
    assert text.startswith("🏁 Your next race is today: <b>Local crit</b>")
    tomorrow = texts_llm.next_race(race, today=date(2026, 11, 24), phase="taper", recovery=True)
    assert "1 day to go" in tomorrow and "taper week" in tomorrow


@pytest.mark.parametrize(("tg_user", "language"), ATHLETES)
async def test_an_unknown_question_gets_an_honest_reply_and_the_notice_once(
    harness: Harness, tg_user: dict[str, Any], language: str
) -> None:
    await _demo(harness, tg_user)
    first = (await harness.ask(tg_user, QUESTIONS["unknown"][language]))[0].text
    second = (await harness.ask(tg_user, QUESTIONS["unknown"][language]))[0].text
    answer, notice = _in(language, texts_llm.cannot_answer), _in(language, texts_llm.needs_key_notice)
    assert first == f"{answer}\n\n{notice}"
    assert second == answer
    assert "GEMINI" not in first and "API" not in first


def test_no_chat_text_names_an_environment_variable() -> None:
    for language in i18n.LANGUAGES:
        with i18n.use(language):
            for text in (texts_llm.needs_key_notice(), texts_llm.gemini_down_notice(), texts_llm.budget_spent()):
                assert "GEMINI" not in text and "_KEY" not in text


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("how should I train today?", "Wie soll ich heute trainieren?"),
        ("what should I do tomorrow?", "Was soll ich morgen machen?"),
        ("how much should I ride this week?", "Wie viel soll ich diese Woche fahren?"),
    ],
)
async def test_german_questions_get_the_same_answers_as_english_ones(
    harness: Harness, english: str, german: str
) -> None:
    await _demo(harness, HANS)
    await harness.ask(HANS, "Pizza?")  # the one-off notice comes with this answer
    asked_in_english = [r.text for r in await harness.ask(HANS, english)]
    asked_in_german = [r.text for r in await harness.ask(HANS, german)]
    assert asked_in_german == asked_in_english
