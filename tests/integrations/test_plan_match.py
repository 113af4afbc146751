"""Arriving workouts are matched to the planned session of their local day, whichever path wrote them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import plan_adapt
from coach.science.heart_rate import HeartRateProfile
from coach.science.load import session_load
from coach.workouts.model import Sport
from db.models import User, Workout
from db.repositories import plans
from integrations.fit import store as fit_store
from integrations.fit.summary import summarize_fit
from integrations.records import Batch, WorkoutRecord
from integrations.sync import writer
from integrations.sync.history import delete_workout
from integrations.sync.plan_match import DoneWorkout, PlannedRow, match_day
from tests.integrations.conftest import Athlete
from tests.integrations.history_data import intervals_activity, strava_activity
from tests.integrations.test_sync_history import EDGE_810
from tests.planning.support import add_plan, ride, statuses

Sessions = async_sessionmaker[AsyncSession]
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin, the athlete's zone
T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def _done(workout_id: str, family: str | None, load: float, minute: int = 0) -> DoneWorkout:
    return DoneWorkout(workout_id, T0 + timedelta(minutes=minute), family, load)


@pytest.mark.parametrize(
    ("planned_tss", "done", "expected"),
    [
        (100.0, [_done("w", "cycling", 80.0)], ("done", "w")),
        (100.0, [_done("w", "cycling", 79.0)], ("partial", "w")),
        (100.0, [_done("a", "cycling", 45.0), _done("b", "cycling", 40.0, 90)], ("done", "a")),  # split in two
        (100.0, [_done("r", "running", 120.0)], ("planned", None)),  # another sport: the run is unplanned
        (100.0, [_done("x", None, 120.0)], ("planned", None)),  # an unknown sport is never the session
        (100.0, [], ("planned", None)),
    ],
)
def test_the_rule_of_one_day(planned_tss: float, done: list[DoneWorkout], expected: tuple[str, str | None]) -> None:
    (match,) = match_day([PlannedRow("s", "ride", planned_tss, "planned")], done)
    assert (match.status, match.workout_id) == expected


def test_two_sessions_of_one_sport_take_a_workout_each_in_start_order() -> None:
    rows = [PlannedRow("am", "run", 40.0, "planned"), PlannedRow("pm", "run", 40.0, "planned")]
    matches = match_day(rows, [_done("late", "running", 10.0, 600), _done("early", "running", 50.0)])
    assert [(m.session_id, m.status, m.workout_id) for m in matches] == [
        ("am", "done", "early"),
        ("pm", "partial", "late"),
    ]


def _load(record: WorkoutRecord) -> float:
    return session_load(
        duration_s=record.duration_sec,
        sport=record.type,
        tss=record.tss,
        average_hr=record.average_hr,
        raw_json=record.raw_json,
        profile=HeartRateProfile(),
    ).value


async def _page(sessions: Sessions, athlete: Athlete, provider: str, records: list[WorkoutRecord]) -> None:
    await writer.commit_page(
        sessions,
        integration_id=athlete.integrations[provider],
        user_id=athlete.user_id,
        stream="activities",
        batch=Batch(workouts=records),
        cursor="1",
    )


async def _set_planned_tss(sessions: Sessions, user_id: str, day: date, tss: float) -> None:
    async with sessions.begin() as session:
        (row,) = await plans.sessions_between(session, user_id=user_id, start=day, end=day)
        row.planned_tss = tss


async def test_a_synced_page_marks_done_partial_and_leaves_other_days_alone(
    sessions: Sessions, athlete: Athlete
) -> None:
    days = [(START + timedelta(days=i)).date() for i in range(4)]
    ids = await add_plan(
        sessions, athlete.user_id, [(days[0], ride()), (days[1], ride()), (days[2], ride(sport=Sport.RUN))]
    )
    full = strava_activity(1, START, 5400)
    short = strava_activity(2, START + timedelta(days=1), 5400)
    wrong_sport = strava_activity(3, START + timedelta(days=2), 5400)  # a ride on a run day
    no_plan = strava_activity(4, START + timedelta(days=3), 5400)
    await _set_planned_tss(sessions, athlete.user_id, days[0], _load(full) / 0.9)
    await _set_planned_tss(sessions, athlete.user_id, days[1], _load(short) / 0.5)

    await _page(sessions, athlete, "strava", [full, short, wrong_sport, no_plan])

    found = await statuses(sessions, athlete.user_id)
    assert found[days[0]][0] == "done" and found[days[0]][1] is not None
    assert found[days[1]][0] == "partial"
    assert found[days[2]] == ("planned", None)
    assert set(found) == set(ids)  # the day without a session got none

    # The same page again (a re-sync) changes nothing.
    await _page(sessions, athlete, "strava", [full, short, wrong_sport, no_plan])
    assert await statuses(sessions, athlete.user_id) == found


async def test_a_ride_sent_by_two_providers_counts_once(sessions: Sessions, athlete: Athlete) -> None:
    day = START.date()
    await add_plan(sessions, athlete.user_id, [(day, ride())])
    copy_a = strava_activity(7, START, 5400)
    copy_b = intervals_activity(7, START + timedelta(seconds=30), 5400)
    # Just more than either copy carries: one copy is partial, both counted would be done.
    await _set_planned_tss(sessions, athlete.user_id, day, max(_load(copy_a), _load(copy_b)) / 0.79)
    await _page(sessions, athlete, "strava", [copy_a])
    await _page(sessions, athlete, "intervals", [copy_b])
    status, workout_id = (await statuses(sessions, athlete.user_id))[day]
    assert status == "partial"
    async with sessions() as session:
        matched = await session.get(Workout, workout_id)
        assert matched is not None and matched.canonical_id is None  # the record that speaks for the ride

    # Deleting that record hands the session to the remaining copy; deleting both leaves it planned.
    async with sessions.begin() as session:
        gone = await delete_workout(
            session, user_id=athlete.user_id, source=matched.source, external_id=matched.external_id
        )
    assert gone
    status, other_id = (await statuses(sessions, athlete.user_id))[day]
    assert status == "partial" and other_id not in (None, workout_id)
    for source, external_id in (("strava", copy_a.external_id), ("intervals", copy_b.external_id)):
        async with sessions.begin() as session:
            await delete_workout(session, user_id=athlete.user_id, source=source, external_id=external_id)
    assert (await statuses(sessions, athlete.user_id))[day] == ("planned", None)


async def test_a_fit_import_matches_its_local_day(sessions: Sessions, athlete: Athlete) -> None:
    summary = summarize_fit(EDGE_810, ftp_w=250)
    local = summary.start_time.astimezone(ZoneInfo("Europe/Berlin")).date()
    await add_plan(sessions, athlete.user_id, [(local, ride(minutes=60))])
    async with sessions.begin() as session:
        assert await fit_store.store(session, user_id=athlete.user_id, summary=summary)
    status, workout_id = (await statuses(sessions, athlete.user_id))[local]
    assert status == "done" and workout_id is not None  # a 119-TSS race against a one-hour endurance ride


async def test_a_missed_session_becomes_done_when_the_ride_arrives_late(sessions: Sessions, athlete: Athlete) -> None:
    day = START.date()
    ids = await add_plan(sessions, athlete.user_id, [(day, ride())])
    async with sessions.begin() as session:
        await plans.set_status(session, user_id=athlete.user_id, session_id=ids[day], status="missed")
    other = strava_activity(9, START + timedelta(days=1), 5400)  # a write touching the day, not on it
    await _page(sessions, athlete, "strava", [other])
    assert (await statuses(sessions, athlete.user_id))[day] == ("missed", None)
    late = strava_activity(8, START, 5400)
    await _set_planned_tss(sessions, athlete.user_id, day, _load(late))
    await _page(sessions, athlete, "strava", [late])
    assert (await statuses(sessions, athlete.user_id))[day][0] == "done"


async def _waiting_on_a_lock(sessions: Sessions) -> bool:
    async with sessions() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
                " AND datname = current_database()"
            )
        )
    return bool(waiting)


async def test_the_daily_close_waits_for_a_sync_writing_the_same_day(sessions: Sessions, athlete: Athlete) -> None:
    day = START.date()
    await add_plan(sessions, athlete.user_id, [(day, ride())])
    late = strava_activity(11, START, 5400)
    await _set_planned_tss(sessions, athlete.user_id, day, _load(late))
    async with sessions.begin() as writing:
        await writer.write_page(
            writing,
            integration_id=athlete.integrations["strava"],
            user_id=athlete.user_id,
            stream="activities",
            batch=Batch(workouts=[late]),
            cursor="1",
        )
        # The ride is written and matched but not committed; the daily close of that day starts now.

        async def close() -> None:
            async with sessions.begin() as session:
                user = await session.get(User, athlete.user_id)
                assert user is not None
                await plan_adapt.close_days(session, user, now=START + timedelta(days=1, hours=1))

        closing = asyncio.create_task(close())
        async with asyncio.timeout(30):
            while not await _waiting_on_a_lock(sessions):  # noqa: ASYNC110 - the wait is PostgreSQL's to see
                await asyncio.sleep(0.02)
        assert not closing.done()
    await closing
    assert (await statuses(sessions, athlete.user_id))[day][0] == "done"  # never overwritten as missed
