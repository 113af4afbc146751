"""The daily re-pull: once per day whichever process wins, and it brings back what a lost webhook missed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.sync_jobs import Reconciler
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
    one, two = (Reconciler(engine, h.sessions, days=3, hour=4, clock=lambda: noon) for _ in range(2))

    ran = await asyncio.gather(one.run(), two.run())

    assert sorted(r is None for r in ran) == [False, True]  # one process did it, the other skipped
    (results,) = [r for r in ran if r is not None]
    assert {(r.provider, r.status) for r in results} == {("strava", SUCCESS), ("whoop", SUCCESS)}
    assert await h.workouts(ann) == before + 1
    async with h.sessions() as session:
        from sqlalchemy import select

        from db.models import DailyMetric

        strains = (await session.scalars(select(DailyMetric.strain_score).where(DailyMetric.user_id == ann))).all()
    assert 19.5 in strains
    # Later the same day nobody runs it again; before the hour nobody runs it at all.
    assert await one.run() is None
    early = Reconciler(engine, h.sessions, days=3, hour=4, clock=lambda: noon.replace(hour=2) + timedelta(days=1))
    assert await early.run() is None
    await engine.aclose()
