"""The one mechanism that runs background jobs: the durable queue of `db.repositories.jobs`, worked by every process.

A **kind** names a handler and its policy: how many attempts, the backoff between them, the lease. A
**schedule** enqueues one job of its kind per slot of a cron trigger; every process computes the same slots
and the queue's unique (kind, key) keeps one, so a periodic job runs once per slot whichever processes are up
(a slot missed while every process was down is not made up: the next one runs). Each process:

- polls for due jobs (``poll_s``; at once after this process enqueued something) and runs up to
  ``concurrency`` at a time, each in its own task; a kind with a ``Kind.concurrency`` of its own (the long
  syncs) never holds more than that many, and kinds without one are taken first, so a report or a calendar
  write never waits behind a wave of re-pulls;
- extends the lease of what it runs (`Leases`: one beat for all, every third of the shortest lease), so a long
  job is never taken twice while its process lives, and a dead process's jobs come back after one lease
  (`sweep`, every ``sweep_s``);
- after a failure, queues the job again after ``Kind.retry_in(attempts)``; after the last attempt — or a
  `GiveUp` — the job is **dead**: kept for an operator (``coach-watts jobs``), logged as a WARNING, counted in
  ``coach_watts_jobs_dead``, never retried by itself.

Work that arrives with its data in hand — a Telegram update in webhook mode — is stored running for the
receiving process (`jobs.arrive`) and run through `run_held`, under the same policy, with no take; a kind of
many short jobs writes its ends in batches (`Kind.batch_done`).

A handler must therefore be safe to run again after a failure (all of ours read what is already done before
doing it); a job that must never run twice — an unasked message — has one attempt: a crash leaves it dead, not
sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import JOBS_DEAD, JOBS_RUN
from db.engine import autocommit_engine
from db.repositories import jobs
from db.repositories.jobs import Finished, GiveUp, NewJob, RunAgain, Taken

__all__ = [
    "KEEP_DEAD",
    "KEEP_DONE",
    "Finished",
    "GiveUp",
    "Handler",
    "JobRunner",
    "Kind",
    "Leases",
    "NewJob",
    "RunAgain",
    "Schedule",
    "Taken",
]

logger = logging.getLogger(__name__)

Handler = Callable[[Taken], Awaitable[None]]
# Told once per job that ends dead, by the process that saw it die (its last attempt failed there, or the
# sweep found its process gone): where a dead job must reach the athlete ("the calendar write failed").
OnDead = Callable[[Finished], Awaitable[None]]

KEEP_DONE = timedelta(days=8)  # longer than any look-back that relies on a finished key (the plan's week)
KEEP_DEAD = timedelta(days=30)
DONE_EVERY_S = 0.05  # how long the ends of `Kind.batch_done` jobs wait to be written together
DONE_RETRY_S = 1.0  # after a failed write (the database restarting)


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    handler: Handler
    max_attempts: int = 5
    first_retry: timedelta = timedelta(seconds=30)
    last_retry: timedelta = timedelta(minutes=30)
    lease: timedelta = timedelta(minutes=5)
    on_dead: OnDead | None = None
    concurrency: int | None = None  # at most this many at once in one process (None: the runner's limit)
    # Ends of runs written together, one statement every `DONE_EVERY_S` for the jobs done meanwhile (a kind
    # of many short jobs: the webhook's updates). A job done but not yet written still holds its lock key, and
    # a crash before the write runs it again after its lease (the at-least-once window, a little wider).
    batch_done: bool = False

    def retry_in(self, attempts: int) -> timedelta:
        """Backoff after the ``attempts``-th failure: first_retry, doubled each time, at most last_retry."""
        wait: timedelta = self.first_retry * 2 ** max(attempts - 1, 0)
        return min(wait, self.last_retry)


@dataclass(slots=True)
class Schedule:
    kind: str
    trigger: CronTrigger
    next_fire: datetime | None = field(default=None)

    def due_slot(self, now: datetime) -> datetime | None:
        """The latest slot at or before ``now`` not yet returned (missed ones coalesce into it); None if none."""
        if self.next_fire is None:
            self.next_fire = self.trigger.get_next_fire_time(None, now)
            return None
        slot = None
        while self.next_fire is not None and self.next_fire <= now:
            slot = self.next_fire
            self.next_fire = self.trigger.get_next_fire_time(slot, now)
            if self.next_fire is not None and self.next_fire <= slot:  # never loop on one instant
                self.next_fire = self.trigger.get_next_fire_time(slot, slot + timedelta(microseconds=1))
        return slot


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel ``tasks`` (None: nothing to cancel) and wait until each has ended; what they raise on the way
    out is dropped — the caller is stopping them."""
    live = [task for task in tasks if task is not None]
    for task in live:
        task.cancel()
    await asyncio.gather(*live, return_exceptions=True)


