"""A bot process's job runner, alone in its own interpreter, for the cross-process test of the job queue.

``python -m tests.bot.job_worker <database url> <owner>`` runs a `JobRunner` (the product's) with two kinds
until no job of them is queued or running, then exits:

- ``sim.work``: records its start and end in "job_trace" (the test's table), with a short await between;
- ``sim.poison``: always fails (two attempts, a tenth of a second apart).

It prints ``ready`` once started and ``ran 30`` when it has started its 30th ``sim.work`` run.

Leases are two seconds and the sweep runs every half second, so the jobs of a process the test kills are
taken again within a few seconds. It shares nothing with the test but PostgreSQL.
"""

from __future__ import annotations

import asyncio
import random
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.jobs.runner import JobRunner, Kind, Taken
from db.engine import create_engine, create_sessionmaker

LEASE = timedelta(seconds=2)


async def main(database_url: str, owner: str) -> None:
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    runs = 0

    async def work(job: Taken) -> None:
        nonlocal runs
        async with sessions.begin() as session:
            await session.execute(
                text("INSERT INTO job_trace (key, lock, owner, started) VALUES (:k, :l, :o, clock_timestamp())"),
                {"k": job.key, "l": job.lock_key, "o": owner},
            )
        runs += 1
        if runs == 30:
            print("ran 30", flush=True)
        await asyncio.sleep(random.uniform(0, 0.02))  # the work: other processes take jobs meanwhile
        async with sessions.begin() as session:
            await session.execute(
                text("UPDATE job_trace SET ended = clock_timestamp() WHERE key = :k AND owner = :o AND ended IS NULL"),
                {"k": job.key, "o": owner},
            )

    async def poison(job: Taken) -> None:
        raise ValueError(f"unreadable {job.key}")

    runner = JobRunner(sessions, clock=lambda: datetime.now(UTC), owner=owner, poll_s=0.05, sweep_s=0.5)
    runner.register(Kind("sim.work", work, lease=LEASE))
    runner.register(Kind("sim.poison", poison, max_attempts=2, first_retry=timedelta(seconds=0.1), lease=LEASE))
    print("ready", flush=True)
    await runner.start()
    try:
        while True:
            await asyncio.sleep(0.2)
            async with sessions() as session:
                left = await session.scalar(
                    text("SELECT count(*) FROM \"Job\" WHERE kind LIKE 'sim.%' AND state IN ('queued', 'running')")
                )
            if not left:
                return
    finally:
        await runner.stop()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
