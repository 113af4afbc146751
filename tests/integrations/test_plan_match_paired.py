"""A session we wrote to the Intervals.icu calendar is matched exactly when Intervals.icu paired the activity with
its event (``paired_event_id``): even on another day, and never to the wrong session of that day."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import calendar_sync
from integrations.records import Batch, WorkoutRecord
from integrations.sync import writer
from tests.integrations.conftest import Athlete
from tests.integrations.history_data import intervals_activity, strava_activity
from tests.planning.support import add_plan, ride, statuses

Sessions = async_sessionmaker[AsyncSession]
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin, the athlete's zone


def paired(record: WorkoutRecord, event_id: int) -> WorkoutRecord:
    return dataclasses.replace(record, raw_json=dict(record.raw_json or {}, paired_event_id=event_id))


async def _page(sessions: Sessions, athlete: Athlete, provider: str, records: list[WorkoutRecord]) -> None:
    await writer.commit_page(
        sessions,
        integration_id=athlete.integrations[provider],
        user_id=athlete.user_id,
        stream="activities",
        batch=Batch(workouts=records),
        cursor="1",
    )


async def _written(sessions: Sessions, athlete: Athlete, session_id: str, day: object, event_id: str) -> None:
    async with sessions.begin() as session:
        await calendar_sync.record_written(
            session,
            user_id=athlete.user_id,
            written={f"cw-{session_id}": (day, {"name": "x"}, event_id)},  # type: ignore[dict-item]
            removed=[],
            now=START,
        )


async def test_a_paired_activity_done_a_day_late_completes_its_own_session(
    sessions: Sessions, athlete: Athlete
) -> None:
    monday, tuesday = START.date(), (START + timedelta(days=1)).date()
    ids = await add_plan(sessions, athlete.user_id, [(monday, ride()), (tuesday, ride())])
    await _written(sessions, athlete, ids[monday], monday, "90001")
    await _written(sessions, athlete, ids[tuesday], tuesday, "90002")

    # Monday's session, ridden on Tuesday; Intervals.icu paired it with Monday's event.
    await _page(sessions, athlete, "intervals", [paired(intervals_activity(1, START + timedelta(days=1), 5400), 90001)])

    found = await statuses(sessions, athlete.user_id)
    assert found[monday][0] == "done" and found[monday][1] is not None
    assert found[tuesday] == ("planned", None)  # by day alone, Tuesday's session would have taken it


async def test_without_a_known_pairing_the_day_rule_applies(sessions: Sessions, athlete: Athlete) -> None:
    monday = START.date()
    ids = await add_plan(sessions, athlete.user_id, [(monday, ride())])
    await _written(sessions, athlete, ids[monday], monday, "90001")

    # Paired with an event that is not ours (the athlete's own), and a Strava ride: matched by day and sport.
    await _page(sessions, athlete, "intervals", [paired(intervals_activity(1, START, 5400), 12345)])
    assert (await statuses(sessions, athlete.user_id))[monday][0] in {"done", "partial"}
    await _page(sessions, athlete, "strava", [strava_activity(2, START, 5400)])
    assert (await statuses(sessions, athlete.user_id))[monday][0] in {"done", "partial"}