class Leases:
    """The leases of the jobs one holder (a process's runner, or its brief sender) holds, kept alive together:
    one statement per beat for all of them, a beat every third of the shortest lease held, so only a dead (or
    frozen) holder loses its jobs. The beat runs while something is held and stops by itself."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, owner: str, clock: Callable[[], datetime]):
        self._sessions = sessions
        self._owner = owner
        self._clock = clock
        self._held: dict[int, timedelta] = {}
        # How many held jobs have each lease length (a few lengths, however many jobs): the shortest in O(1)
        # while thousands of stored updates wait their turn.
        self._lengths: Counter[timedelta] = Counter()
        self._shorter = asyncio.Event()  # a lease shorter than the beat's was taken: beat sooner
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, job_id: int) -> bool:
        return job_id in self._held

    def hold(self, job_id: int, lease: timedelta) -> None:
        """Keep ``job_id``'s lease alive from now on (holding one already held changes nothing)."""
        if job_id in self._held:
            return
        if self._lengths and lease < min(self._lengths):
            self._shorter.set()
        self._held[job_id] = lease
        self._lengths[lease] += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._beat_forever(), name=f"job-leases-{self._owner}")

    def drop(self, job_id: int) -> None:
        lease = self._held.pop(job_id, None)
        if lease is not None:
            self._lengths[lease] -= 1
            if not self._lengths[lease]:
                del self._lengths[lease]

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def beat(self) -> None:
        """Extend every held lease by its length from now, one statement per length."""
        by_lease: dict[timedelta, list[int]] = {}
        for job_id, lease in self._held.items():
            by_lease.setdefault(lease, []).append(job_id)
        async with self._sessions.begin() as session:
            now = self._clock()
            for lease, ids in by_lease.items():
                await jobs.extend(session, ids=ids, owner=self._owner, until=now + lease)

    async def _beat_forever(self) -> None:
        while self._held:
            self._shorter.clear()
            interval = min(self._lengths).total_seconds() / 3
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._shorter.wait(), timeout=interval)
                continue  # a shorter lease arrived: a new interval, counted from now (its lease is fresh)
            if not self._held:
                return
            try:
                await self.beat()
            except Exception:  # one missed beat is covered by the rest of the lease
                logger.warning("could not extend the leases of %d jobs", len(self._held), exc_info=True)


def slot_key(slot: datetime) -> str:
    return slot.astimezone(UTC).isoformat(timespec="minutes")


