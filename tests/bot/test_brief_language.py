"""The morning brief is an unasked message: each athlete's is composed in their own language and units."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import scheduler
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from bot.texts import brief as texts_brief
from coach import i18n
from coach.brief import Brief
from db.repositories import users
from tests.bot.brief_support import TOKEN, Clock, add_nights, bot_process, make_user, utc

DAY = date(2026, 11, 20)


@pytest.fixture
async def api() -> AsyncIterator[tuple[LocalBotApi, str]]:
    local = LocalBotApi(TOKEN)
    async with BackgroundServer(local.asgi()) as server:
        yield local, server.url


async def _speaks(sessions: async_sessionmaker[AsyncSession], user_id: str, **settings: str | None) -> None:
    async with sessions.begin() as session:
        user = await users.get(session, user_id=user_id)
        assert user is not None
        for key, value in settings.items():
            setattr(user, key, value)


async def test_each_brief_is_composed_in_its_athletes_language(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    local, url = api
    nights = [DAY - timedelta(days=i) for i in range(15)]
    athletes = {201: {}, 202: {"telegram_language": "de"}, 203: {"telegram_language": "de", "language": "fr"}}
    athletes[204] = {"telegram_language": "es", "distance_unit": "mi"}
    for telegram_id, said in athletes.items():
        uid = await make_user(sessions, telegram_id)
        await _speaks(sessions, uid, **said)
        await add_nights(sessions, uid, nights)

    # What language (and unit) was in effect where each brief's words were chosen.
    composed: list[tuple[str, bool, list[str]]] = []
    written: list[tuple[str, bool, int]] = []
    real_compose, real_text = scheduler.compose_many, texts_brief.morning_brief

    async def compose_many(session: AsyncSession, group: list[Any], **kwargs: Any) -> dict[str, Brief]:
        composed.append((i18n.current(), i18n.imperial(), sorted(u.telegram_chat_id for u in group)))
        return await real_compose(session, group, **kwargs)

    def morning_brief(brief: Brief) -> str:
        written.append((i18n.current(), i18n.imperial(), brief.local_date.day))
        return real_text(brief)

    monkeypatch.setattr(scheduler, "compose_many", compose_many)
    monkeypatch.setattr(texts_brief, "morning_brief", morning_brief)
    async with bot_process(url, sessions, Clock(utc(2026, 11, 20, 6, 0))) as proc:
        await proc.tick_and_send()

    for telegram_id in athletes:
        assert len(local.replies(telegram_id)) == 1
    # One batch per language: the German athlete's brief was composed with German active, the chosen
    # language (French) comes before the Telegram app's (German), miles for the athlete who chose them.
    assert sorted(composed) == [("de", False, [202]), ("en", False, [201]), ("es", True, [204]), ("fr", False, [203])]
    assert sorted(written) == [("de", False, 20), ("en", False, 20), ("es", True, 20), ("fr", False, 20)]
    assert i18n.current() == i18n.DEFAULT
