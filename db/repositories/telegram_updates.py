"""The Telegram webhook's inbox: store each update once, let one worker take it, mark it processed.

States: stored (``claimedAt`` NULL) → claimed (a worker is on it) → processed, or parked after
`inbox.MAX_ATTEMPTS` takes (the claim logic is shared with the provider events: `db.repositories.inbox`). A
claim older than the lease belongs to a worker that died; the update may then be taken again. That is the
one window in which an update can be answered twice (a crash after the reply went out, before
``processedAt`` was written); the alternative, marking before processing, would silently drop it instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, cast, delete, func
from sqlalchemy.dialects.postgresql import JSONPATH, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import TelegramUpdate
from db.repositories import inbox


async def store(
    session: AsyncSession | AsyncConnection,
    *,
    update_id: int,
    payload: dict[str, Any],
    now: datetime,
    taken: bool = False,
) -> bool:
    """Keep the update; False when this ``update_id`` was stored before (a redelivery).

    ``taken``: stored already claimed for its first attempt by the process that received it (it handles the
    update from memory, saving the claim's round trip); a sweep takes it only once that claim's lease is over.
    """
    values = {"update_id": update_id, "payload": payload, "now": now}
    values |= {"claimed_at": now, "attempts": 1} if taken else {"claimed_at": None, "attempts": 0}
    return (await session.execute(_STORE, values)).scalar_one_or_none() is not None


# Built once: one statement for every update, only its parameters change (it is on every webhook request).
# On the table, not the mapped class: the parameters are the statement's own, not a row of ORM attributes.
_TABLE = TelegramUpdate.__table__
assert isinstance(_TABLE, Table)
_STORE = (
    insert(_TABLE)
    .values(
        updateId=bindparam("update_id"),
        payload=bindparam("payload"),
        receivedAt=bindparam("now"),
        claimedAt=bindparam("claimed_at"),
        attempts=bindparam("attempts"),
    )
    .on_conflict_do_nothing(index_elements=["updateId"])
    .returning(_TABLE.c.updateId)
)


INBOX = inbox.Inbox(
    model=TelegramUpdate,
    key=TelegramUpdate.update_id,
    received_at=TelegramUpdate.received_at,
    claimed_at=TelegramUpdate.claimed_at,
    attempts=TelegramUpdate.attempts,
    processed_at=TelegramUpdate.processed_at,
    parked_at=TelegramUpdate.parked_at,
)


async def claim(session: AsyncSession, *, update_id: int, now: datetime, lease: timedelta) -> dict[str, Any] | None:
    """Take the update for one attempt; its payload, or None when it is done, held by another worker or parked."""
    row = await inbox.claim(session, INBOX, key=update_id, now=now, lease=lease, returning=[TelegramUpdate.payload])
    return None if row is None else dict(row.payload)


async def stranded(session: AsyncSession, *, now: datetime, lease: timedelta, limit: int) -> Sequence[int]:
    """Ids of updates nobody is processing: stored but never claimed, or claimed by a worker that died.

    Only updates older than the lease count, so updates a live process has just queued are left to it.
    """
    return await inbox.stranded(session, INBOX, now=now, lease=lease, limit=limit, min_age=lease)


async def mark_processed(
    session: AsyncSession, *, update_id: int, now: datetime, payload: dict[str, Any] | None = None
) -> None:
    """The update is handled; ``payload``: what the row keeps from now on (a credential redacted)."""
    values = {"payload": payload} if payload is not None else {}
    await inbox.mark_processed(session, INBOX, key=update_id, now=now, **values)


async def mark_many_processed(
    session: AsyncSession | AsyncConnection, *, update_ids: Sequence[int], now: datetime
) -> int:
    """Updates handled (their payload kept as stored), written together; how many were not marked before."""
    return await inbox.mark_many_processed(session, INBOX, keys=update_ids, now=now)


async def failed(session: AsyncSession, *, update_id: int, now: datetime) -> bool:
    """An attempt raised: True when the update is now parked (its last attempt), else the sweep retries it."""
    return await inbox.give_back(session, INBOX, key=update_id, now=now)


async def park_exhausted(session: AsyncSession, *, now: datetime, lease: timedelta) -> Sequence[int]:
    """Park updates whose last attempt died with its process; their ids."""
    return await inbox.park_exhausted(session, INBOX, now=now, lease=lease)


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
