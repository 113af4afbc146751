"""Backfill, incremental pulls, single flight, provider faults and retired endpoints."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.models import Workout
from integrations.sync.engine import BUSY, FAILED, SUCCESS, Progress, SyncEngine
from tests.fakes.providers.data import strava_activities, whoop_days
from tests.sync.conftest import FAST_RETRIES, SyncHarness

NOW = datetime.now(UTC)


async def test_strava_backfill_then_incremental(sync_harness: SyncHarness) -> None:
    h = sync_harness
    user_id = await h.athlete("strava")
    store = h.stores["strava"]
    store.put("activity", *strava_activities(450, end=NOW))  # ~75 days, 3 pages of 200
    engine = h.engine()
    seen: list[Progress] = []

    async def progress(p: Progress) -> None:
        seen.append(p)

    result = await engine.sync(user_id, "strava", progress=progress)

    assert result.status == SUCCESS and result.workouts == 450
    assert await h.workouts(user_id) == 450
    row = await h.integration(user_id, "strava")
    assert row.sync_status == "SUCCESS" and row.last_sync_at is not None and row.error_message is None
    assert [p.workouts for p in seen[:-1]] == [200, 400, 450] and seen[0].backfill and seen[-1].done
    # Incremental: one new ride; the next run reads only from the last run's end minus the overlap.
    (new,) = strava_activities(1, end=datetime.now(UTC) + timedelta(hours=3), seed=9)
    store.put("activity", new | {"id": 99})
    before = sum(store.pages.values())
    again = await engine.sync(user_id, "strava")
    assert again.status == SUCCESS and await h.workouts(user_id) == 451
    # One page, and the new ride's streams for its curve (the 450 older ones were asked once, in the backfill).
    assert sum(store.pages.values()) - before == 2 and not again.workouts > 20
    streams = [path for path, _query in store.pages if path.endswith("/streams")]
    assert streams.count("api/v3/activities/99/streams") == 1
    await engine.aclose()


async def test_three_concurrent_syncs_of_the_same_500_activities_leave_500_rows(sync_harness: SyncHarness) -> None:
    h = sync_harness
    user_id = await h.athlete("strava")
    h.stores["strava"].put("activity", *strava_activities(500, end=NOW))
    engines = [h.engine() for _ in range(3)]  # three engines = three processes' worth of clients and locks

    results = await asyncio.gather(*(e.sync(user_id, "strava") for e in engines))

    assert {r.status for r in results} <= {SUCCESS, BUSY} and SUCCESS in {r.status for r in results}
    assert await h.workouts(user_id) == 500
    async with h.sessions() as session:
        rows = (await session.scalars(select(Workout).where(Workout.user_id == user_id))).all()
    by_id = {a["id"]: a for a in h.stores["strava"].collections["activity"]}
    for row in rows:
        sent = by_id[int(row.external_id)]
        assert row.duration_sec == sent["moving_time"]
        assert {k: v for k, v in row.raw_json.items() if k != "curves"} == sent
    # Once the first is done, a fourth sync goes through (the lock was released).
    assert (await engines[0].sync(user_id, "strava")).status == SUCCESS
    assert await h.workouts(user_id) == 500
    for e in engines:
        await e.aclose()


async def test_whoop_through_5xx_timeouts_and_truncated_bodies_stores_every_record(sync_harness: SyncHarness) -> None:
    h = sync_harness
    user_id = await h.athlete("whoop", external_id="48213")
    store = h.stores["whoop"]
    for kind, items in whoop_days(60, end=NOW - timedelta(days=1), workouts_per_day=2).items():
        store.put(kind, *items)
    store.faults.error_rate, store.faults.timeout_rate, store.faults.truncate_rate = 0.3, 0.1, 0.05
    store.faults.slow_s = 0.6
    engine = h.engine(timeout_s=0.3)

    result = await engine.sync(user_id, "whoop")

    assert result.status == SUCCESS, result.error
    assert await h.workouts(user_id) == 120
    assert await h.days(user_id) == 60
    assert result.nights == 60
    async with h.sessions() as session:
        from db.models import DailyMetric

        days = (await session.scalars(select(DailyMetric).where(DailyMetric.user_id == user_id))).all()
    assert all(d.hrv is not None and d.recovery_score is not None and d.strain_score is not None for d in days)
    await engine.aclose()


async def test_a_retired_endpoint_fails_the_sync_with_a_clear_message(sync_harness: SyncHarness) -> None:
    h = sync_harness
    user_id = await h.athlete("whoop", external_id="48213")
    for kind, items in whoop_days(5, end=NOW).items():
        h.stores["whoop"].put(kind, *items)
    h.stores["whoop"].faults.retired = {"/v2/cycle"}
    engine = h.engine()

    result = await engine.sync(user_id, "whoop")

    assert result.status == FAILED and result.error is not None
    assert "retired" in result.error and "GET /v2/cycle" in result.error
    row = await h.integration(user_id, "whoop")
    assert row.sync_status == "FAILED" and row.error_message == result.error and row.last_sync_at is None
    # Not a lost grant: once WHOOP serves the endpoint again, the next sync succeeds with the same tokens.
    h.stores["whoop"].faults.retired = set()
    assert (await engine.sync(user_id, "whoop")).status == SUCCESS
    await engine.aclose()


async def test_an_activity_the_database_refuses_is_set_aside_and_the_rest_of_the_run_goes_on(
    sync_harness: SyncHarness,
) -> None:
    """An activity dated tomorrow (a device with a wrong clock) fails the seed's "not in the future" rule:
    it is counted as rejected like a drifted object, and the other rides of its page and run are stored."""
    h = sync_harness
    user_id = await h.athlete("strava")
    rides = strava_activities(30, end=NOW)
    (future,) = strava_activities(1, end=NOW + timedelta(days=1, hours=4), seed=7)
    h.stores["strava"].put("activity", *rides, future | {"id": 77})
    # The engine's window reaches past tomorrow, so the fake provider hands the future ride over.
    engine = SyncEngine(
        sessions=h.sessions,
        connector=h.connector,
        clock=lambda: datetime.now(UTC) + timedelta(days=2),
        retry=FAST_RETRIES,
        timeout_s=5.0,
    )

    result = await engine.sync(user_id, "strava")
    await engine.aclose()

    assert result.status == SUCCESS, result.error
    assert result.workouts == 30 and result.rejected == 1
    assert await h.workouts(user_id) == 30
    async with h.sessions() as session:
        stored = set((await session.scalars(select(Workout.external_id).where(Workout.user_id == user_id))).all())
    assert "77" not in stored and stored == {str(r["id"]) for r in rides}
