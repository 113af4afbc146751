"""Shared pieces of the brief tests: a settable clock, users with a zone, nights of recovery data, a bot
"process" (Application + BriefScheduler) on the local Bot API."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.app import build_application
from bot.context import AppContext
from bot.scheduler import BriefScheduler, SyncRequest, no_sync
from bot.settings import Settings
from db.repositories import metrics, users

TOKEN = "123456789:test-token-abcdefghijklmnopqrstuvwxyz"
REPO_ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """The instant every part of the bot sees; tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def settings(**overrides: object) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


async def make_user(
    sessions: async_sessionmaker[AsyncSession], telegram_id: int, *, tz: str = "Europe/Berlin", at: time = time(7)
) -> str:
    async with sessions.begin() as session:
        link = await users.link_telegram_user(session, telegram_user_id=telegram_id, chat_id=telegram_id, name="A")
        user = link.user
        user.timezone = tz
        user.brief_time = at
        return user.id


async def add_nights(
    sessions: async_sessionmaker[AsyncSession], user_id: str, days: list[date], *, hrv: float = 60.0
) -> None:
    rows = [
        {"user_id": user_id, "date": d, "source": "test", "hrv": hrv, "resting_hr": 50, "hours_slept": 7.5}
        for d in days
    ]
    async with sessions.begin() as session:
        await metrics.upsert_many(session, rows)


@dataclass
class Process:
    app: Application  # type: ignore[type-arg]
    scheduler: BriefScheduler
    ctx: AppContext

    async def tick_and_send(self) -> None:
        await self.scheduler.tick()
        await self.scheduler.idle()


@asynccontextmanager
async def bot_process(
    url: str,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    request_sync: SyncRequest = no_sync,
    conf: Settings | None = None,
) -> AsyncIterator[Process]:
    """One bot process: its own Application (HTTP client, rate limiter) and scheduler, no polling."""
    ctx = AppContext(settings=conf or settings(), sessions=sessions, clock=clock)
    app = build_application(ctx, token=TOKEN, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot", polling=False)
    async with app:
        scheduler = BriefScheduler(app, ctx, request_sync=request_sync)
        try:
            yield Process(app, scheduler, ctx)
        finally:
            await scheduler.stop()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


class Worker:
    """The second bot process: a real interpreter, driven one tick at a time over stdin."""

    def __init__(self, database_url: str, api_url: str, *, reply_timeout_s: float = 60) -> None:
        self.reply_timeout_s = reply_timeout_s
        self.args = [sys.executable, "-m", "tests.bot.sim_worker", database_url, api_url]
        self.proc: asyncio.subprocess.Process | None = None
        self.sent = 0

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=REPO_ROOT,
        )
        assert await self._line() == "ready"

    async def _line(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        return (await asyncio.wait_for(self.proc.stdout.readline(), self.reply_timeout_s)).decode().strip()

    async def tick(self, now: datetime) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(f"tick {now.isoformat()}\n".encode())
        await self.proc.stdin.drain()
        answer = await self._line()
        assert answer.startswith("done ")
        self.sent += int(answer.split()[1])

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        self.proc = None
