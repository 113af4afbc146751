"""Polling mode answers chats side by side: one chat waiting on a slow model never holds up another.

The real Application polls the local Bot API; the model is the fake Gemini server holding its answer until
the test releases it, so "while one chat is busy" is a state the test waits for, never a guess in seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.botapi import LocalBotApi
from coach.llm.client import GeminiClient
from coach.llm.service import CoachLlm
from tests.bot.conftest import Harness
from tests.fakes import gemini as fake
from tests.llm.conftest import Gemini, running_bot, short_config
from tests.llm.test_answers import load_demo

ANN = LocalBotApi.user(6101, "Ann")
BOB = LocalBotApi.user(6102, "Bob")
WAIT_S = 30.0  # only how long a failing test waits before it reports; a passing one never waits for it


@pytest.fixture
async def slow_model_bot(gemini: Gemini, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Harness]:
    # Client timeouts far beyond the test: the held answer must be the model's, not a timeout's fallback.
    client = GeminiClient(short_config(gemini.url, timeout_s=120.0, deadline_s=120.0, attempts=1))
    llm = CoachLlm(client=client, sessions=sessions, daily_tokens=100_000)
    async with running_bot(sessions, llm) as harness:
        yield harness
    await client.aclose()


@pytest.fixture
def hold() -> Iterator[fake.Hold]:
    """The model's held answer; released at the end whatever happened, so the bot can stop."""
    held = fake.Hold()
    yield held
    held.release.set()


async def _ask_held_question(harness: Harness, gemini: Gemini, hold: fake.Hold) -> None:
    """Ann asks the coach; returns once her question sits at the model, held."""
    gemini.fake.script(fake.held(fake.json_output({"answer": "Rest today.", "recommended_action": "rest"}), hold))
    await load_demo(harness.sessions, ANN)
    await harness.api.send_text(ANN, "how should I train today?")
    await asyncio.wait_for(hold.arrived.wait(), WAIT_S)


async def test_another_chat_is_answered_while_one_waits_for_the_model(
    slow_model_bot: Harness, gemini: Gemini, hold: fake.Hold
) -> None:
    harness = slow_model_bot
    await _ask_held_question(harness, gemini, hold)
    await harness.api.send_text(BOB, "/help")
    help_reply = await harness.api.next_reply(BOB["id"], wait_s=WAIT_S)
    assert "/settings" in help_reply.text
    assert harness.api.replies(ANN["id"]) == []  # Ann's answer is still with the model
    hold.release.set()
    answer = await harness.api.next_reply(ANN["id"], wait_s=WAIT_S)
    assert "Rest today." in answer.text


async def test_one_chats_updates_are_answered_in_order(
    slow_model_bot: Harness, gemini: Gemini, hold: fake.Hold
) -> None:
    harness = slow_model_bot
    await _ask_held_question(harness, gemini, hold)
    await harness.api.send_text(ANN, "/help")
    # Bob's message comes after Ann's /help; his answer shows the bot has read past Ann's /help.
    await harness.api.send_text(BOB, "/help")
    await harness.api.next_reply(BOB["id"], wait_s=WAIT_S)
    assert harness.api.replies(ANN["id"]) == []  # her /help waits behind her question
    hold.release.set()
    # The answer (with the day's session from the plan after it, when there is one), then the /help.
    replies = await harness.api.drain(ANN["id"], quiet=0.5, wait_s=WAIT_S)
    texts = [r.text for r in replies]
    answer = next(i for i, t in enumerate(texts) if "Rest today." in t)
    help_text = next(i for i, t in enumerate(texts) if "/settings" in t)
    assert answer < help_text
