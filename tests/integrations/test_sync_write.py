"""The write path: pages with their cursor in one transaction, pending objects, sync status, 404 = FAILED."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Integration, SyncCursor, SyncPending, Workout
from db.repositories import sync_state
from integrations.intervals import mapping as intervals
from integrations.records import Batch
from integrations.strava import mapping as strava
from integrations.sync import writer
from integrations.whoop import mapping as whoop
from tests.integrations.conftest import Athlete, load

Sessions = async_sessionmaker[AsyncSession]


def strava_page(ftp_w: float | None = None) -> Batch:
    batch = Batch()
    for activity in load("strava", "activities_page.json"):
        batch.add(strava.map_activity(activity, ftp_w=ftp_w))
    return batch


async def _count(sessions: Sessions, model: type) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_page_rows_and_cursor_are_written_together_and_rewriting_is_idempotent(
    sessions: Sessions, athlete: Athlete
) -> None:
    strava_id = athlete.integrations["strava"]
    result = await writer.commit_page(
        sessions,
        integration_id=strava_id,
        user_id=athlete.user_id,
        stream="activities",
        batch=strava_page(),
        cursor="2",
    )
    assert result.workouts == 4
    await writer.commit_page(
        sessions,
        integration_id=strava_id,
        user_id=athlete.user_id,
        stream="activities",
        batch=strava_page(ftp_w=265),
        cursor="3",
    )
    assert await _count(sessions, Workout) == 4
    async with sessions() as session:
        assert await sync_state.cursor(session, integration_id=strava_id, stream="activities") == "3"
        ride = await session.scalar(select(Workout).where(Workout.external_id == "14982736451"))
        assert ride is not None
        assert ride.tss is not None and ride.tss == pytest.approx(100 * 4205 / 3600 * (231 / 265) ** 2, abs=0.05)
        assert ride.local_date is not None and ride.local_date.isoformat() == "2026-03-14"
        assert ride.utc_offset_sec == 3600
        assert ride.raw_json is not None and ride.raw_json["elapsed_time"] == 4371
        assert ride.canonical_id is None


async def test_a_page_that_fails_leaves_neither_rows_nor_cursor(sessions: Sessions, athlete: Athlete) -> None:
    with pytest.raises(IntegrityError):
        await writer.commit_page(
            sessions,
            integration_id="no-such-integration",  # the cursor write fails last, after the rows
            user_id=athlete.user_id,
            stream="activities",
            batch=strava_page(),
            cursor="2",
        )
    assert await _count(sessions, Workout) == 0
    assert await _count(sessions, SyncCursor) == 0


async def test_pending_whoop_objects_are_remembered_until_they_arrive_scored(
    sessions: Sessions, athlete: Athlete
) -> None:
    whoop_id = athlete.integrations["whoop"]
    workouts = load("whoop", "workout_page.json")["records"]
    sleeps = load("whoop", "sleep_page.json")["records"]
    recoveries = load("whoop", "recovery_page.json")["records"]
    batch = Batch()
    for w in workouts:
        batch.add(whoop.map_workout(w))
    for s in sleeps:
        batch.add(whoop.map_sleep(s))
    batch.add(whoop.map_recovery(recoveries[0], sleeps[2]))
    result = await writer.commit_page(
        sessions, integration_id=whoop_id, user_id=athlete.user_id, stream="whoop", batch=batch, cursor=None
    )
    assert (result.workouts, result.pending, result.skipped) == (3, 3, 1)
    async with sessions() as session:
        pending = await sync_state.pending(session, integration_id=whoop_id)
    assert sorted((p.kind, p.external_id) for p in pending) == sorted(
        [("workout", workouts[2]["id"]), ("sleep", sleeps[2]["id"]), ("recovery", sleeps[2]["id"])]
    )
    scored_sleep = dict(sleeps[0], id=sleeps[2]["id"], cycle_id=1120458, start=sleeps[2]["start"], end=sleeps[2]["end"])
    scored_recovery = dict(recoveries[1], sleep_id=sleeps[2]["id"], cycle_id=1120458)
    later = Batch()
    later.add(whoop.map_sleep(scored_sleep))
    later.add(whoop.map_recovery(scored_recovery, scored_sleep))
    await writer.commit_page(
        sessions, integration_id=whoop_id, user_id=athlete.user_id, stream="whoop", batch=later, cursor=None
    )
    async with sessions() as session:
        left = await sync_state.pending(session, integration_id=whoop_id)
    assert [(p.kind, p.external_id) for p in left] == [("workout", workouts[2]["id"])]


async def test_strava_stubs_from_intervals_are_skipped_not_stored(sessions: Sessions, athlete: Athlete) -> None:
    batch = Batch()
    for activity in load("intervals", "activities.json"):
        batch.add(intervals.map_activity(activity))
    result = await writer.commit_page(
        sessions,
        integration_id=athlete.integrations["intervals"],
        user_id=athlete.user_id,
        stream="activities",
        batch=batch,
        cursor="2026-03-14",
    )
    assert (result.workouts, result.skipped) == (2, 1)
    assert await _count(sessions, SyncPending) == 0


async def _integration(sessions: Sessions, integration_id: str) -> Integration:
    async with sessions() as session:
        row = await session.get(Integration, integration_id)
        assert row is not None
        return row


async def test_sync_status_moves_syncing_then_success_with_last_sync_time(sessions: Sessions, athlete: Athlete) -> None:
    strava_id = athlete.integrations["strava"]
    async with sessions.begin() as session:
        await writer.start_sync(session, integration_id=strava_id)
    assert (await _integration(sessions, strava_id)).sync_status == "SYNCING"
    outcome = writer.SyncOutcome()
    outcome.add(
        "activities",
        await writer.commit_page(
            sessions,
            integration_id=strava_id,
            user_id=athlete.user_id,
            stream="activities",
            batch=strava_page(),
            cursor="1",
        ),
    )
    now = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        status = await writer.finish_sync(session, integration_id=strava_id, outcome=outcome, now=now)
    row = await _integration(sessions, strava_id)
    assert (status, row.sync_status, row.last_sync_at, row.error_message) == ("SUCCESS", "SUCCESS", now, None)
    assert outcome.records == {"activities": 4}


async def test_retired_endpoint_is_a_failed_sync_with_a_clear_message_never_an_empty_success(
    sessions: Sessions, athlete: Athlete
) -> None:
    whoop_id = athlete.integrations["whoop"]
    earlier = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        await sync_state.mark_success(session, integration_id=whoop_id, at=earlier)
        await writer.start_sync(session, integration_id=whoop_id)
    outcome = writer.SyncOutcome()
    writer.endpoint_error(outcome, provider="whoop", endpoint="/developer/v1/recovery")
    async with sessions.begin() as session:
        status = await writer.finish_sync(
            session, integration_id=whoop_id, outcome=outcome, now=datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
        )
    row = await _integration(sessions, whoop_id)
    assert status == row.sync_status == "FAILED"
    assert row.error_message == (
        "WHOOP answered 404 for /developer/v1/recovery: the endpoint has been retired or moved, so nothing was "
        "synced; the WHOOP integration needs an update."
    )
    assert row.last_sync_at == earlier  # the last *successful* sync, as the seed defines it
    async with sessions.begin() as session:
        message = await writer.retired_endpoint(
            session, integration_id=whoop_id, provider="whoop", endpoint="/developer/v1/activity/sleep"
        )
    row = await _integration(sessions, whoop_id)
    assert (row.sync_status, row.error_message) == ("FAILED", message)
    assert "/developer/v1/activity/sleep" in message
