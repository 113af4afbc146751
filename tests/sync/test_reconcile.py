"""The daily re-pull: once per day and connection on the job queue, whatever the number of processes, and it
brings back what a lost webhook missed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.jobs.reconcile import CHECK, CONNECTION, Reconciler
from bot.jobs.runner import JobRunner
from db.models import DailyMetric, Job
from db.repositories.jobs import DONE, NewJob
from integrations.sync.engine import SUCCESS
from tests.fakes.providers.data import strava_activities, whoop_days
from tests.sync.conftest import SyncHarness


async def test_one_process_reconciles_per_day_and_recovers_what_webhooks_missed(sync_harness: SyncHarness) -> None:
    h = sync_harness
    ann = await h.athlete("strava", "whoop", external_id="48213")
    h.stores["strava"].put("activity", *strava_activities(20, end=datetime.now(UTC)))
    days = whoop_days(10, end=datetime.now(UTC) - timedelta(days=1))
    for kind, items in days.items():
        h.stores["whoop"].put(kind, *items)
    engine = h.engine()
    assert {r.status for r in await engine.sync_user(ann)} == {SUCCESS}
    before = await h.workouts(ann)
    # A ride uploaded an hour ago whose webhook never arrived, and yesterday's strain that grew since.
    (late,) = strava_activities(1, end=datetime.now(UTC) + timedelta(hours=3), seed=4)
    h.stores["strava"].put("activity", late | {"id": 77})
    days["cycle"][0]["score"]["strain"] = 19.5
    noon = datetime.now(UTC).replace(hour=12)

    async def processes(at: datetime, count: int) -> None:
        """``count`` processes each run the hourly check's slot at ``at`` (it runs once) and what it queued."""

        async def one() -> None:
            runner = JobRunner(h.sessions, clock=lambda: at)
            Reconciler(engine, h.sessions, days=3, hour=4, clock=lambda: at).install(runner)
            await runner.enqueue([NewJob(kind=CHECK, key=at.isoformat())])
            await runner.run_due()

        await asyncio.gather(*(one() for _ in range(count)))

    async def repulls() -> list[tuple[str, str, int]]:
        async with h.sessions() as session:
            rows = (await session.scalars(select(Job).where(Job.kind == CONNECTION).order_by(Job.key))).all()
        return [(r.key, r.state, r.attempts) for r in rows]

    await processes(noon, count=2)

    day = noon.date().isoformat()
    assert await repulls() == [(f"{day}:{ann}:strava", DONE, 1), (f"{day}:{ann}:whoop", DONE, 1)]
    assert await h.workouts(ann) == before + 1
    async with h.sessions() as session:
        strains = (await session.scalars(select(DailyMetric.strain_score).where(DailyMetric.user_id == ann))).all()
    assert 19.5 in strains
    # Later the same day nobody runs it again; before the hour nobody runs it at all.
    await processes(noon + timedelta(hours=1), count=2)
    await processes(noon.replace(hour=2) + timedelta(days=1), count=1)
    assert await repulls() == [(f"{day}:{ann}:strava", DONE, 1), (f"{day}:{ann}:whoop", DONE, 1)]
    await engine.aclose()
