"""The durable job queue: "Job" rows taken by one process at a time, retried with backoff, dead after the last try.

A job's life (see `db.models.Job`)::

    queued ──take──▶ running ──complete──▶ done
      ▲                │
      └──fail (backoff)┤── fail on the last attempt, or a failure no retry mends ──▶ dead
                       └── lease over (the process died) ── sweep ──▶ queued again, or dead if that was the last

- **Once per key.** ``(kind, key)`` is unique and `enqueue` skips keys that exist: a periodic slot or "close
  this athlete's Tuesday" is enqueued by every process that notices it and runs once.
- **Attempts are counted at the take**, not at a failure: a job that kills its process (a crash, an
  out-of-memory) never reaches the code that counts failures, and must not be retried forever.
- **Locks.** Jobs that share a ``lockKey`` never run at the same time, in any number of processes: a take
  first holds a transaction-level advisory lock on each candidate's lock key (so two processes taking at the
  same instant cannot both see the key free), then, in a new statement that sees every commit before it,
  skips keys that a live job holds.
- **Leases.** A running job belongs to its ``owner`` until ``leaseUntil``; the owner extends it while it works
  (`extend`). A lease that ran out belongs to a process that died: `sweep` gives the job back.
- **Times** are the application's clock (``now``), like the other queues, so tests drive them; processes of
  one deployment share NTP time, and a lease is minutes long.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    Interval,
    Text,
    any_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from db.models import Job

QUEUED, RUNNING, DONE, DEAD = "queued", "running", "done", "dead"
MAX_ERROR_CHARS = 500
# Advisory-lock keys of job locks live in their own namespace, apart from the sync engine's.
_LOCK_NAMESPACE = "job-lock:"


class GiveUp(Exception):
    """Raised by a job's handler for a failure that no retry can mend: the job goes dead at once. (Here, beside
    the queue, so that handlers in any package can raise it.)"""


class RunAgain(Exception):
    """Raised by a handler whose work was overtaken while it ran (a newer request arrived): the run counts as
    done, and the job is queued at once for another, with all its attempts."""


@dataclass(frozen=True, slots=True)
class NewJob:
    kind: str
    key: str
    payload: dict[str, Any] = field(default_factory=dict)
    lock_key: str | None = None
    run_at: datetime | None = None  # None: now
    max_attempts: int = 5


@dataclass(frozen=True, slots=True)
class Taken:
    """A job this process holds: what its handler needs to know."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    lock_key: str | None
    attempts: int  # counting this one
    max_attempts: int

    @property
    def last_attempt(self) -> bool:
        return self.attempts >= self.max_attempts


@dataclass(frozen=True, slots=True)
class Finished:
    """A job that ended dead, for the caller to report (a log line, a metric)."""

    id: int
    kind: str
    key: str
    attempts: int
    error: str | None


@dataclass(frozen=True, slots=True)
class KindDepth:
    kind: str
    due: int  # queued and due now
    oldest_due_age_s: float  # 0 when nothing is due
    running: int
    dead: int


async def enqueue(
    session: AsyncSession, jobs: Sequence[NewJob], *, now: datetime, again: bool = False
) -> list[tuple[str, str]]:
    """Queue the jobs whose (kind, key) is new; the (kind, key) pairs this call queued.

    ``again``: a key whose job has finished (done or dead) is queued again with all its attempts — a job that
    stands for "bring this up to date" (an athlete's calendar), where a new request after a finished run needs
    a new run, while requests arriving before the run starts coalesce into it. (A request arriving *while* it
    runs is the handler's to notice: it raises `RunAgain`.)
    """
    if not jobs:
        return []
    rows = [
        {
            "kind": job.kind,
            "key": job.key,
            "payload": job.payload,
            "lock_key": job.lock_key,
            "run_at": job.run_at or now,
            "max_attempts": job.max_attempts,
            "state": QUEUED,
            "created_at": now,
        }
        for job in jobs
    ]
    statement = insert(Job).values(rows)
    if again:
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={getattr(Job, name): value for name, value in _AGAIN.items()}
            | {
                Job.run_at: statement.excluded["runAt"],
                Job.payload: statement.excluded["payload"],
                Job.created_at: statement.excluded["createdAt"],
            },
            where=Job.state.in_([DONE, DEAD]),
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["kind", "key"])
    result = await session.execute(statement.returning(Job.kind, Job.key))
    return [(kind, key) for kind, key in result.all()]


@dataclass(frozen=True, slots=True)
class Arrived:
    id: int
    state: str  # RUNNING (for the caller) or QUEUED


