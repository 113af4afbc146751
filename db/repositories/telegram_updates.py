"""The Telegram webhook's updates, kept as jobs of the queue (kind ``telegram.update``, `db.repositories.jobs`).

An update is a job keyed by its ``update_id`` (a redelivery finds the key: acknowledged, not answered again),
locked by its chat (one update of a chat at a time, in order, in any number of processes), with the update as
its payload (a typed credential sealed; redacted once handled). The queue gives it its attempts, lease, retries
and dead state; this module keeps what is particular to updates: their key and lock, the two-day memory, and
forgetting a person's messages on ``/deleteme``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, cast, delete, func
from sqlalchemy.dialects.postgresql import JSONPATH
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Job
from db.repositories import jobs

KIND = "telegram.update"
MAX_ATTEMPTS = 5
# Telegram stops redelivering after 24 hours; with a margin, a finished update is forgotten after two days.
KEEP = timedelta(days=2)


def new_job(*, update_id: int, chat_key: int, payload: dict[str, Any]) -> jobs.NewJob:
    """The job of one received update (``chat_key``: the chat it belongs to, or its sender)."""
    return jobs.NewJob(
        kind=KIND, key=str(update_id), payload=payload, lock_key=f"chat:{chat_key}", max_attempts=MAX_ATTEMPTS
    )


# Any update kind (message, callback_query, edited_message, …) whose sender or chat is the person.
_FROM_PERSON = "$.* ? (@.from.id == $user || @.chat.id == $chat || @.message.chat.id == $chat)"


async def forget_person(session: AsyncSession, *, telegram_user_id: int, chat_id: int) -> int:
    """Delete the finished updates a person sent or that were in their chat (``/deleteme``): their raw
    messages would otherwise stay until the two-day purge. Unfinished ones (sent after the confirmation) are
    left to be answered; the purge takes them later."""
    # Telegram ids outgrow 32 bits: typed as bigint, not left to the driver's guess.
    variables = func.jsonb_build_object("user", cast(telegram_user_id, BigInteger), "chat", cast(chat_id, BigInteger))
    result = await session.execute(
        delete(Job).where(
            Job.kind == KIND,
            Job.state.in_([jobs.DONE, jobs.DEAD]),
            func.jsonb_path_exists(Job.payload, cast(_FROM_PERSON, JSONPATH), variables),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge(session: AsyncSession, *, before: datetime) -> int:
    """Forget updates finished (handled, or given up on) before ``before``; how many."""
    return await jobs.purge(session, done_before=before, dead_before=before, kinds=[KIND])
