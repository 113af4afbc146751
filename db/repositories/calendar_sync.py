"""The Intervals.icu calendar sync: the athlete's switch, its pending write job, and what was written.

One "CalendarSync" row per athlete is both the switch and the athlete's job in an inbox (`db.repositories.inbox`):
database triggers (migration 0019) set it pending again whenever a planned session or a threshold changes, so
many changes make one job, which re-reconciles the athlete's whole window. A job is claimed with a lease; a
change that arrives while it runs raises ``generation``, and the job then leaves the row pending instead of
marking it done. "CalendarEntry" holds the event we last wrote per planned session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CalendarEntry, CalendarSync
from db.repositories import inbox

JOBS = inbox.Inbox(
    model=CalendarSync,
    key=CalendarSync.user_id,
    received_at=CalendarSync.requested_at,
    claimed_at=CalendarSync.claimed_at,
    attempts=CalendarSync.attempts,
    processed_at=CalendarSync.processed_at,
    parked_at=CalendarSync.parked_at,
)


@dataclass(frozen=True, slots=True)
class Claim:
    user_id: str
    generation: int
    attempts: int


async def get(session: AsyncSession, *, user_id: str) -> CalendarSync | None:
    return await session.get(CalendarSync, user_id, populate_existing=True)


async def is_on(session: AsyncSession, *, user_id: str) -> bool:
    return bool(await session.scalar(select(CalendarSync.enabled).where(CalendarSync.user_id == user_id)))


async def turn_on(session: AsyncSession, *, user_id: str, now: datetime) -> None:
    """Sync on, with a job pending now (a second confirmation only requests another reconciliation)."""
    pending = {
        "enabled": True,
        "stopped_at": None,
        "requested_at": now,
        "generation": CalendarSync.generation + 1,
        "attempts": 0,
        "not_before": None,
        "processed_at": None,
        "parked_at": None,
        "reported_at": None,
        "last_error": None,
    }
    statement = insert(CalendarSync).values(user_id=user_id, enabled=True, enabled_at=now, requested_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CalendarSync.user_id],
            set_={getattr(CalendarSync, name): value for name, value in pending.items()}
            | {CalendarSync.enabled_at: now},
        )
    )


async def turn_off(session: AsyncSession, *, user_id: str, now: datetime) -> bool:
    """Sync off: no job runs for the athlete any more; whether it was on."""
    result = await session.execute(
        update(CalendarSync)
        .where(CalendarSync.user_id == user_id, CalendarSync.enabled.is_(True))
        .values(enabled=False, stopped_at=now, processed_at=now, claimed_at=None)
        .returning(CalendarSync.user_id)
    )
    return result.first() is not None


async def request(session: AsyncSession, *, user_id: str, now: datetime) -> None:
    """Ask for a reconciliation of an athlete whose sync is on (the window moved on a day, say)."""
    await session.execute(
        update(CalendarSync)
        .where(CalendarSync.user_id == user_id, CalendarSync.enabled.is_(True))
        .values(
            requested_at=now,
            generation=CalendarSync.generation + 1,
            attempts=0,
            not_before=None,
            processed_at=None,
            parked_at=None,
            reported_at=None,
        )
    )


async def request_stale(session: AsyncSession, *, done_before: datetime, now: datetime) -> int:
    """Request every enabled, idle athlete's job last done before ``done_before`` (the window moves daily)."""
    result = await session.execute(
        update(CalendarSync)
        .where(
            CalendarSync.enabled.is_(True),
            CalendarSync.parked_at.is_(None),
            CalendarSync.processed_at.is_not(None),
            CalendarSync.processed_at < done_before,
        )
        .values(requested_at=now, generation=CalendarSync.generation + 1, attempts=0, processed_at=None)
        .returning(CalendarSync.user_id)
    )
    return len(result.all())


async def claim_due(session: AsyncSession, *, now: datetime, lease: timedelta, limit: int) -> list[Claim]:
    """Claim up to ``limit`` pending jobs whose backoff has passed (``FOR UPDATE SKIP LOCKED``, with a lease)."""
    keys = await inbox.take_next(
        session,
        JOBS,
        now=now,
        lease=lease,
        limit=limit,
        where=(
            CalendarSync.enabled.is_(True),
            or_(CalendarSync.not_before.is_(None), CalendarSync.not_before <= now),
        ),
    )
    if not keys:
        return []
    rows = await session.execute(
        select(CalendarSync.user_id, CalendarSync.generation, CalendarSync.attempts).where(
            CalendarSync.user_id.in_(keys)
        )
    )
    return [Claim(user_id, generation, attempts) for user_id, generation, attempts in rows.all()]


async def claim_user(session: AsyncSession, *, user_id: str, now: datetime, lease: timedelta) -> Claim | None:
    """Claim one athlete's pending job (the confirmation runs it at once); None when it is held or done."""
    row = await inbox.claim(
        session,
        JOBS,
        key=user_id,
        now=now,
        lease=lease,
        returning=(CalendarSync.user_id, CalendarSync.generation, CalendarSync.attempts),
    )
    if row is None:
        return None
    user, generation, attempts = tuple(row)
    return Claim(str(user), int(generation), int(attempts))


