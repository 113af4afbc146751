"""A table used as an inbox: rows stored once, taken by one worker at a time, tried a bounded number of times.

The Telegram webhook's updates (`TelegramUpdate`) follow
one life: stored (nobody has it) → claimed (a worker took it at ``claimedAt``; ``attempts`` counts the takes)
→ processed (``processedAt``). A claim older than the lease belongs to a worker that died, and the row may be
taken again. Counting attempts at the take, not at a failure, matters: a row that kills its worker (a crash,
an out-of-memory) never reaches the code that would count a failure.

After ``max_attempts`` takes a row is **parked**: ``processedAt`` and ``parkedAt`` are set together, so no
sweep takes it again and the regular purge of processed rows forgets it in time; ``parkedAt`` tells it apart
from a row that was handled, for an operator (`parked_count`; the callers log a WARNING per parked row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, any_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Inbox:
    """The columns of one inbox table (each model names its own)."""

    model: type[Any]
    key: InstrumentedAttribute[Any]
    received_at: InstrumentedAttribute[datetime]
    claimed_at: InstrumentedAttribute[datetime | None]
    attempts: InstrumentedAttribute[int]
    processed_at: InstrumentedAttribute[datetime | None]
    parked_at: InstrumentedAttribute[datetime | None]
    max_attempts: int = MAX_ATTEMPTS

    def takeable(self, now: datetime, lease: timedelta) -> tuple[ColumnElement[bool], ...]:
        """Not done, nobody (alive) holds it, and attempts left."""
        return (
            self.processed_at.is_(None),
            or_(self.claimed_at.is_(None), self.claimed_at < now - lease),
            self.attempts < self.max_attempts,
        )


def _columns(inbox: Inbox, values: dict[str, Any]) -> dict[Any, Any]:
    """Attribute names to the model's columns, so they mix with the inbox's own in one ``values()``."""
    return {getattr(inbox.model, name): value for name, value in values.items()}


async def claim(
    session: AsyncSession, inbox: Inbox, *, key: Any, now: datetime, lease: timedelta, returning: Sequence[Any]
) -> Row[Any] | None:
    """Take the row for one attempt; the ``returning`` columns, or None when it is done, held or out of attempts."""
    statement = (
        update(inbox.model)
        .where(inbox.key == key, *inbox.takeable(now, lease))
        .values({inbox.claimed_at: now, inbox.attempts: inbox.attempts + 1})
        .returning(*returning)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).first()


async def stranded(
    session: AsyncSession, inbox: Inbox, *, now: datetime, lease: timedelta, limit: int, min_age: timedelta
) -> Sequence[Any]:
    """Keys of rows nobody is working on: never taken, or taken by a worker that died or gave the row back.

    Only rows older than ``min_age`` count, so rows a live process has just queued are left to it.
    """
    statement = (
        select(inbox.key)
        .where(*inbox.takeable(now, lease), inbox.received_at < now - min_age)
        .order_by(inbox.received_at)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def take_next(
    session: AsyncSession,
    inbox: Inbox,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> Sequence[Any]:
    """Claim up to ``limit`` takeable rows (and ``where``) for one attempt each; their keys, oldest first.

    ``FOR UPDATE SKIP LOCKED``: workers polling at once each get different rows and never wait on each other.
    """
    keys = (
        select(inbox.key)
        .where(*inbox.takeable(now, lease), *where)
        .order_by(inbox.received_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = (await session.scalars(keys)).all()
    if taken:
        await session.execute(
            update(inbox.model)
            .where(inbox.key.in_(taken))
            .values({inbox.claimed_at: now, inbox.attempts: inbox.attempts + 1})
            .execution_options(synchronize_session=False)
        )
    return taken


async def mark_processed(session: AsyncSession, inbox: Inbox, *, key: Any, now: datetime, **values: Any) -> None:
    """The row is handled (``values``: other columns to set with it, e.g. an outcome)."""
    await session.execute(
        update(inbox.model)
        .where(inbox.key == key)
        .values({inbox.processed_at: now, **_columns(inbox, values)})
        .execution_options(synchronize_session=False)
    )


async def mark_many_processed(
    session: AsyncSession | AsyncConnection, inbox: Inbox, *, keys: Sequence[Any], now: datetime
) -> int:
    """Several rows are handled, in one statement; a row marked already keeps its time. How many were marked.

    The keys go as one array parameter (``= ANY``), so every batch size is the same prepared statement.
    """
    keys_param = bindparam("keys", list(keys), type_=ARRAY(inbox.key.type))
    result = await session.execute(
        update(inbox.model)
        .where(inbox.key == any_(keys_param), inbox.processed_at.is_(None))
        .values({inbox.processed_at: now})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def give_back(session: AsyncSession, inbox: Inbox, *, key: Any, now: datetime, **values: Any) -> bool:
    """An attempt failed: the row is parked when that was its last attempt (True), else freed for the next sweep."""
    attempts = await session.scalar(select(inbox.attempts).where(inbox.key == key))
    if attempts is not None and attempts >= inbox.max_attempts:
        await session.execute(
            update(inbox.model)
            .where(inbox.key == key)
            .values({inbox.processed_at: now, inbox.parked_at: now, **_columns(inbox, values)})
            .execution_options(synchronize_session=False)
        )
        return True
    await session.execute(
        update(inbox.model)
        .where(inbox.key == key)
        .values({inbox.claimed_at: None, **_columns(inbox, values)})
        .execution_options(synchronize_session=False)
    )
    return False


async def park_exhausted(session: AsyncSession, inbox: Inbox, *, now: datetime, lease: timedelta) -> Sequence[Any]:
    """Park rows whose last attempt died with its worker (the lease ran out); their keys."""
    statement = (
        update(inbox.model)
        .where(
            inbox.processed_at.is_(None),
            inbox.attempts >= inbox.max_attempts,
            or_(inbox.claimed_at.is_(None), inbox.claimed_at < now - lease),
        )
        .values({inbox.processed_at: now, inbox.parked_at: now})
        .returning(inbox.key)
        .execution_options(synchronize_session=False)
    )
    return (await session.scalars(statement)).all()


async def parked_count(session: AsyncSession, inbox: Inbox) -> int:
    """Rows given up on and still kept (what a metrics endpoint reports)."""
    statement = select(func.count()).select_from(inbox.model).where(inbox.parked_at.is_not(None))
    return int(await session.scalar(statement) or 0)
