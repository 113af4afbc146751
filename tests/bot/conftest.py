"""The real Application, polling a local Bot API server over HTTP, on the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.app import build_application, polling
from bot.asgi_server import BackgroundServer
from bot.console.botapi import JsonDict, LocalBotApi, Sent
from bot.context import AppContext
from bot.settings import Settings

TOKEN = "123456789:test-token-abcdefghijklmnopqrstuvwxyz"
NOW = datetime(2026, 11, 25, 6, 45, tzinfo=UTC)


@dataclass
class Harness:
    api: LocalBotApi
    app: Application  # type: ignore[type-arg]
    ctx: AppContext
    sessions: async_sessionmaker[AsyncSession]
    server_url: str = ""
    _running: AsyncExitStack = field(default_factory=AsyncExitStack)

    def _build(self) -> Application:  # type: ignore[type-arg]
        return build_application(
            self.ctx, token=TOKEN, base_url=f"{self.server_url}/bot", base_file_url=f"{self.server_url}/file/bot"
        )

    async def start(self) -> None:
        await self._running.enter_async_context(polling(self.app, poll_timeout_s=1))

    async def stop(self) -> None:
        await self._running.aclose()

    async def restart(self) -> None:
        """Stop the bot and start a new Application on the same Bot API server and database.

        Nothing of the old Application survives (no PTB memory, no persistence): what the bot remembers
        after this is what it kept in PostgreSQL.
        """
        await self.stop()
        self._running = AsyncExitStack()
        self.app = self._build()
        await self.start()

    async def ask(self, user: JsonDict, text: str) -> list[Sent]:
        """Send ``text`` as ``user`` and return every reply until the bot goes quiet."""
        await self.api.send_text(user, text)
        return await self.api.drain(user["id"], quiet=0.3, wait_s=15)


@pytest.fixture
async def harness(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Harness]:
    api = LocalBotApi(TOKEN)
    ctx = AppContext(settings=Settings(_env_file=None), sessions=sessions, clock=lambda: NOW)  # type: ignore[call-arg]
    async with BackgroundServer(api.asgi()) as server:
        app = build_application(ctx, token=TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")
        harness = Harness(api=api, app=app, ctx=ctx, sessions=sessions, server_url=server.url)
        await harness.start()
        try:
            yield harness
        finally:
            await harness.stop()
