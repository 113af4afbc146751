"""The Intervals.icu calendar sync: the athlete's switch, its write job, and what was written.

One "CalendarSync" row per athlete is the switch (``enabled``) and a ``generation`` that counts requests. The
work is one job of the job queue per athlete (`KIND`, keyed by the user id, `db.repositories.jobs`): database
triggers (migration 0019, then 0026) count a request and queue the job again whenever a planned session or a
threshold changes, so many changes make one job, which re-reconciles the athlete's whole window. A change that
arrives while the job runs raises ``generation``; the job sees it at the end and runs again (`jobs.RunAgain`).
"CalendarEntry" holds the event we last wrote per planned session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CalendarEntry, CalendarSync, Job
from db.repositories import jobs

KIND = "calendar.write"
MAX_ATTEMPTS = 5


def job(user_id: str, *, now: datetime) -> jobs.NewJob:
    """The athlete's write job; one at a time per athlete, like every job that changes their plan."""
    return jobs.NewJob(kind=KIND, key=user_id, lock_key=jobs.user_lock(user_id), run_at=now, max_attempts=MAX_ATTEMPTS)


async def get(session: AsyncSession, *, user_id: str) -> CalendarSync | None:
    return await session.get(CalendarSync, user_id, populate_existing=True)


async def is_on(session: AsyncSession, *, user_id: str) -> bool:
    return bool(await session.scalar(select(CalendarSync.enabled).where(CalendarSync.user_id == user_id)))


async def generation(session: AsyncSession, *, user_id: str) -> int | None:
    """How many requests the athlete's sync has had; None when it is off."""
    return await session.scalar(
        select(CalendarSync.generation).where(CalendarSync.user_id == user_id, CalendarSync.enabled.is_(True))
    )


async def turn_on(session: AsyncSession, *, user_id: str, now: datetime) -> None:
    """Sync on, with its job queued now (a second confirmation only requests another reconciliation)."""
    statement = insert(CalendarSync).values(user_id=user_id, enabled=True, enabled_at=now, requested_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CalendarSync.user_id],
            set_={
                CalendarSync.enabled: True,
                CalendarSync.stopped_at: None,
                CalendarSync.requested_at: now,
                CalendarSync.generation: CalendarSync.generation + 1,
                CalendarSync.enabled_at: now,
            },
        )
    )
    await jobs.enqueue(session, [job(user_id, now=now)], now=now, again=True)


async def turn_off(session: AsyncSession, *, user_id: str, now: datetime) -> bool:
    """Sync off: no job runs for the athlete any more (a queued one is dropped); whether it was on."""
    result = await session.execute(
        update(CalendarSync)
        .where(CalendarSync.user_id == user_id, CalendarSync.enabled.is_(True))
        .values(enabled=False, stopped_at=now)
        .returning(CalendarSync.user_id)
    )
    await session.execute(
        update(Job)
        .where(Job.kind == KIND, Job.key == user_id, Job.state == jobs.QUEUED)
        .values(state=jobs.DONE, finished_at=now)
    )
    return result.first() is not None


async def request(session: AsyncSession, *, user_id: str, now: datetime) -> None:
    """Ask for a reconciliation of an athlete whose sync is on (the window moved on a day, say)."""
    result = await session.execute(
        update(CalendarSync)
        .where(CalendarSync.user_id == user_id, CalendarSync.enabled.is_(True))
        .values(requested_at=now, generation=CalendarSync.generation + 1)
        .returning(CalendarSync.user_id)
    )
    if result.first() is not None:
        await jobs.enqueue(session, [job(user_id, now=now)], now=now, again=True)


async def request_stale(session: AsyncSession, *, done_before: datetime, now: datetime) -> int:
    """Queue again every enabled athlete whose last write finished before ``done_before`` (the window moves
    daily); a job that died waits for the next change or an operator instead."""
    stale = (
        await session.scalars(
            select(Job.key)
            .join(CalendarSync, CalendarSync.user_id == Job.key)
            .where(
                Job.kind == KIND,
                Job.state == jobs.DONE,
                Job.finished_at < done_before,
                CalendarSync.enabled.is_(True),
            )
        )
    ).all()
    for user_id in stale:
        await request(session, user_id=user_id, now=now)
    return len(stale)


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
