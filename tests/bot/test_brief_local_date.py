"""A brief is composed for, headed with and claimed for one local date, even when it goes out after midnight."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from db.models import BriefDelivery
from db.repositories import briefs
from tests.bot.brief_support import TOKEN, Clock, add_nights, bot_process, make_user, utc

FRIDAY = date(2026, 11, 20)
SATURDAY = date(2026, 11, 21)


@pytest.fixture
async def api() -> AsyncIterator[tuple[LocalBotApi, str]]:
    local = LocalBotApi(TOKEN)
    async with BackgroundServer(local.asgi()) as server:
        yield local, server.url


async def test_a_brief_set_late_in_the_evening_is_one_days_brief(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """``/settings brief 23:59`` at 00:17: Friday's brief (still within the catch-up) speaks of Friday only."""
    local, url = api
    uid = await make_user(sessions, 701, tz="UTC", at=time(23, 59))
    await add_nights(sessions, uid, [FRIDAY - timedelta(days=i) for i in range(15)], hrv=60.0)
    await add_nights(sessions, uid, [SATURDAY], hrv=90.0)  # Saturday's night is in already at 00:17
    clock = Clock(utc(2026, 11, 21, 0, 17))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
        clock.now = utc(2026, 11, 21, 23, 59)
        await proc.tick_and_send()
    friday, saturday = local.replies(701)
    assert "Morning brief — Fri 20 Nov" in friday.text and "Today (Fri 20 Nov)" in friday.text
    assert "today 60 ms" in friday.text  # Friday's night, not Saturday's 90
    assert "Morning brief — Sat 21 Nov" in saturday.text and "Today (Sat 21 Nov)" in saturday.text
    assert "today 90 ms" in saturday.text
    async with sessions() as session:
        rows = (await session.scalars(select(BriefDelivery).order_by(BriefDelivery.local_date))).all()
    assert [(r.local_date, r.status) for r in rows] == [(FRIDAY, briefs.SENT), (SATURDAY, briefs.SENT)]
