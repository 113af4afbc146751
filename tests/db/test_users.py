"""Linking Telegram users, cascades and the updatedAt trigger."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Account, DailyMetric, Integration, Report, Session, User, Workout
from db.repositories import users


async def test_link_creates_user_and_account_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        first = await users.link_telegram_user(session, telegram_user_id=42, chat_id=42, name="Ann")
    async with sessions.begin() as session:
        second = await users.link_telegram_user(session, telegram_user_id=42, chat_id=42, name="Ann")
    assert first.created and not second.created
    assert first.user.id == second.user.id
    assert first.user.email.endswith("@telegram.invalid")
    async with sessions() as session:
        account = (await session.scalars(select(Account))).one()
        assert (account.provider, account.provider_account_id, account.user_id) == ("telegram", "42", first.user.id)
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_simultaneous_first_contacts_make_one_user(sessions: async_sessionmaker[AsyncSession]) -> None:
    async def link() -> str:
        async with sessions.begin() as session:
            return (await users.link_telegram_user(session, telegram_user_id=7, chat_id=7, name="Bo")).user.id

    ids = await asyncio.gather(*(link() for _ in range(5)))
    assert len(set(ids)) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_deleting_a_user_deletes_everything_of_theirs(sessions: async_sessionmaker[AsyncSession]) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    async with sessions.begin() as session:
        keep = (await users.link_telegram_user(session, telegram_user_id=1, chat_id=1, name="Keep")).user
        gone = (await users.link_telegram_user(session, telegram_user_id=2, chat_id=2, name="Gone")).user
        for owner in (keep, gone):
            session.add_all(
                [
                    Session(session_token=f"s-{owner.id}", user_id=owner.id, expires=now),
                    Integration(user_id=owner.id, provider="whoop", access_token="x"),
                    Workout(user_id=owner.id, external_id="1", source="fit", date=now, title="Ride", duration_sec=60),
                    DailyMetric(user_id=owner.id, date=date(2026, 11, 1), source="whoop", hrv=50.0),
                    Report(user_id=owner.id, type="CUSTOM", status="PENDING", date_range_start=now, date_range_end=now),
                ]
            )
    async with sessions.begin() as session:
        await users.delete(session, user_id=gone.id)
    async with sessions() as session:
        for model in (Account, Session, Integration, Workout, DailyMetric, Report):
            owners = set((await session.scalars(select(model.user_id))).all())  # type: ignore[attr-defined]
            assert owners == {keep.id}, model.__name__


async def test_updated_at_moves_on_every_update(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        user = (await users.link_telegram_user(session, telegram_user_id=5, chat_id=5, name="Cy")).user
    async with sessions.begin() as session:
        before = await session.scalar(text('SELECT "updatedAt" FROM "User" WHERE id = :id'), {"id": user.id})
    async with sessions.begin() as session:
        # A plain SQL update, as a bulk writer would issue it: the trigger still keeps updatedAt current.
        await session.execute(text('UPDATE "User" SET ftp = 250 WHERE id = :id'), {"id": user.id})
    async with sessions() as session:
        after = await session.scalar(text('SELECT "updatedAt" FROM "User" WHERE id = :id'), {"id": user.id})
    assert after > before