async def arrive(
    conn: AsyncSession | AsyncConnection,
    job: NewJob,
    *,
    now: datetime,
    owner: str | None,
    lease: timedelta,
) -> Arrived | None:
    """Store one job that work has just arrived for, in one round trip: ``running`` for ``owner`` at once when
    nothing of its lock key waits due and nothing of it runs for another owner (the caller runs it from what it
    has in hand, with no take, after any of its own of that key), else — or when ``owner`` is None — ``queued``
    behind them. None when its (kind, key) exists (a
    redelivery). The lock key is required: it is what keeps arrivals in order.

    A database function (``cw_job_arrive``, migration 0028): it holds the key's advisory lock — the one `take`
    holds — and only then looks for jobs of the key, in a snapshot taken after the lock was granted, so two
    processes receiving work for one key at the same instant cannot both start it.
    """
    if job.lock_key is None:
        raise ValueError("an arriving job needs a lock key")
    row = (
        await conn.execute(
            _ARRIVE,
            {
                "kind": job.kind,
                "key": job.key,
                "lock": job.lock_key,
                "payload": job.payload,
                "max_attempts": job.max_attempts,
                "now": now,
                "owner": owner,
                "lease": lease,
            },
        )
    ).first()
    return None if row is None else Arrived(int(row[0]), str(row[1]))


# Built once: the same statement on every arrival (the webhook's hot path), only its parameters change.
_ARRIVE = text(
    "SELECT job_id, job_state FROM cw_job_arrive(:kind, :key, :lock, :payload, :max_attempts, :now, :owner, :lease)"
).bindparams(
    bindparam("kind", type_=Text),
    bindparam("key", type_=Text),
    bindparam("lock", type_=Text),
    bindparam("payload", type_=JSONB),
    bindparam("max_attempts", type_=Integer),
    bindparam("now", type_=DateTime(timezone=True)),
    bindparam("owner", type_=Text),
    bindparam("lease", type_=Interval),
)


async def set_payload(session: AsyncSession, *, job_id: int, payload: dict[str, Any]) -> None:
    """Replace a job's payload (what a finished job keeps: a credential it carried redacted)."""
    await session.execute(
        update(Job).where(Job.id == job_id).values(payload=payload).execution_options(synchronize_session=False)
    )


# A finished job made new: queued, every attempt back, nothing of its last run.
_AGAIN: dict[str, Any] = {
    "state": QUEUED,
    "attempts": 0,
    "owner": None,
    "lease_until": None,
    "last_error": None,
    "finished_at": None,
}


