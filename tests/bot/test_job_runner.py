"""The one job queue: once per key, one at a time per lock key across processes, retries with backoff, a dead
letter after the last attempt, recovery from a process that died, and periodic slots run once.

Each `JobRunner` here stands for one bot process (its own owner); they share the database, as processes do.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.runner import JOBS_DEAD, Finished, GiveUp, JobRunner, Kind, Leases, RunAgain
from db.models import Job
from db.repositories import jobs
from db.repositories.jobs import DEAD, DONE, QUEUED, RUNNING, NewJob, Taken

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _rows(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[Job]:
    async with sessions() as session:
        return list((await session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id))).all())


async def test_a_key_is_queued_and_run_once_whatever_the_number_of_processes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    ran: Counter[str] = Counter()

    async def handler(job: Taken) -> None:
        ran[job.key] += 1

    runners = [JobRunner(sessions, clock=clock) for _ in range(3)]
    for runner in runners:
        runner.register(Kind("test.once", handler))
    added = await asyncio.gather(*(r.enqueue([NewJob("test.once", "a"), NewJob("test.once", "b")]) for r in runners))
    assert sorted(pair for batch in added for pair in batch) == [("test.once", "a"), ("test.once", "b")]
    await asyncio.gather(*(r.run_due() for r in runners))
    assert ran == {"a": 1, "b": 1}
    assert [(j.key, j.state, j.attempts) for j in await _rows(sessions, "test.once")] == [
        ("a", DONE, 1),
        ("b", DONE, 1),
    ]
    # Enqueued again after it ran: the key exists, nothing runs.
    assert await runners[0].enqueue([NewJob("test.once", "a")]) == []


async def test_a_lock_key_is_held_by_one_process_at_a_time(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Two processes take at the same instant, in open transactions: the second cannot take a job whose lock key
    the first is taking, and after the first commits, none while the first's job runs."""
    lease = timedelta(minutes=5)
    async with sessions.begin() as session:
        await jobs.enqueue(
            session,
            [
                NewJob("test.lock", "1", lock_key="user:a"),
                NewJob("test.lock", "2", lock_key="user:a"),
                NewJob("test.lock", "3", lock_key="user:b"),
                NewJob("test.lock", "4"),
            ],
            now=T0,
        )
    first = sessions()
    second = sessions()
    try:
        await first.begin()
        await second.begin()
        one = await jobs.take(first, owner="p1", now=T0, lease=lease, limit=1, kinds=["test.lock"])
        two = await jobs.take(second, owner="p2", now=T0, lease=lease, limit=10, kinds=["test.lock"])
        assert [j.key for j in one] == ["1"]
        assert [j.key for j in two] == ["3", "4"]  # "2" shares user:a with the take still open
        await first.commit()
        await second.commit()
    finally:
        await first.close()
        await second.close()
    async with sessions.begin() as session:  # "1" runs: "2" waits for it
        assert await jobs.take(session, owner="p3", now=T0, lease=lease, limit=10, kinds=["test.lock"]) == []
        assert await jobs.complete(session, job_id=one[0].id, owner="p1", now=T0)
    async with sessions.begin() as session:
        (after,) = await jobs.take(session, owner="p3", now=T0, lease=lease, limit=10, kinds=["test.lock"])
    assert after.key == "2"


