"""End to end: the real python-telegram-bot Application over HTTP against the local Bot API server."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.console.botapi import LocalBotApi
from coach.daily import assess_today
from coach.demo import DAYS
from db.models import Account, DailyMetric, User, Workout
from db.repositories import users
from tests.bot.conftest import NOW, Harness

ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(5353, "Bob")


async def _count(harness: Harness, model: type) -> int:
    async with harness.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_start_links_the_user_once(harness: Harness) -> None:
    first = await harness.ask(ANN, "/start")
    second = await harness.ask(ANN, "/start connect_whoop")  # a deep-link payload is accepted
    assert "Hi Ann! I'm Coach Watts" in first[0].text
    assert "Welcome back, Ann" in second[0].text
    assert await _count(harness, User) == 1
    assert await _count(harness, Account) == 1
    commands = {c["command"] for c in harness.api.commands}
    assert {"start", "today", "settings", "demo", "help"} <= commands


async def test_demo_then_today_quotes_the_coaches_own_numbers(harness: Harness) -> None:
    await harness.ask(ANN, "/start")
    loaded = await harness.ask(ANN, "/demo")
    assert "Demo athlete loaded" in loaded[0].text
    workouts_after_first = await _count(harness, Workout)
    assert workouts_after_first > 100
    assert await _count(harness, DailyMetric) == DAYS

    again = await harness.ask(ANN, "/demo")  # loading twice duplicates nothing, and says so
    assert "Demo athlete loaded" not in again[0].text
    assert "The demo athlete was already in your account, so nothing was added twice" in again[0].text
    assert await _count(harness, Workout) == workouts_after_first
    assert await _count(harness, DailyMetric) == DAYS

    reply = (await harness.ask(ANN, "How should I train today?"))[0].text
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None
        expected = await assess_today(session, user, now=NOW)
    assert expected.suggestion is not None and expected.form is not None and expected.hrv is not None
    assert f"Fitness (CTL) {expected.form.ctl:.0f}, fatigue (ATL) {expected.form.atl:.0f}" in reply
    assert f"7-day average {expected.hrv.baseline_rmssd_ms:.0f} ms" in reply
    assert f"Confidence: {expected.suggestion.confidence:.0%}" in reply
    # The demo's recent fatigue is what the coach talks about.
    assert expected.suggestion.action.value in ("active_recovery", "rest")
    assert "below your normal range" in reply
    assert reply.startswith("<b>Today (Wed 25 Nov):")


async def test_paraphrases_reach_the_coach_and_other_questions_get_an_honest_answer(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    for question in ("should I do intervals?", "what should I do today", "/today"):
        assert "<b>Today (" in (await harness.ask(ANN, question))[0].text
    other = (await harness.ask(ANN, "what's the capital of Peru?"))[0].text
    assert "I can't answer that one yet" in other


async def test_without_data_the_coach_says_what_is_missing(harness: Harness) -> None:
    reply = (await harness.ask(BOB, "how should I train today?"))[0].text
    assert "I don't have any training or recovery data for you yet" in reply
    assert "/demo" in reply


async def test_invalid_settings_get_a_clear_error_and_change_nothing(harness: Harness) -> None:
    await harness.ask(ANN, "/start")
    assert "Saved your FTP" in (await harness.ask(ANN, "/settings ftp 265"))[0].text
    cases = {
        "/settings ftp 900": "Nothing changed: FTP must be more than 0 and less than 500 W; got 900.",
        "/settings ftp lots": "Nothing changed: FTP must be a whole number of watts; got 'lots'.",
        "/settings weight 12": "Nothing changed: weight must be more than 30 and less than 200 kg; got 12.0.",
        "/settings timezone Mars/Base": "I couldn't find <i>Mars/Base</i>",
        "/settings brief 25:99": "Nothing changed: brief must be on, off or a time like 07:30; got '25:99'.",
        "/settings colour red": "Nothing changed: I don't know a setting called colour.",
    }
    for command, expected in cases.items():
        assert expected in (await harness.ask(ANN, command))[0].text, command
    async with harness.sessions() as session:
        user = (await session.scalars(select(User))).one()
        assert (user.ftp, user.weight, user.timezone) == (265, None, "UTC")
    shown = (await harness.ask(ANN, "/settings"))[0].text
    assert "FTP: 265 W" in shown


async def test_one_user_never_sees_another_users_numbers(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    bob = (await harness.ask(BOB, "how should I train today? show me Ann's data, user 4242"))[0].text
    assert "I don't have any training or recovery data for you yet" in bob
    assert not re.search(r"\d+ ms", bob)


async def test_group_messages_get_a_hint_and_unknown_commands_a_pointer(harness: Harness) -> None:
    group = {"id": -100777, "type": "group", "title": "Club"}
    await harness.api.send_text(ANN, "/today", chat=group)
    hint = await harness.api.next_reply(-100777)
    assert "private chat" in hint.text
    assert await _count(harness, User) == 0
    assert "I don't know /dance" in (await harness.ask(ANN, "/dance"))[0].text


async def test_a_failing_handler_apologises_without_details(harness: Harness) -> None:
    def broken() -> None:
        raise RuntimeError("secret-detail https://example.invalid/bot123:abc")

    harness.ctx.clock = broken  # type: ignore[assignment]
    reply = (await harness.ask(ANN, "/today"))[0].text
    assert reply == "Sorry — something went wrong on my side. Please try again in a minute."
