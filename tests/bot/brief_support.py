"""Shared pieces of the brief tests: a settable clock, users with a zone, nights of recovery data, a bot
"process" (Application + BriefScheduler) on the local Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.app import build_application
from bot.context import AppContext
from bot.scheduler import BriefScheduler, SyncRequest, no_sync
from bot.settings import Settings
from db.repositories import metrics, users

TOKEN = "123456789:test-token-abcdefghijklmnopqrstuvwxyz"


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
