"""The webhook inbox: marking handled updates, and forgetting a person's updates when they delete their account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import TelegramUpdate
from db.repositories import telegram_updates

NOW = datetime(2026, 12, 1, 7, tzinfo=UTC)
ANN, BOB = 7_123_456_789, 5_000_000_001  # Telegram ids beyond 32 bits


def _message(sender: int, text: str) -> dict[str, Any]:
    return {"message": {"from": {"id": sender}, "chat": {"id": sender, "type": "private"}, "text": text}}


async def test_forget_person_removes_their_processed_updates_only(sessions: async_sessionmaker[AsyncSession]) -> None:
    rows = [
        (1, _message(ANN, "my knee hurts"), NOW),
        (2, {"callback_query": {"from": {"id": ANN}, "message": {"chat": {"id": ANN}}, "data": "a:x"}}, NOW),
        (3, {"edited_message": _message(ANN, "my left knee")["message"]}, NOW),
        (4, _message(BOB, "hello"), NOW),
        (5, _message(ANN, "/start"), None),  # not processed yet: still to be answered
    ]
    async with sessions.begin() as session:
        for update_id, payload, processed in rows:
            session.add(TelegramUpdate(update_id=update_id, payload=payload, received_at=NOW, processed_at=processed))
    async with sessions.begin() as session:
        forgotten = await telegram_updates.forget_person(session, telegram_user_id=ANN, chat_id=ANN)
    async with sessions() as session:
        left = (await session.scalars(select(TelegramUpdate.update_id).order_by(TelegramUpdate.update_id))).all()
    assert forgotten == 3
    assert list(left) == [4, 5]


async def test_handled_updates_are_marked_together_and_an_earlier_mark_is_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    earlier = NOW - timedelta(minutes=1)
    async with sessions.begin() as session:
        for update_id in (1, 2, 3):
            await telegram_updates.store(session, update_id=update_id, payload={}, now=earlier, taken=True)
        await telegram_updates.mark_processed(session, update_id=2, now=earlier)
    async with sessions.begin() as session:
        marked = await telegram_updates.mark_many_processed(session, update_ids=[1, 2, 9], now=NOW)
    async with sessions() as session:
        rows = (await session.execute(select(TelegramUpdate.update_id, TelegramUpdate.processed_at))).all()
    assert marked == 1
    assert dict(rows) == {1: NOW, 2: earlier, 3: None}