async def done(session: AsyncSession, *, claim: Claim, now: datetime) -> bool:
    """The job wrote the window: done, unless a change arrived meanwhile (then it stays pending; False)."""
    result = await session.execute(
        update(CalendarSync)
        .where(CalendarSync.user_id == claim.user_id, CalendarSync.generation == claim.generation)
        .values(processed_at=now, claimed_at=None, last_error=None, not_before=None)
        .returning(CalendarSync.user_id)
    )
    if result.first() is not None:
        return True
    await session.execute(
        update(CalendarSync)
        .where(CalendarSync.user_id == claim.user_id)
        .values(claimed_at=None, last_error=None, not_before=None)
    )
    return False


async def failed(session: AsyncSession, *, claim: Claim, now: datetime, retry_in: timedelta, error: str) -> bool:
    """An attempt failed: parked after its last attempt (True), else retried from ``now + retry_in``."""
    return await inbox.give_back(session, JOBS, key=claim.user_id, now=now, last_error=error, not_before=now + retry_in)


async def settle(session: AsyncSession, *, user_id: str, now: datetime, error: str) -> None:
    """Done without writing, for good (no connection, or one that needs reconnecting): nothing to retry."""
    await session.execute(
        update(CalendarSync)
        .where(CalendarSync.user_id == user_id)
        .values(processed_at=now, claimed_at=None, last_error=error)
    )


async def park_exhausted(session: AsyncSession, *, now: datetime, lease: timedelta) -> Sequence[Any]:
    """Park jobs whose last attempt died with its worker; their user ids."""
    return await inbox.park_exhausted(session, JOBS, now=now, lease=lease)


async def unreported_parked(session: AsyncSession) -> list[str]:
    stmt = select(CalendarSync.user_id).where(
        CalendarSync.parked_at.is_not(None), CalendarSync.reported_at.is_(None), CalendarSync.enabled.is_(True)
    )
    return list((await session.scalars(stmt)).all())


async def mark_reported(session: AsyncSession, *, user_id: str, now: datetime) -> bool:
    """Record that the parked job was told in chat; False when someone already did (tell once)."""
    result = await session.execute(
        update(CalendarSync)
        .where(CalendarSync.user_id == user_id, CalendarSync.reported_at.is_(None))
        .values(reported_at=now)
        .returning(CalendarSync.user_id)
    )
    return result.first() is not None


# --------------------------------------------------------------------------- what was written


async def entries(session: AsyncSession, *, user_id: str) -> dict[str, CalendarEntry]:
    stmt = select(CalendarEntry).where(CalendarEntry.user_id == user_id)
    return {row.external_id: row for row in (await session.scalars(stmt)).all()}


async def record_written(
    session: AsyncSession,
    *,
    user_id: str,
    written: Mapping[str, tuple[date, dict[str, Any], str | None]],
    removed: Sequence[str],
    now: datetime,
) -> None:
    """Store the events just written (external id → day, payload, event id) and forget the removed ones."""
    if removed:
        await session.execute(
            delete(CalendarEntry).where(CalendarEntry.user_id == user_id, CalendarEntry.external_id.in_(removed))
        )
    for external_id, (day, payload, event_id) in written.items():
        statement = insert(CalendarEntry).values(
            user_id=user_id, external_id=external_id, day=day, payload=payload, event_id=event_id, written_at=now
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[CalendarEntry.user_id, CalendarEntry.external_id],
                set_={
                    CalendarEntry.day: day,
                    CalendarEntry.payload: payload,
                    CalendarEntry.event_id: event_id,
                    CalendarEntry.written_at: now,
                },
            )
        )


async def written_days(session: AsyncSession, *, user_id: str) -> tuple[date, date] | None:
    """The first and last day we wrote an event on, or None."""
    days = list((await session.scalars(select(CalendarEntry.day).where(CalendarEntry.user_id == user_id))).all())
    return (min(days), max(days)) if days else None


async def forget_from(session: AsyncSession, *, user_id: str, first: date) -> None:
    await session.execute(delete(CalendarEntry).where(CalendarEntry.user_id == user_id, CalendarEntry.day >= first))


async def sessions_of_events(session: AsyncSession, *, user_id: str, event_ids: Sequence[str]) -> dict[str, str]:
    """Intervals.icu event id → the planned session we wrote it for (external id ``cw-<session id>``)."""
    if not event_ids:
        return {}
    stmt = select(CalendarEntry.event_id, CalendarEntry.external_id).where(
        CalendarEntry.user_id == user_id, CalendarEntry.event_id.in_(event_ids)
    )
    return {str(event_id): external_id.removeprefix("cw-") for event_id, external_id in (await session.execute(stmt))}
