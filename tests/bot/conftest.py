"""The real Application, polling a local Bot API server over HTTP, on the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.app import build_application, polling
from bot.asgi_server import BackgroundServer
from bot.console.botapi import JsonDict, LocalBotApi, Sent
from bot.context import AppContext
from bot.jobs.runner import JobRunner
from bot.serve import attach_reports
from bot.settings import Settings

TOKEN = "123456789:test-token-abcdefghijklmnopqrstuvwxyz"
NOW = datetime(2026, 11, 25, 6, 45, tzinfo=UTC)


@asynccontextmanager
async def running_jobs(ctx: AppContext, app: Application) -> AsyncIterator[JobRunner]:  # type: ignore[type-arg]
    """A started job runner for ``app`` with the kinds a bot needs in a test (its reports), as ``ctx.jobs``;
    stopped at the end, as a process stops (what it was running goes back to the queue)."""
    runner = ctx.jobs = JobRunner(ctx.sessions, clock=ctx.clock)
    attach_reports(ctx, app)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


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

    @property
    def jobs(self) -> JobRunner:
        assert self.ctx.jobs is not None
        return self.ctx.jobs

    async def start(self) -> None:
        await self._running.enter_async_context(polling(self.app, poll_timeout_s=1))
        # A runner per start, like a process: a restarted bot has a new one.
        await self._running.enter_async_context(running_jobs(self.ctx, self.app))

    async def idle(self) -> None:
        """Until the jobs due now (the reports asked for) have run and their last messages are out."""
        await self.jobs.run_due()

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
