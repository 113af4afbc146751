"""One history from many sources: the same rides from Strava and Intervals.icu become one workout each."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import loads
from coach.daily import assess_today, form_status
from db.models import User, Workout
from db.repositories import workouts
from integrations.fit import store as fit_store
from integrations.fit.summary import summarize_fit
from integrations.records import Batch, WorkoutRecord
from integrations.sync import sessions as rule
from integrations.sync import writer
from integrations.sync.history import delete_workout
from tests.integrations.conftest import Athlete, make_athlete
from tests.integrations.history_data import FIRST_DAY, history, strava_activity

Sessions = async_sessionmaker[AsyncSession]
UTC = ZoneInfo("UTC")
EDGE_810 = (
    Path(__file__).resolve().parents[1] / "fixtures" / "fit" / "Edge810-Vector-2013-08-16-15-35-10.fit"
).read_bytes()


def _candidates(records: list[WorkoutRecord]) -> list[rule.Candidate]:
    return [
        rule.candidate({"id": f"{r.source}:{r.external_id}", **r.row("u")})  # type: ignore[arg-type]
        for r in records
    ]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), shuffle=st.randoms(use_true_random=False))
def test_rule_gives_one_workout_per_ride_and_never_merges_distinct_sessions(seed: int, shuffle: random.Random) -> None:
    h = history(seed)
    records = h.all
    expected = rule.links(_candidates(records))
    shuffle.shuffle(records)
    assert rule.links(_candidates(records)) == expected  # arrival order does not matter
    canonical = {k for k, v in expected.items() if v is None}
    assert len(canonical) == 200 + len(h.distinct)
    for d in h.distinct:
        assert expected[f"{d.source}:{d.external_id}"] is None  # 0 false merges
    for s, i in zip(h.strava, h.intervals, strict=True):
        # Intervals.icu carries TSS and IF as well as power: it speaks for the ride, Strava's copy links to it.
        assert expected[f"{s.source}:{s.external_id}"] == f"{i.source}:{i.external_id}"


def test_same_source_is_never_merged_and_sport_must_agree() -> None:
    ride = history(1, rides=1, distinct_pairs=0).strava[0]
    twin = dataclasses.replace(ride, external_id="other")
    assert rule.links(_candidates([ride, twin])) == {f"strava:{ride.external_id}": None, "strava:other": None}
    as_run = dataclasses.replace(ride, source="intervals", external_id="i1", type="Run")
    assert rule.links(_candidates([ride, as_run])) == {f"strava:{ride.external_id}": None, "intervals:i1": None}
    as_ride = dataclasses.replace(ride, source="intervals", external_id="i1", type="VirtualRide")
    assert rule.links(_candidates([ride, as_ride]))[f"strava:{ride.external_id}"] is not None


async def _write(sessions: Sessions, athlete: Athlete, provider: str, records: list[WorkoutRecord]) -> None:
    for i in range(0, len(records), 50):
        await writer.commit_page(
            sessions,
            integration_id=athlete.integrations[provider],
            user_id=athlete.user_id,
            stream="activities",
            batch=Batch(workouts=records[i : i + 50]),
            cursor=str(i),
        )


async def _canonical(sessions: Sessions, user_id: str) -> dict[tuple[str, str], tuple[str, str] | None]:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Workout.id, Workout.source, Workout.external_id, Workout.canonical_id).where(
                    Workout.user_id == user_id
                )
            )
        ).all()
    by_id = {r.id: (r.source, r.external_id) for r in rows}
    return {(r.source, r.external_id): by_id[r.canonical_id] if r.canonical_id else None for r in rows}


async def test_two_hundred_rides_via_two_providers_in_any_order_are_two_hundred_workouts(sessions: Sessions) -> None:
    h = history(seed=7)
    results = []
    for n, arrival in enumerate(
        [
            [("strava", h.strava + h.distinct[0::2]), ("intervals", h.intervals + h.distinct[1::2])],
            [("intervals", h.intervals[::-1] + h.distinct[1::2]), ("strava", h.strava[::-1] + h.distinct[0::2])],
        ]
    ):
        athlete = await make_athlete(sessions, f"arrival{n}")
        for provider, records in arrival:
            shuffled = list(records)
            random.Random(n).shuffle(shuffled)
            await _write(sessions, athlete, provider, shuffled)
        links = await _canonical(sessions, athlete.user_id)
        assert len(links) == 420
        assert sum(v is None for v in links.values()) == 220
        assert all(links[(d.source, d.external_id)] is None for d in h.distinct)
        results.append(links)
        async with sessions() as session:
            assert await workouts.count(session, user_id=athlete.user_id) == 220
            assert await workouts.count(session, user_id=athlete.user_id, canonical_only=False) == 420
    assert results[0] == results[1]


async def test_the_coach_counts_a_ride_once(sessions: Sessions, athlete: Athlete) -> None:
    h = history(seed=3, rides=20, distinct_pairs=0, strava_ftp_w=265)  # both copies carry a TSS
    await _write(sessions, athlete, "strava", h.strava)
    await _write(sessions, athlete, "intervals", h.intervals)
    window = {"start": FIRST_DAY - timedelta(days=1), "end": FIRST_DAY + timedelta(days=30)}
    async with sessions() as session:
        rows = await workouts.between(session, user_id=athlete.user_id, **window)
        every = await workouts.between(session, user_id=athlete.user_id, canonical_only=False, **window)
        user = await session.get(User, athlete.user_id)
        assert user is not None
        assessment = await assess_today(session, user, now=FIRST_DAY + timedelta(days=30))
    assert (len(rows), len(every)) == (20, 40)
    assert assessment.workouts_counted == 20
    today = (FIRST_DAY + timedelta(days=30)).date()
    once = form_status(loads.count(list(rows), user), today=today, tz=UTC)
    twice = form_status(loads.count(list(every), user), today=today, tz=UTC)
    assert once is not None and twice is not None
    assert assessment.form is not None and assessment.form.ctl == pytest.approx(once.ctl)
    assert twice.ctl > once.ctl  # what counting both copies would have claimed


async def test_a_later_richer_copy_takes_over_and_relinking_is_idempotent(sessions: Sessions, athlete: Athlete) -> None:
    h = history(seed=5, rides=3, distinct_pairs=0)
    await _write(sessions, athlete, "strava", h.strava)
    first = await _canonical(sessions, athlete.user_id)
    assert all(v is None for v in first.values())
    await _write(sessions, athlete, "intervals", h.intervals)
    await _write(sessions, athlete, "strava", h.strava)  # re-sync of the same page changes nothing
    links = await _canonical(sessions, athlete.user_id)
    for s, i in zip(h.strava, h.intervals, strict=True):
        assert links[(s.source, s.external_id)] == (i.source, i.external_id)
        assert links[(i.source, i.external_id)] is None


async def test_three_concurrent_writers_of_the_same_500_activities_leave_500_rows(
    sessions: Sessions, athlete: Athlete
) -> None:
    h = history(seed=11, rides=500, distinct_pairs=0)

    async def writer_task(seed: int) -> None:
        records = list(h.strava)
        random.Random(seed).shuffle(records)
        await _write(sessions, athlete, "strava", records)

    await asyncio.gather(*(writer_task(seed) for seed in range(3)))
    async with sessions() as session:
        total = await session.scalar(
            select(func.count()).select_from(Workout).where(Workout.user_id == athlete.user_id)
        )
        canonical = await workouts.count(session, user_id=athlete.user_id)
    assert (total, canonical) == (500, 500)


async def test_deleting_the_record_that_speaks_for_a_session_hands_over_to_a_copy(
    sessions: Sessions, athlete: Athlete
) -> None:
    h = history(seed=9, rides=2, distinct_pairs=0)
    await _write(sessions, athlete, "strava", h.strava)
    await _write(sessions, athlete, "intervals", h.intervals)
    gone = h.intervals[0]
    async with sessions.begin() as session:
        assert await delete_workout(session, user_id=athlete.user_id, source="intervals", external_id=gone.external_id)
        assert not await delete_workout(session, user_id=athlete.user_id, source="intervals", external_id="i0")
    links = await _canonical(sessions, athlete.user_id)
    assert links[("strava", h.strava[0].external_id)] is None
    assert links[("strava", h.strava[1].external_id)] == ("intervals", h.intervals[1].external_id)
    async with sessions() as session:
        assert await workouts.count(session, user_id=athlete.user_id) == 2


async def test_a_fit_upload_of_a_ride_strava_also_sent_counts_once(sessions: Sessions, athlete: Athlete) -> None:
    summary = summarize_fit(EDGE_810, ftp_w=250)
    copy = strava_activity(1, summary.start_time + timedelta(seconds=40), summary.duration_sec)
    await _write(sessions, athlete, "strava", [copy])
    async with sessions.begin() as session:
        assert await fit_store.store(session, user_id=athlete.user_id, summary=summary)
    links = await _canonical(sessions, athlete.user_id)
    assert links == {("fit", summary.external_id): None, ("strava", copy.external_id): ("fit", summary.external_id)}
