"""The Telegram webhook's inbox: store each update once, let one worker take it, mark it processed.

States: stored (``claimedAt`` NULL) → claimed (a worker is on it) → processed. A claim older than the
lease belongs to a worker that died; the update may then be taken again. That is the one window in which
an update can be answered twice (a crash after the reply went out, before ``processedAt`` was written); the
alternative, marking before processing, would silently drop it instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, cast, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import JSONPATH, insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import TelegramUpdate


async def store(session: AsyncSession, *, update_id: int, payload: dict[str, Any], now: datetime) -> bool:
    """Keep the update; False when this ``update_id`` was stored before (a redelivery)."""
    statement = (
        insert(TelegramUpdate)
        .values(updateId=update_id, payload=payload, receivedAt=now)
        .on_conflict_do_nothing(index_elements=["updateId"])
        .returning(TelegramUpdate.update_id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


def _takeable(now: datetime, lease: timedelta) -> Any:
    return (
        TelegramUpdate.processed_at.is_(None),
        or_(TelegramUpdate.claimed_at.is_(None), TelegramUpdate.claimed_at < now - lease),
    )


async def claim(session: AsyncSession, *, update_id: int, now: datetime, lease: timedelta) -> dict[str, Any] | None:
    """Take the update for processing; its payload, or None when it is done or another worker holds it."""
    statement = (
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id == update_id, *_takeable(now, lease))
        .values(claimed_at=now)
        .returning(TelegramUpdate.payload)
        .execution_options(synchronize_session=False)
    )
    payload: dict[str, Any] | None = (await session.execute(statement)).scalar_one_or_none()
    return payload


async def stranded(session: AsyncSession, *, now: datetime, lease: timedelta, limit: int) -> Sequence[int]:
    """Ids of updates nobody is processing: stored but never claimed, or claimed by a worker that died.

    Only updates older than the lease count, so updates a live process has just queued are left to it.
    """
    statement = (
        select(TelegramUpdate.update_id)
        .where(*_takeable(now, lease), TelegramUpdate.received_at < now - lease)
        .order_by(TelegramUpdate.update_id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def mark_processed(session: AsyncSession, *, update_id: int, now: datetime) -> None:
    await session.execute(
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id == update_id)
        .values(processed_at=now)
        .execution_options(synchronize_session=False)
    )


# Any update kind (message, callback_query, edited_message, …) whose sender or chat is the person.
_FROM_PERSON = "$.* ? (@.from.id == $user || @.chat.id == $chat || @.message.chat.id == $chat)"


async def forget_person(session: AsyncSession, *, telegram_user_id: int, chat_id: int) -> int:
    """Delete the processed updates a person sent or that were in their chat (``/deleteme``): their raw
    messages would otherwise stay until the two-day purge. Unprocessed ones (sent after the confirmation)
    are left to be answered; the purge takes them later."""
    # Telegram ids outgrow 32 bits: typed as bigint, not left to the driver's guess.
    variables = func.jsonb_build_object("user", cast(telegram_user_id, BigInteger), "chat", cast(chat_id, BigInteger))
    result = await session.execute(
        delete(TelegramUpdate).where(
            TelegramUpdate.processed_at.is_not(None),
            func.jsonb_path_exists(TelegramUpdate.payload, cast(_FROM_PERSON, JSONPATH), variables),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_processed(session: AsyncSession, *, before: datetime) -> int:
    """Forget processed updates received before ``before`` (Telegram redelivers for at most 24 hours)."""
    result = await session.execute(
        delete(TelegramUpdate).where(TelegramUpdate.processed_at.is_not(None), TelegramUpdate.received_at < before)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
