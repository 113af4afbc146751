"""With the Gemini coach on, an illness told in a message is still recorded, and the veto stands above the answer."""

from __future__ import annotations

from bot.console.botapi import LocalBotApi
from bot.texts import llm as texts_llm
from coach import i18n
from coach.daily import local_today
from db.repositories import checkins, users
from tests.bot.conftest import NOW
from tests.fakes import gemini as fake
from tests.llm.conftest import CoachBot
from tests.llm.test_answers import load_demo

HANS = LocalBotApi.user(4343, "Hans", language_code="de")


async def test_illness_is_recorded_before_the_model_answers(coach_bot: CoachBot) -> None:
    harness = coach_bot.harness
    user_id = await load_demo(harness.sessions, HANS)
    coach_bot.fake.script(fake.json_output({"answer": "Gute Besserung, ruh dich aus.", "recommended_action": "rest"}))
    await harness.api.send_text(HANS, "Ich habe Fieber und Halsschmerzen")
    noted = await harness.api.next_reply(HANS["id"], wait_s=15)
    answer = await harness.api.next_reply(HANS["id"], wait_s=15)  # the model's answer follows the note
    with i18n.use("de"):
        assert noted.text in {texts_llm.illness_noted(True), texts_llm.illness_noted(False)}
    assert "Gute Besserung, ruh dich aus." in answer.text
    async with harness.sessions() as session:
        user = await users.get(session, user_id=user_id)
        assert user is not None
        stored = await checkins.get(session, user_id=user_id, day=local_today(user, NOW))
    assert stored is not None and stored.illness is True
