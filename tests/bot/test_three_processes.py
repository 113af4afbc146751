"""Three bot processes, one Telegram pace: 3,000 briefs due in the same minute, each delivered once, no second
of the Bot API holding more than 30 sends, no chat given two messages in a second.

The processes are real interpreters (`tests.bot.sim_worker`: the scheduler and rate limiter of the product,
nothing shared with the others but PostgreSQL and the Bot API). The local Bot API here counts every
``sendMessage`` it accepts by the second of its own clock; a chat sent to again within a second is refused
with a 429 as Telegram refuses it (and counted).
"""

from __future__ import annotations

import asyncio
import time as wall
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import MESSAGES_PER_SECOND
from bot.asgi_server import BackgroundServer
from bot.console.botapi import ApiError, JsonDict, LocalBotApi
from db.models import BriefDelivery
from db.repositories import briefs, users
from tests.bot.brief_support import TOKEN, Worker

USERS = 3000
PROCESSES = 3
FIRST_CHAT = 500_000
DUE = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)  # 07:00 in Berlin, everyone's brief time


class CountingBotApi(LocalBotApi):
    """The local Bot API, with the time of every accepted send and Telegram's one message a second per chat."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.accepted: list[tuple[float, int]] = []
        self.refused = 0
        self._last: dict[int, float] = {}
        self.faults["sendMessage"] = self._pace

    def _pace(self, params: JsonDict) -> ApiError | None:
        now = wall.monotonic()
        chat = int(params["chat_id"])
        if now - self._last.get(chat, -10.0) < 1.0:
            self.refused += 1
            return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._last[chat] = now
        self.accepted.append((now, chat))
        return None


@pytest.fixture
async def api() -> AsyncIterator[tuple[CountingBotApi, str]]:
    local = CountingBotApi(TOKEN)
    async with BackgroundServer(local.asgi()) as server:
        yield local, server.url


async def _athletes(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        for n in range(USERS):
            chat = FIRST_CHAT + n
            link = await users.link_telegram_user(session, telegram_user_id=chat, chat_id=chat, name="A")
            link.user.timezone, link.user.brief_time = "Europe/Berlin", time(7)


@pytest.mark.slow
async def test_three_processes_send_3000_briefs_within_telegrams_limits(
    api: tuple[CountingBotApi, str], sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    local, url = api
    await _athletes(sessions)
    # A tick sends the brief jobs its process takes: a third of 3,000 at the shared 28.5/s is about 105 s.
    workers = [Worker(database_url, url, reply_timeout_s=900) for _ in range(PROCESSES)]
    await asyncio.gather(*(w.start() for w in workers))
    try:
        # Every process ticks at the due minute (all take jobs and send), then once a minute after it: a brief
        # whose send met a 429 goes back to pending and is taken by the next tick.
        for minute in range(6):
            now = DUE.replace(minute=minute)
            await asyncio.gather(*(w.tick(now) for w in workers))
            async with sessions() as session:
                sent = await session.scalar(
                    select(func.count()).select_from(BriefDelivery).where(BriefDelivery.status == briefs.SENT)
                )
            if sent == USERS:
                break
    finally:
        await asyncio.gather(*(w.kill() for w in workers))

    assert sent == USERS
    per_chat = Counter(chat for _, chat in local.accepted)
    assert len(per_chat) == USERS and set(per_chat.values()) == {1}  # each brief delivered exactly once
    assert sum(w.sent for w in workers) == USERS
    assert all(w.sent > 0 for w in workers)  # the three shared the work

    began = min(t for t, _ in local.accepted)
    per_second: defaultdict[int, int] = defaultdict(int)
    for at, _ in local.accepted:
        per_second[int(at - began)] += 1
    assert max(per_second.values()) <= MESSAGES_PER_SECOND, sorted(per_second.items())
    assert local.refused == 0  # no chat was sent two messages within a second
