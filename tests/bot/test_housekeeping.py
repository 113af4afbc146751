"""Expired buttons and OAuth states are deleted; live ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.housekeeping import purge_expired
from db.models import CallbackAction, TelegramPace
from db.repositories import actions, users

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


async def test_expired_buttons_go_and_live_ones_stay(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        user = (await users.link_telegram_user(session, telegram_user_id=5, chat_id=5, name=None)).user
        for ttl in (timedelta(minutes=-5), timedelta(minutes=-1), timedelta(hours=1)):
            await actions.issue(session, user_id=user.id, chat_id=5, kind="k", now=NOW, ttl=ttl)
    assert await purge_expired(sessions, now=NOW) == (2, 0, 0)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CallbackAction)) == 1
    assert await purge_expired(sessions, now=NOW) == (0, 0, 0)


async def test_idle_per_chat_pace_rows_are_deleted_and_the_bot_row_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await session.execute(delete(TelegramPace))
        session.add_all(
            [
                TelegramPace(key="*", tat=NOW - timedelta(days=2)),
                TelegramPace(key="4242", tat=NOW - timedelta(hours=2)),  # idle: deleted
                TelegramPace(key="4343", tat=NOW - timedelta(minutes=5)),  # recent: kept
            ]
        )
    await purge_expired(sessions, now=NOW)
    async with sessions() as session:
        assert set((await session.scalars(select(TelegramPace.key))).all()) == {"*", "4343"}
