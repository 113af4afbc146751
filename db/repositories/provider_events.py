"""The providers' webhook events: each stored row is worked by one job of the queue, and kept a week after.

A new row gets its job (`JOB_KIND`, keyed by the row's id, `db.repositories.jobs`) in the transaction that
inserts it, so an event is never stored without its work nor queued without its row. The job carries the
attempts, the lease, the backoff and the dead state; the row says whether the event was handled
(``processedAt``, ``outcome``). Jobs of one connection share a lock key (`lock_key`), the one the daily
re-pull of that connection holds too, so they run one at a time in all processes together.

An event's payload is the athlete's data (a workout, a wellness comment), so a row belongs to its athlete
(``userId``, deleted with them) and is forgotten `KEEP_PROCESSED` after it was handled — or, when its job was
given up on (dead), after it arrived: processing re-fetches the object from the provider, so the stored copy
serves only de-duplication of redeliveries, which providers stop within a day or two.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Job, ProviderEvent
from db.repositories.jobs import DEAD, QUEUED, RUNNING, NewJob

JOB_KIND = "provider.event"
KEEP_PROCESSED = timedelta(days=7)
MAX_OUTCOME_CHARS = 500


def lock_key(user_id: str, provider: str) -> str:
    """One connection's events run one at a time (and never beside its re-pull, `sync.connection`)."""
    return f"connection:{user_id}:{provider}"


def job(*, event_id: str, user_id: str, provider: str, max_attempts: int) -> NewJob:
    """The job that processes one stored event (it reads everything it needs from the row)."""
    return NewJob(kind=JOB_KIND, key=event_id, lock_key=lock_key(user_id, provider), max_attempts=max_attempts)


def _job_of_event() -> ColumnElement[bool]:
    return and_(Job.kind == JOB_KIND, Job.key == ProviderEvent.id)


def waiting_for_a_worker(now: datetime) -> ColumnElement[bool]:
    """The event's job waits to be taken: queued (new, or given back after a failed attempt), or held by a
    process whose lease ran out (it died; the sweep gives the job back)."""
    return (
        select(Job.id)
        .where(
            _job_of_event(),
            or_(Job.state == QUEUED, and_(Job.state == RUNNING, Job.lease_until < now)),
        )
        .exists()
    )


async def unprocessed(session: AsyncSession, *, event_id: str) -> tuple[str, dict[str, Any]] | None:
    """(provider, payload) of the event, or None when it was handled already or is gone (its athlete was
    deleted, or it was purged)."""
    statement = select(ProviderEvent.provider, ProviderEvent.payload).where(
        ProviderEvent.id == event_id, ProviderEvent.processed_at.is_(None)
    )
    row = (await session.execute(statement)).first()
    return (row.provider, row.payload) if row is not None else None


async def processed(session: AsyncSession, *, event_id: str, now: datetime, outcome: str) -> None:
    await session.execute(
        update(ProviderEvent)
        .where(ProviderEvent.id == event_id, ProviderEvent.processed_at.is_(None))
        .values(processed_at=now, outcome=outcome[:MAX_OUTCOME_CHARS])
        .execution_options(synchronize_session=False)
    )


async def dead_count(session: AsyncSession) -> int:
    """Events given up on after their job's last attempt, while the queue keeps the dead job."""
    statement = select(func.count()).select_from(Job).where(Job.kind == JOB_KIND, Job.state == DEAD)
    return int(await session.scalar(statement) or 0)


async def purge_processed(session: AsyncSession, *, before: datetime) -> int:
    """Forget events processed before ``before``, and those received before it whose job no longer waits or
    runs (dead after its last attempt); returns how many."""
    live = select(Job.id).where(_job_of_event(), Job.state.in_([QUEUED, RUNNING])).exists()
    result = await session.execute(
        delete(ProviderEvent).where(
            or_(
                and_(ProviderEvent.processed_at.is_not(None), ProviderEvent.processed_at < before),
                and_(ProviderEvent.processed_at.is_(None), ProviderEvent.received_at < before, ~live),
            )
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