async def take(
    session: AsyncSession,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    kinds: Collection[str],
    leases: dict[str, timedelta] | None = None,
    keys: Collection[str] | None = None,
) -> list[Taken]:
    """Take up to ``limit`` due jobs of ``kinds`` for one attempt each, oldest first, honouring lock keys.

    ``leases`` gives a kind a lease other than ``lease``; ``keys`` takes only jobs with those keys (a job run
    at once where it was asked for). ``FOR UPDATE SKIP LOCKED``: processes taking at once
    each get different rows and never wait on each other. Commit soon after: the advisory locks on lock keys
    last until then.
    """
    if limit <= 0 or not kinds:
        return []
    holder = aliased(Job)
    held_elsewhere = (
        select(holder.id)
        .where(holder.state == RUNNING, holder.lock_key == Job.lock_key, holder.lease_until >= now)
        .exists()
    )
    candidates = (
        await session.execute(
            select(Job.id, Job.lock_key)
            .where(
                Job.state == QUEUED,
                Job.run_at <= now,
                Job.kind.in_(list(kinds)),
                or_(Job.lock_key.is_(None), ~held_elsewhere),
                *([Job.key.in_(list(keys))] if keys is not None else []),
            )
            .order_by(Job.run_at, Job.id)
            # A few more than asked: two of them may share a lock key. Every row read stays locked until the
            # take commits, so not many more.
            .limit(limit * 2)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not candidates:
        return []
    keys = sorted({lock for _, lock in candidates if lock is not None})
    free: set[str] = set()
    if keys:
        got = await session.execute(
            text(
                "SELECT k, pg_try_advisory_xact_lock(hashtextextended(:ns || k, 0)) "
                "FROM unnest(CAST(:keys AS text[])) AS k"
            ),
            {"keys": keys, "ns": _LOCK_NAMESPACE},
        )
        mine = [k for k, ok in got.all() if ok]
        # A new statement: it sees every take committed before this process's locks were granted.
        held = await session.scalars(
            select(Job.lock_key).where(Job.state == RUNNING, Job.lock_key.in_(mine), Job.lease_until >= now).distinct()
        )
        free = set(mine) - set(held.all())
    chosen: list[int] = []
    for job_id, lock in candidates:
        if lock is not None:
            if lock not in free:
                continue
            free.discard(lock)  # one job per lock key in this take, too
        chosen.append(job_id)
        if len(chosen) == limit:
            break
    if not chosen:
        return []
    other = {name: now + kind_lease for name, kind_lease in (leases or {}).items() if kind_lease != lease}
    until = case(other, value=Job.kind, else_=now + lease) if other else now + lease
    rows = (
        await session.execute(
            update(Job)
            .where(Job.id.in_(chosen))
            .values(state=RUNNING, owner=owner, lease_until=until, attempts=Job.attempts + 1)
            .returning(Job.id, Job.kind, Job.key, Job.payload, Job.lock_key, Job.attempts, Job.max_attempts)
            .execution_options(synchronize_session=False)
        )
    ).all()
    taken = [Taken(*row) for row in rows]
    return sorted(taken, key=lambda t: chosen.index(t.id))


async def extend(session: AsyncSession, *, ids: Collection[int], owner: str, until: datetime) -> set[int]:
    """Renew this process's leases (a heartbeat); the ids it still holds."""
    if not ids:
        return set()
    result = await session.scalars(
        update(Job)
        .where(Job.id.in_(list(ids)), Job.state == RUNNING, Job.owner == owner)
        .values(lease_until=until)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.all())


async def complete(session: AsyncSession, *, job_id: int, owner: str, now: datetime, again: bool = False) -> bool:
    """The job is done (``again``: and queued at once for another run, all attempts back); False when this
    process no longer held it (its lease ran out and it was given back)."""
    values: dict[str, Any] = (
        _AGAIN | {"run_at": now, "created_at": now}
        if again
        else {"state": DONE, "finished_at": now, "lease_until": None, "last_error": None}
    )
    result = await session.scalar(
        update(Job)
        .where(Job.id == job_id, Job.state == RUNNING, Job.owner == owner)
        .values(values)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return result is not None


async def complete_many(
    session: AsyncSession | AsyncConnection, *, job_ids: Collection[int], owner: str, now: datetime
) -> set[int]:
    """`complete` for many jobs in one statement (a worker that records its jobs' outcomes elsewhere first and
    ends the jobs in bulk); the ids this process still held.

    The ids go as one array parameter (``= ANY``), so every batch size is the same prepared statement.
    """
    if not job_ids:
        return set()
    ids = bindparam("ids", list(job_ids), type_=ARRAY(BigInteger))
    result = await session.scalars(
        update(Job)
        .where(Job.id == any_(ids), Job.state == RUNNING, Job.owner == owner)
        .values(state=DONE, finished_at=now, lease_until=None, last_error=None)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.all())


def _error(error: str | None) -> str | None:
    return None if error is None else error[:MAX_ERROR_CHARS]


async def fail(
    session: AsyncSession, *, job_id: int, owner: str, now: datetime, error: str, retry_at: datetime | None
) -> str | None:
    """An attempt failed: queued again at ``retry_at``, or dead when that was the last attempt or ``retry_at``
    is None (nothing a retry can mend). The job's new state; None when this process no longer held it."""
    row = (
        await session.execute(
            select(Job.attempts, Job.max_attempts)
            .where(Job.id == job_id, Job.state == RUNNING, Job.owner == owner)
            .with_for_update()
        )
    ).first()
    if row is None:
        return None
    attempts, max_attempts = row
    dead = retry_at is None or attempts >= max_attempts
    values: dict[str, Any] = {"last_error": _error(error), "lease_until": None}
    if dead:
        values |= {"state": DEAD, "finished_at": now}
    else:
        values |= {"state": QUEUED, "run_at": retry_at, "owner": None}
    await session.execute(
        update(Job).where(Job.id == job_id).values(values).execution_options(synchronize_session=False)
    )
    return DEAD if dead else QUEUED


async def release(
    session: AsyncSession, *, job_ids: Collection[int], owner: str, now: datetime, run_at: datetime | None = None
) -> int:
    """Give back jobs this process stops working on before they ended (a shutdown; a send Telegram asked to
    wait for): queued at once (or at ``run_at``), and the interrupted attempt does not count."""
    if not job_ids:
        return 0
    result = await session.execute(
        update(Job)
        .where(Job.id.in_(list(job_ids)), Job.state == RUNNING, Job.owner == owner)
        .values(
            state=QUEUED,
            run_at=run_at or now,
            owner=None,
            lease_until=None,
            attempts=func.greatest(Job.attempts - 1, 0),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def sweep(
    session: AsyncSession, *, now: datetime, kinds: Collection[str] | None = None
) -> tuple[int, list[Finished]]:
    """Give back the jobs (of ``kinds``, default all) of processes that died (lease over): queued again, or dead
    if that was their last attempt. (How many were queued again, the ones that died.)"""
    expired = or_(Job.lease_until.is_(None), Job.lease_until < now)
    if kinds is not None:
        expired = expired & Job.kind.in_(list(kinds))
    dead = (
        await session.execute(
            update(Job)
            .where(Job.state == RUNNING, expired, Job.attempts >= Job.max_attempts)
            .values(
                state=DEAD,
                finished_at=now,
                lease_until=None,
                last_error=func.coalesce(Job.last_error, "the process running its last attempt stopped"),
            )
            .returning(Job.id, Job.kind, Job.key, Job.attempts, Job.last_error)
            .execution_options(synchronize_session=False)
        )
    ).all()
    requeued = await session.execute(
        update(Job)
        .where(Job.state == RUNNING, expired)
        .values(state=QUEUED, run_at=now, owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(requeued.rowcount or 0), [Finished(*row) for row in dead]  # type: ignore[attr-defined]


async def purge(
    session: AsyncSession, *, done_before: datetime, dead_before: datetime, kinds: Collection[str] | None = None
) -> int:
    """Forget finished jobs (of ``kinds``, default all): done ones once their key can no longer come back, dead
    ones after an operator had time to look at them."""
    finished = or_(
        (Job.state == DONE) & (Job.finished_at < done_before),
        (Job.state == DEAD) & (Job.finished_at < dead_before),
    )
    if kinds is not None:
        finished = finished & Job.kind.in_(list(kinds))
    result = await session.execute(delete(Job).where(finished))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def depths(session: AsyncSession, *, now: datetime) -> list[KindDepth]:
    """Per kind: due jobs and the age of the oldest, running and dead ones (for ``/metrics``)."""
    due = func.count().filter(Job.state == QUEUED, Job.run_at <= now)
    # Due since its run time, or since it was queued when that is later (a job due "at once" has the epoch).
    oldest = func.min(func.greatest(Job.run_at, Job.created_at)).filter(Job.state == QUEUED, Job.run_at <= now)
    running = func.count().filter(Job.state == RUNNING)
    dead = func.count().filter(Job.state == DEAD)
    rows = (
        await session.execute(
            select(Job.kind, due, oldest, running, dead)
            .where(Job.state.in_([QUEUED, RUNNING, DEAD]))
            .group_by(Job.kind)
            .order_by(Job.kind)
        )
    ).all()
    return [
        KindDepth(
            kind=kind,
            due=int(n_due),
            oldest_due_age_s=max(0.0, (now - first).total_seconds()) if first is not None else 0.0,
            running=int(n_running),
            dead=int(n_dead),
        )
        for kind, n_due, first, n_running, n_dead in rows
    ]


async def dead_jobs(session: AsyncSession, *, limit: int = 50) -> list[Job]:
    """The dead letters, newest first (``coach-watts jobs``)."""
    return list(
        (
            await session.scalars(select(Job).where(Job.state == DEAD).order_by(Job.finished_at.desc()).limit(limit))
        ).all()
    )


async def retry_dead(session: AsyncSession, *, job_id: int, now: datetime) -> bool:
    """An operator sends a dead job back to the queue with all its attempts (``coach-watts jobs retry ID``)."""
    result = await session.scalar(
        update(Job)
        .where(Job.id == job_id, Job.state == DEAD)
        .values(state=QUEUED, run_at=now, attempts=0, owner=None, finished_at=None)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return result is not None


def user_lock(user_id: str) -> str:
    """The lock key of work on one athlete's data; `connection_lock` for one of their connections."""
    return f"user:{user_id}"


def connection_lock(user_id: str, provider: str) -> str:
    return f"connection:{user_id}:{provider}"


async def forget_user(session: AsyncSession, *, user_id: str) -> int:
    """Delete the jobs about an athlete whose account is deleted (every such job is locked by their user or one
    of their connections); a running one is left to end, finding nothing. How many were deleted."""
    result = await session.execute(
        delete(Job).where(
            Job.state != RUNNING,
            or_(
                Job.lock_key == user_lock(user_id),
                Job.lock_key.startswith(f"connection:{user_id}:", autoescape=True),
            ),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def get(session: AsyncSession, *, kind: str, key: str) -> Job | None:
    return await session.scalar(select(Job).where(Job.kind == kind, Job.key == key))


async def make_due(session: AsyncSession, *, kind: str, key: str, now: datetime) -> bool:
    """A queued job its creator held back (a later ``run_at``) until it was ready: due now. False when it is
    not queued (already taken, finished, or never enqueued)."""
    result = await session.scalar(
        update(Job)
        .where(Job.kind == kind, Job.key == key, Job.state == QUEUED)
        .values(run_at=func.least(Job.run_at, now))
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return result is not None