async def test_jobs_of_one_lock_key_never_overlap_across_runners(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    active: Counter[str] = Counter()
    most: Counter[str] = Counter()
    done: list[str] = []

    async def handler(job: Taken) -> None:
        assert job.lock_key is not None
        active[job.lock_key] += 1
        most[job.lock_key] = max(most[job.lock_key], active[job.lock_key])
        for _ in range(5):  # let the other runners take while this one runs
            await asyncio.sleep(0)
        active[job.lock_key] -= 1
        done.append(job.key)

    runners = [JobRunner(sessions, clock=clock, concurrency=4) for _ in range(3)]
    for runner in runners:
        runner.register(Kind("test.overlap", handler))
    await runners[0].enqueue([NewJob("test.overlap", str(i), lock_key=f"user:{i % 3}") for i in range(18)])
    await asyncio.gather(*(r.run_due() for r in runners))
    assert sorted(done, key=int) == [str(i) for i in range(18)]
    assert set(most.values()) == {1}


async def test_a_failing_job_is_retried_with_backoff_then_dead_and_reported(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    attempts: list[datetime] = []

    async def poison(job: Taken) -> None:
        attempts.append(clock())
        raise ValueError(f"cannot read event {job.key}")

    kind = Kind("test.poison", poison, max_attempts=3, first_retry=timedelta(seconds=30))
    runner = JobRunner(sessions, clock=clock)
    runner.register(kind)
    dead_before = JOBS_DEAD.labels("test.poison")._value.get()
    await runner.enqueue([NewJob("test.poison", "e1", max_attempts=3)])

    await runner.run_due()
    (row,) = await _rows(sessions, "test.poison")
    assert (row.state, row.attempts, row.run_at) == (QUEUED, 1, T0 + timedelta(seconds=30))
    assert row.last_error == "ValueError: cannot read event e1"
    clock.now += timedelta(seconds=29)
    await runner.run_due()
    assert len(attempts) == 1  # not before its backoff
    clock.now += timedelta(seconds=1)
    await runner.run_due()
    (row,) = await _rows(sessions, "test.poison")
    assert (row.state, row.attempts, row.run_at) == (QUEUED, 2, clock.now + timedelta(minutes=1))  # doubled
    clock.now += timedelta(minutes=1)
    with caplog.at_level(logging.WARNING, logger="bot.jobs.runner"):
        await runner.run_due()
    (row,) = await _rows(sessions, "test.poison")
    assert (row.state, row.attempts, row.finished_at) == (DEAD, 3, clock.now)
    assert len(attempts) == 3
    assert "job test.poison e1 is dead after 3 attempt(s)" in caplog.text
    assert JOBS_DEAD.labels("test.poison")._value.get() == dead_before + 1
    clock.now += timedelta(days=1)
    await runner.run_due()
    assert len(attempts) == 3  # parked: never retried by itself
    async with sessions() as session:
        (depth,) = [d for d in await jobs.depths(session, now=clock.now) if d.kind == "test.poison"]
    assert (depth.due, depth.dead) == (0, 1)
    # An operator sends it back with all its attempts.
    async with sessions.begin() as session:
        assert await jobs.retry_dead(session, job_id=row.id, now=clock.now)
    await runner.run_due()
    assert len(attempts) == 4


async def test_give_up_makes_a_job_dead_at_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()

    async def refused(_job: Taken) -> None:
        raise GiveUp("the provider refused the grant")

    runner = JobRunner(sessions, clock=clock)
    runner.register(Kind("test.refused", refused))
    await runner.enqueue([NewJob("test.refused", "x")])
    await runner.run_due()
    (row,) = await _rows(sessions, "test.refused")
    assert (row.state, row.attempts, row.last_error) == (DEAD, 1, "GiveUp: the provider refused the grant")


async def test_a_dead_process_jobs_are_taken_again_after_the_lease_and_dead_after_the_last(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    ran: list[int] = []

    async def handler(job: Taken) -> None:
        ran.append(job.attempts)

    async with sessions.begin() as session:
        await jobs.enqueue(
            session,
            [NewJob("test.crash", "survives", max_attempts=2), NewJob("test.crash", "kills", max_attempts=1)],
            now=T0,
        )
        taken = await jobs.take(
            session, owner="gone", now=T0, lease=timedelta(minutes=5), limit=5, kinds=["test.crash"]
        )
    assert {j.key for j in taken} == {"survives", "kills"}  # and the process dies

    runner = JobRunner(sessions, clock=clock)
    runner.register(Kind("test.crash", handler))
    await runner.run_due()
    assert ran == []  # their leases still run
    clock.now += timedelta(minutes=5, seconds=1)
    await runner.run_due()
    assert ran == [2]
    rows = {j.key: (j.state, j.attempts, j.last_error) for j in await _rows(sessions, "test.crash")}
    assert rows == {
        "survives": (DONE, 2, None),
        "kills": (DEAD, 1, "the process running its last attempt stopped"),  # a poison job is parked
    }
    # The dead process's late answer changes nothing.
    async with sessions.begin() as session:
        assert not await jobs.complete(session, job_id=taken[0].id, owner="gone", now=clock.now)
        assert not await jobs.extend(session, ids=[j.id for j in taken], owner="gone", until=clock.now)


async def test_a_periodic_slot_runs_once_across_processes_and_missed_slots_coalesce(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock(T0 + timedelta(minutes=1))
    ran: list[str] = []

    async def tick(job: Taken) -> None:
        ran.append(job.key)

    runners = [JobRunner(sessions, clock=clock) for _ in range(2)]
    for runner in runners:
        runner.every(Kind("test.tick", tick), CronTrigger(minute="*/10", timezone=UTC))
    await asyncio.gather(*(r.run_due() for r in runners))
    assert ran == []  # the first slot is the next one: 09:10
    clock.now = T0 + timedelta(minutes=10, seconds=2)
    await asyncio.gather(*(r.run_due() for r in runners))
    assert ran == ["2026-12-07T09:10+00:00"]
    clock.now = T0 + timedelta(minutes=45)  # 09:20, 09:30 and 09:40 passed while the processes were busy
    await asyncio.gather(*(r.run_due() for r in runners))
    assert ran == ["2026-12-07T09:10+00:00", "2026-12-07T09:40+00:00"]


async def test_stopping_gives_running_jobs_back_without_counting_the_attempt(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    started = asyncio.Event()

    async def endless(_job: Taken) -> None:
        started.set()
        await asyncio.Event().wait()

    runner = JobRunner(sessions, clock=clock, poll_s=0.05)
    runner.register(Kind("test.endless", endless))
    await runner.enqueue([NewJob("test.endless", "long")])
    await runner.start()
    await asyncio.wait_for(started.wait(), timeout=10)
    (row,) = await _rows(sessions, "test.endless")
    assert (row.state, row.attempts) == (RUNNING, 1)
    await runner.stop()
    (row,) = await _rows(sessions, "test.endless")
    assert (row.state, row.attempts, row.owner) == (QUEUED, 0, None)


async def test_finished_jobs_are_purged_after_their_keep(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await jobs.enqueue(session, [NewJob("test.purge", "old"), NewJob("test.purge", "new")], now=T0)
        for job in await jobs.take(
            session, owner="p", now=T0, lease=timedelta(minutes=1), limit=2, kinds=["test.purge"]
        ):
            await jobs.complete(
                session, job_id=job.id, owner="p", now=T0 if job.key == "old" else T0 + timedelta(days=9)
            )
    async with sessions.begin() as session:
        assert await jobs.purge(session, done_before=T0 + timedelta(days=8), dead_before=T0) == 1
    assert [j.key for j in await _rows(sessions, "test.purge")] == ["new"]


async def test_an_up_to_date_job_runs_again_for_a_request_after_it_finished_or_during_its_run(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """ "Bring this athlete up to date": requests before a run coalesce into it; one after it finished queues it
    again (dead ones too, with all their attempts); one during the run makes the handler ask for another."""
    clock = Clock()
    runs: list[int] = []
    overtaken = [True]

    async def write(job: Taken) -> None:
        runs.append(job.attempts)
        if overtaken.pop() if overtaken else False:
            raise RunAgain

    runner = JobRunner(sessions, clock=clock)
    runner.register(Kind("test.again", write))
    request = [NewJob("test.again", "user-1")]
    async with sessions.begin() as session:
        assert await jobs.enqueue(session, request, now=T0, again=True) == [("test.again", "user-1")]
        assert await jobs.enqueue(session, request, now=T0, again=True) == []  # queued: coalesced
    await runner.run_due()
    assert runs == [1, 1]  # overtaken during the first run: run again at once, all attempts back
    async with sessions.begin() as session:
        assert await jobs.enqueue(session, request, now=T0) == []  # without `again` a finished key stays done
        assert await jobs.enqueue(session, request, now=T0, again=True) == [("test.again", "user-1")]
    await runner.run_due()
    assert runs == [1, 1, 1]
    (row,) = await _rows(sessions, "test.again")
    assert (row.state, row.attempts) == (DONE, 1)


async def test_run_now_runs_one_job_where_it_is_asked_and_dead_jobs_are_told_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    told: list[tuple[str, int, str | None]] = []

    async def failing(_job: Taken) -> None:
        raise ConnectionError("calendar unreachable")

    async def tell(job: Finished) -> None:
        told.append((job.key, job.attempts, job.error))

    runner = JobRunner(sessions, clock=clock)
    runner.register(Kind("test.now", failing, max_attempts=2, on_dead=tell))
    await runner.enqueue([NewJob("test.now", "a", max_attempts=2), NewJob("test.now", "b", max_attempts=2)])
    assert await runner.run_now("test.now", "a") is False  # failed: retried later
    assert await runner.run_now("test.now", "a") is None  # not due before its backoff
    (a, b) = await _rows(sessions, "test.now")
    assert (a.state, a.attempts, b.state, b.attempts) == (QUEUED, 1, QUEUED, 0)  # only "a" ran
    clock.now += timedelta(minutes=1)
    assert await runner.run_now("test.now", "a") is False
    assert told == [("a", 2, "ConnectionError: calendar unreachable")]
    # "b" is taken by a process that dies on its last attempt: the sweeping process tells it.
    async with sessions.begin() as session:
        await session.execute(update(Job).where(Job.key == "b").values(attempts=1))
        await jobs.take(session, owner="gone", now=clock.now, lease=timedelta(minutes=1), limit=1, kinds=["test.now"])
    clock.now += timedelta(minutes=2)
    await runner.run_due()
    assert told[1:] == [("b", 2, "the process running its last attempt stopped")]


async def test_a_deleted_athletes_jobs_are_forgotten(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await jobs.enqueue(
            session,
            [
                NewJob("test.forget", "mine-1", lock_key=jobs.user_lock("u1")),
                NewJob("test.forget", "mine-2", lock_key=jobs.connection_lock("u1", "whoop")),
                NewJob("test.forget", "running", lock_key=jobs.connection_lock("u1", "oura")),
                NewJob("test.forget", "other", lock_key=jobs.user_lock("u10")),
                NewJob("test.forget", "other-connection", lock_key=jobs.connection_lock("u10", "whoop")),
            ],
            now=T0,
        )
        await jobs.take(
            session, owner="p", now=T0, lease=timedelta(minutes=1), limit=1, kinds=["test.forget"], keys=["running"]
        )
        assert await jobs.forget_user(session, user_id="u1") == 2
    assert [j.key for j in await _rows(sessions, "test.forget")] == ["running", "other", "other-connection"]


async def test_a_kind_with_a_limit_never_takes_the_slots_of_the_others(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A wave of long syncs holds at most its own limit; a report queued after them starts at once."""
    clock = Clock()
    release = asyncio.Event()
    started: list[str] = []

    async def long_sync(job: Taken) -> None:
        started.append(job.key)
        await release.wait()

    async def report(job: Taken) -> None:
        started.append(job.key)

    runner = JobRunner(sessions, clock=clock, concurrency=4)
    runner.register(Kind("test.sync", long_sync, concurrency=2))
    runner.register(Kind("test.report", report))
    await runner.enqueue([NewJob("test.sync", f"s{i}", run_at=T0 - timedelta(minutes=1)) for i in range(6)])
    await runner.enqueue([NewJob("test.report", "week")])
    assert await runner.run_due(wait=False) == 3
    await asyncio.sleep(0)  # the started tasks run up to their first wait
    assert sorted(started) == ["s0", "s1", "week"]
    assert await runner.run_due(wait=False) == 0  # the syncs hold their two slots, no more
    release.set()
    await runner.run_due()
    assert sorted(started) == ["s0", "s1", "s2", "s3", "s4", "s5", "week"]


async def test_the_leases_of_held_jobs_are_kept_alive_together_each_by_its_own_length(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    async with sessions.begin() as session:
        await jobs.enqueue(session, [NewJob("test.short", "a"), NewJob("test.long", "b")], now=T0)
        taken = await jobs.take(
            session, owner="p", now=T0, lease=timedelta(minutes=5), limit=2, kinds=["test.short", "test.long"],
            leases={"test.short": timedelta(minutes=1)},
        )  # fmt: skip
    by_kind = {t.kind: t.id for t in taken}
    rows = {j.kind: j.lease_until for j in await _rows(sessions, "test.short") + await _rows(sessions, "test.long")}
    assert rows == {"test.short": T0 + timedelta(minutes=1), "test.long": T0 + timedelta(minutes=5)}
    leases = Leases(sessions, owner="p", clock=clock)
    leases.hold(by_kind["test.short"], timedelta(minutes=1))
    leases.hold(by_kind["test.long"], timedelta(minutes=5))
    try:
        clock.now = T0 + timedelta(seconds=40)
        await leases.beat()
        rows = {j.kind: j.lease_until for j in await _rows(sessions, "test.short") + await _rows(sessions, "test.long")}
        assert rows == {"test.short": clock.now + timedelta(minutes=1), "test.long": clock.now + timedelta(minutes=5)}
        leases.drop(by_kind["test.long"])
        clock.now += timedelta(seconds=40)
        await leases.beat()
        rows = {j.kind: j.lease_until for j in await _rows(sessions, "test.short") + await _rows(sessions, "test.long")}
        assert rows["test.short"] == clock.now + timedelta(minutes=1)
        assert rows["test.long"] == clock.now - timedelta(seconds=40) + timedelta(minutes=5)  # not held: left alone
    finally:
        await leases.stop()


async def test_a_job_running_longer_than_its_lease_is_not_taken_by_another_process(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The runner's beat (a third of the lease) keeps a long job its own; another process finds nothing due."""
    release = asyncio.Event()
    extended = asyncio.Event()
    lease = timedelta(seconds=0.3)

    async def long(job: Taken) -> None:
        await release.wait()

    first = JobRunner(sessions, clock=lambda: datetime.now(UTC))
    second = JobRunner(sessions, clock=lambda: datetime.now(UTC), sweep_s=0)
    for runner in (first, second):
        runner.register(Kind("test.long", long, lease=lease))
    await first.enqueue([NewJob("test.long", "k")])
    assert await first.run_due(wait=False) == 1
    (row,) = await _rows(sessions, "test.long")
    taken_until = row.lease_until

    async def watch() -> None:
        while True:
            (row,) = await _rows(sessions, "test.long")
            assert row.lease_until is not None and taken_until is not None
            if row.lease_until > taken_until + lease:
                extended.set()
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(watch(), timeout=10)  # extended more than once, past its first lease
    assert extended.is_set()
    assert await second.run_due(wait=False) == 0  # swept and taken: never, while the first lives
    release.set()
    await first.run_due()
    (row,) = await _rows(sessions, "test.long")
    assert (row.state, row.attempts, row.owner) == (DONE, 1, first.owner)
