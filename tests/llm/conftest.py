"""A fake Gemini server on a free loopback port, and the real google-genai client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_application, polling
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from bot.context import AppContext
from bot.settings import Settings
from coach.llm.client import GeminiClient, LlmConfig
from coach.llm.service import CoachLlm
from tests.bot.conftest import NOW, TOKEN, Harness, running_jobs
from tests.fakes.gemini import FakeGemini

API_KEY = "AIzaFAKE-test-key-0123456789abcdefghij"


@dataclass
class Gemini:
    fake: FakeGemini
    url: str


@pytest.fixture
async def gemini() -> AsyncIterator[Gemini]:
    fake = FakeGemini()
    async with BackgroundServer(fake.asgi()) as server:
        yield Gemini(fake=fake, url=server.url)


def short_config(url: str, **overrides: object) -> LlmConfig:
    """Short timeouts so outage tests finish quickly; the product defaults are in `bot.settings`."""
    values: dict[str, object] = {
        "api_key": API_KEY,
        "model": "gemini-3.8-flash",
        "base_url": url,
        "timeout_s": 0.5,
        "deadline_s": 2.0,
        "attempts": 3,
        "circuit_failures": 5,
        "circuit_open_s": 30.0,
    }
    values.update(overrides)
    return LlmConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
async def client(gemini: Gemini) -> AsyncIterator[GeminiClient]:
    c = GeminiClient(short_config(gemini.url))
    yield c
    await c.aclose()


# --------------------------------------------------------------------------- the bot with the Gemini coach


@asynccontextmanager
async def running_bot(
    sessions: async_sessionmaker[AsyncSession], llm: CoachLlm | None, settings: Settings | None = None
) -> AsyncIterator[Harness]:
    """The real Application polling a local Bot API, with ``llm`` as its Gemini coach."""
    api = LocalBotApi(TOKEN)
    ctx = AppContext(
        settings=settings or Settings(_env_file=None),  # type: ignore[call-arg]
        sessions=sessions,
        clock=lambda: NOW,
        llm=llm,
    )
    async with BackgroundServer(api.asgi()) as server:
        app = build_application(ctx, token=TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")
        async with polling(app, poll_timeout_s=1), running_jobs(ctx, app):
            yield Harness(api=api, app=app, ctx=ctx, sessions=sessions)


@dataclass
class CoachBot:
    harness: Harness
    fake: FakeGemini
    llm: CoachLlm


@pytest.fixture
async def coach_bot(gemini: Gemini, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[CoachBot]:
    client = GeminiClient(short_config(gemini.url))
    llm = CoachLlm(client=client, sessions=sessions, daily_tokens=100_000)
    async with running_bot(sessions, llm) as harness:
        yield CoachBot(harness=harness, fake=gemini.fake, llm=llm)
    await client.aclose()
