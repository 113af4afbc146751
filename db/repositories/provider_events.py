"""The providers' webhook events as an inbox (`db.repositories.inbox`), and their retention.

An event's payload is the athlete's data (a workout, a wellness comment), so a row belongs to its athlete
(``userId``, deleted with them) and a processed one is forgotten after `KEEP_PROCESSED`: processing re-fetches
the object from the provider, so the stored copy serves only de-duplication of redeliveries, which
providers stop within a day or two.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ProviderEvent
from db.repositories import inbox

KEEP_PROCESSED = timedelta(days=7)

INBOX = inbox.Inbox(
    model=ProviderEvent,
    key=ProviderEvent.id,
    received_at=ProviderEvent.received_at,
    claimed_at=ProviderEvent.claimed_at,
    attempts=ProviderEvent.attempts,
    processed_at=ProviderEvent.processed_at,
    parked_at=ProviderEvent.parked_at,
)


async def claim(session: AsyncSession, *, event_id: str, now: datetime, lease: timedelta) -> Row[Any] | None:
    """Take the event for one attempt: (provider, payload), or None when done, held elsewhere or parked."""
    return await inbox.claim(
        session, INBOX, key=event_id, now=now, lease=lease, returning=[ProviderEvent.provider, ProviderEvent.payload]
    )


async def stranded(session: AsyncSession, *, now: datetime, lease: timedelta, limit: int) -> Sequence[str]:
    """Events nobody works on: a crash after the 200, a failed attempt given back."""
    return await inbox.stranded(session, INBOX, now=now, lease=lease, limit=limit, min_age=timedelta(0))


async def processed(session: AsyncSession, *, event_id: str, now: datetime, outcome: str) -> None:
    await inbox.mark_processed(session, INBOX, key=event_id, now=now, outcome=outcome[:500])


async def failed(session: AsyncSession, *, event_id: str, now: datetime, outcome: str) -> bool:
    """An attempt failed: True when the event is now parked (that was its last attempt)."""
    return await inbox.give_back(session, INBOX, key=event_id, now=now, outcome=outcome[:500])


async def park_exhausted(session: AsyncSession, *, now: datetime, lease: timedelta) -> Sequence[str]:
    return await inbox.park_exhausted(session, INBOX, now=now, lease=lease)


async def parked_count(session: AsyncSession) -> int:
    return await inbox.parked_count(session, INBOX)


async def purge_processed(session: AsyncSession, *, before: datetime) -> int:
    """Forget events processed (or parked) before ``before``; returns how many."""
    result = await session.execute(
        delete(ProviderEvent).where(ProviderEvent.processed_at.is_not(None), ProviderEvent.processed_at < before)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