class JobRunner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        owner: str | None = None,
        poll_s: float = 1.0,
        concurrency: int = 10,
        sweep_s: float = 30.0,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        # Unique per process and start, so a restarted process never takes its predecessor's jobs for its own.
        self.owner = owner or f"{os.getpid()}-{secrets.token_hex(4)}"
        self.poll_s = poll_s
        self.concurrency = concurrency
        self.sweep_s = sweep_s
        self.kinds: dict[str, Kind] = {}
        self.schedules: list[Schedule] = []
        self._running: dict[int, asyncio.Task[bool]] = {}
        self._jobs: dict[int, Taken] = {}  # what runs, by id (for the per-kind limits)
        self._held: set[int] = set()  # running jobs a caller brought (`run_held`): not counted in the limits
        self._interrupted: set[int] = set()  # jobs whose run was cancelled (a stop): given back by `stop`
        self.leases = Leases(sessions, owner=self.owner, clock=clock)
        # Ends of `Kind.batch_done` jobs not yet written, and what writes them: single statements committed as
        # they complete (one round trip, as durable).
        self._done: list[int] = []
        self._done_due = asyncio.Event()
        self._done_lock = asyncio.Lock()  # one write at a time: a returned `flush_done` has written its own
        self._done_task: asyncio.Task[None] | None = None
        self._behind = False  # a job was queued behind a running one of its lock key: look again after a write
        # Single statements committed as they complete (one round trip, as durable): the batched ends here, and
        # what a caller stores on its own (the webhook's arrivals).
        self.autocommit = autocommit_engine(sessions)
        self._held_back = False
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._last_sweep: datetime | None = None

    # ----------------------------------------------------------------- declaring work

    def register(self, kind: Kind) -> None:
        if kind.name in self.kinds:
            raise ValueError(f"job kind {kind.name!r} is registered twice")
        self.kinds[kind.name] = kind

    def every(self, kind: Kind, trigger: CronTrigger) -> None:
        """Run ``kind`` once per slot of ``trigger`` (its job's key is the slot, in UTC)."""
        self.register(kind)
        schedule = Schedule(kind.name, trigger)
        schedule.due_slot(self.clock())  # the first slot is the next one from now
        self.schedules.append(schedule)

    async def enqueue(self, new: Sequence[NewJob]) -> list[tuple[str, str]]:
        """Queue jobs in a transaction of their own; the (kind, key) pairs that were new. Wakes this process."""
        async with self.sessions.begin() as session:
            added = await jobs.enqueue(session, new, now=self.clock())
        if added:
            self._wake.set()
        return added

    def wake(self) -> None:
        """Look for due jobs now (after a caller enqueued some in its own transaction)."""
        self._wake.set()

    def queued_behind(self) -> None:
        """A job was stored queued behind a running one of its lock key (`jobs.arrive`): look for due jobs now
        and again once this process's next batch of ends is written (the holder may be among them)."""
        self._behind = True
        self._wake.set()

    # ----------------------------------------------------------------- running

    async def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._loop(), name="job-runner")
        if self._done_task is None:
            self._done_task = asyncio.create_task(self._flush_done_forever(), name="job-runner-done")

    async def stop(self) -> None:
        """Stop taking jobs; jobs still running are cancelled and given back at once (their attempt not counted)."""
        await cancel_and_wait(self._loop_task)
        self._loop_task = None
        running = set(self._running)
        await cancel_and_wait(*self._running.values())
        await self.leases.stop()
        interrupted, self._interrupted = running | self._interrupted, set()  # and those a caller's stop cut short
        await self.give_back(interrupted)
        await cancel_and_wait(self._done_task)
        self._done_task = None
        try:
            await self.flush_done()
        except Exception:  # they run again once their lease is over
            logger.warning("could not record %d finished jobs at shutdown", len(self._done), exc_info=True)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_due(wait=False)
            except Exception:  # the database restarting: the next poll tries again
                logger.exception("the job runner's poll failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)

    async def run_due(self, *, wait: bool = True) -> int:
        """One pass: enqueue due schedule slots, sweep when due, take what is due and start it; the number started.

        With ``wait`` (tests, one-shot commands) it then waits for every job it started, and goes on until
        nothing due is left.
        """
        started = 0
        while True:
            now = self.clock()
            slots = [
                NewJob(kind=s.kind, key=slot_key(slot), run_at=slot, max_attempts=self.kinds[s.kind].max_attempts)
                for s in self.schedules
                if (slot := s.due_slot(now)) is not None
            ]
            died: list[Finished] = []
            async with self.sessions.begin() as session:
                if slots:
                    await jobs.enqueue(session, slots, now=now)
                if self._last_sweep is None or (now - self._last_sweep).total_seconds() >= self.sweep_s:
                    self._last_sweep = now
                    _, died = await jobs.sweep(session, now=now)
            for gone in died:
                await self._dead(gone)
            taken = await self._take(now)
            for job in taken:
                self._running[job.id] = asyncio.create_task(self._run(job), name=f"job-{job.kind}-{job.id}")
            started += len(taken)
            if not wait:
                return started
            if self._running:
                await asyncio.gather(*self._running.values(), return_exceptions=True)
                await self.flush_done()  # what waits behind them may be taken now
            elif not taken and not self._held_back:
                return started

    async def _take(self, now: datetime) -> list[Taken]:
        """Kinds without a limit of their own first, then each limited kind up to what it has left."""
        free = self.concurrency - (len(self._running) - len(self._held))
        running = Counter(job.kind for job in self._jobs.values() if job.id not in self._held)
        # Whether a limit kept this take from looking at some kind: the jobs that held it may end meanwhile.
        self._held_back = free <= 0 or any(
            k.concurrency is not None and running[k.name] >= k.concurrency for k in self.kinds.values()
        )
        if free <= 0 or not self.kinds:
            return []
        groups: list[tuple[list[str], int]] = [([k.name for k in self.kinds.values() if k.concurrency is None], free)]
        groups += [
            ([k.name], k.concurrency - running[k.name])
            for k in self.kinds.values()
            if k.concurrency is not None and k.concurrency > running[k.name]
        ]
        default = timedelta(minutes=5)
        leases = {k.name: k.lease for k in self.kinds.values() if k.lease != default}
        taken: list[Taken] = []
        async with self.sessions.begin() as session:
            for kinds, room in groups:
                limit = min(room, free - len(taken))
                if kinds and limit > 0:
                    taken += await jobs.take(
                        session, owner=self.owner, now=now, lease=default, limit=limit, kinds=kinds, leases=leases
                    )
        for job in taken:
            self._jobs[job.id] = job
        return taken

    async def run_now(self, kind: str, key: str) -> bool | None:
        """Take the job ``(kind, key)`` and run it here and now, awaiting it (a job the athlete is waiting for);
        True when it ended done, False when it failed (retried later or dead), None when it was not due or is
        held elsewhere."""
        async with self.sessions.begin() as session:
            taken = await jobs.take(
                session,
                owner=self.owner,
                now=self.clock(),
                lease=self.kinds[kind].lease,
                limit=1,
                kinds=[kind],
                keys=[key],
            )
        if not taken:
            return None
        (job,) = taken
        task = asyncio.create_task(self._run(job), name=f"job-{job.kind}-{job.id}")
        self._running[job.id] = task
        return await task

    async def give_back(self, job_ids: Collection[int]) -> None:
        """Queue again at once jobs this process holds but will not finish (their attempt not counted), for
        any process; should the database be out of reach, their leases give them back instead."""
        for job_id in job_ids:
            self.leases.drop(job_id)
        if not job_ids:
            return
        try:
            async with self.sessions.begin() as session:
                await jobs.release(session, job_ids=job_ids, owner=self.owner, now=self.clock())
        except Exception:
            logger.warning("could not give back %d jobs; their leases will", len(job_ids), exc_info=True)

    async def run_held(self, job: Taken, handler: Handler | None = None) -> bool:
        """Run a job this process holds already — stored running for it by `jobs.arrive` — under its kind's
        policy (heartbeat, retries, dead letter, the end written); ``handler`` replaces the kind's for this run
        (the caller has the work in hand, parsed). True when it ended done. Such jobs do not count against the
        runner's limits: the caller bounds them."""
        self._jobs[job.id] = job
        self._held.add(job.id)
        task = asyncio.create_task(self._run(job, handler), name=f"job-{job.kind}-{job.id}")
        self._running[job.id] = task
        return await task

    async def _run(self, job: Taken, handler: Handler | None = None) -> bool:
        kind = self.kinds[job.kind]
        self.leases.hold(job.id, kind.lease)
        try:
            try:
                await (handler or kind.handler)(job)
            finally:
                self.leases.drop(job.id)
        except asyncio.CancelledError:
            self._interrupted.add(job.id)  # still ours and running in the database: `stop` gives it back
            raise
        except RunAgain:
            async with self.sessions.begin() as session:
                await jobs.complete(session, job_id=job.id, owner=self.owner, now=self.clock(), again=True)
            JOBS_RUN.labels(job.kind, "again").inc()
            self._wake.set()
            return True
        except Exception as err:  # noqa: BLE001 - any failure of a handler is its job's failure, recorded below
            error = f"{type(err).__name__}: {err}"
            now = self.clock()
            retry_at = None if isinstance(err, GiveUp) else now + kind.retry_in(job.attempts)
            async with self.sessions.begin() as session:
                state = await jobs.fail(
                    session, job_id=job.id, owner=self.owner, now=now, error=error, retry_at=retry_at
                )
            if state == jobs.DEAD:
                JOBS_RUN.labels(job.kind, "dead").inc()
                await self._dead(Finished(job.id, job.kind, job.key, job.attempts, error))
            else:
                JOBS_RUN.labels(job.kind, "retry").inc()
                logger.info(
                    "job %s %s failed (attempt %d of %d), retried later: %s",
                    job.kind,
                    job.key,
                    job.attempts,
                    job.max_attempts,
                    type(err).__name__,
                )
            return False
        else:
            if kind.batch_done:
                self._done.append(job.id)
                self._done_due.set()
            else:
                async with self.sessions.begin() as session:
                    await jobs.complete(session, job_id=job.id, owner=self.owner, now=self.clock())
            JOBS_RUN.labels(job.kind, "done").inc()
            return True
        finally:
            self._running.pop(job.id, None)
            self._jobs.pop(job.id, None)
            self._held.discard(job.id)

    async def flush_done(self) -> None:
        """Write the ends of the `Kind.batch_done` jobs done so far, in one statement; on failure they stay
        pending (and the error is raised)."""
        async with self._done_lock:
            ids, self._done = self._done, []
            self._done_due.clear()
            if not ids:
                return
            try:
                async with self.autocommit.connect() as conn:
                    await jobs.complete_many(conn, job_ids=ids, owner=self.owner, now=self.clock())
            except BaseException:
                self._done[:0] = ids
                self._done_due.set()
                raise
        if self._behind:  # their lock keys are free now: what was queued behind them can start
            self._behind = False
            self._wake.set()

    async def _flush_done_forever(self) -> None:
        while True:
            await self._done_due.wait()
            await asyncio.sleep(DONE_EVERY_S)  # the jobs done meanwhile go in the same statement
            try:
                await self.flush_done()
            except Exception:  # the database restarting: tried again next round, the ends kept
                logger.exception("could not record %d finished jobs", len(self._done))
                await asyncio.sleep(DONE_RETRY_S)

    async def _dead(self, job: Finished) -> None:
        JOBS_DEAD.labels(job.kind).inc()
        logger.warning(
            "job %s %s is dead after %d attempt(s): %s (see `coach-watts jobs`)",
            job.kind,
            job.key,
            job.attempts,
            job.error,
        )
        kind = self.kinds.get(job.kind)
        if kind is not None and kind.on_dead is not None:
            try:
                await kind.on_dead(job)
            except Exception:
                logger.exception("telling about the dead job %s %s failed", job.kind, job.key)

    # ----------------------------------------------------------------- housekeeping of the queue itself

    async def purge(self) -> int:
        async with self.sessions.begin() as session:
            now = self.clock()
            return await jobs.purge(session, done_before=now - KEEP_DONE, dead_before=now - KEEP_DEAD)
