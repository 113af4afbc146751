"""A fake Gemini server on a free loopback port, and the real google-genai client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.asgi_server import BackgroundServer
from coach.llm.client import GeminiClient, LlmConfig
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
