"""The stored per-day load equals a recompute from the workouts, whatever sequence of writes came before.

Writes go through the real write paths (a sync page, a provider's delete event, a FIT-style insert of a copy)
and the profile through the ORM, as `/settings` does; the database triggers are what keep the stored days
honest, so no step here touches "DailyLoad" or its marks directly.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import day_loads, history
from coach.daily import PMC_LOOKBACK_DAYS, assess_today, local_day_start, local_today, stored_loads, summary_of_rows
from db.models import DailyLoad, DailyLoadStale, User, Workout
from db.repositories import daily_loads, workouts
from integrations.records import WorkoutRecord
from integrations.sync.history import delete_workout, write_workouts

Sessions = async_sessionmaker[AsyncSession]
SOURCES = ("strava", "intervals", "whoop")
ZONES = ("UTC", "Europe/Berlin", "Pacific/Auckland", "America/Los_Angeles")
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Write:
    source: str
    key: int
    day: int  # days before now
    hour: int
    duration_min: int
    tss: float | None
    average_hr: int | None
    imported: float | None  # the load an import computed from streams (rawJson["load"])
    sport: str


@dataclass(frozen=True)
class Copy:
    """The same session from another provider: linked to the first, counted once."""

    source: str
    key: int


@dataclass(frozen=True)
class Delete:
    source: str
    key: int


@dataclass(frozen=True)
class Profile:
    column: str
    value: Any


@dataclass(frozen=True)
class Read:
    pass


writes = st.builds(
    Write,
    source=st.sampled_from(SOURCES),
    key=st.integers(0, 6),
    day=st.integers(0, 400),
    hour=st.integers(0, 23),
    duration_min=st.integers(1, 240),
    tss=st.none() | st.floats(0, 300),
    average_hr=st.none() | st.integers(90, 185),
    imported=st.none() | st.floats(0, 300),
    sport=st.sampled_from(("Ride", "Run", "Swim")),
)
profiles = st.one_of(
    st.builds(Profile, column=st.just("resting_hr"), value=st.none() | st.integers(40, 60)),
    st.builds(Profile, column=st.just("lthr"), value=st.none() | st.integers(150, 170)),
    st.builds(Profile, column=st.just("max_hr"), value=st.none() | st.integers(180, 200)),
    st.builds(Profile, column=st.just("sex"), value=st.sampled_from((None, "male", "female"))),
    st.builds(Profile, column=st.just("timezone"), value=st.sampled_from(ZONES)),
)
steps = st.lists(
    st.one_of(
        writes,
        writes,
        st.builds(Copy, source=st.sampled_from(SOURCES), key=st.integers(0, 6)),
        st.builds(Delete, source=st.sampled_from(SOURCES), key=st.integers(0, 6)),
        profiles,
        st.just(Read()),
    ),
    min_size=1,
    max_size=14,
)


def _record(step: Write) -> WorkoutRecord:
    start = NOW - timedelta(days=step.day, hours=step.hour, minutes=step.duration_min)
    raw: dict[str, Any] = {"id": step.key}
    if step.imported is not None:
        raw |= {"load": step.imported, "load_method": "hrss"}
    return WorkoutRecord(
        source=step.source,
        external_id=f"k{step.key}",
        start=start,
        local_date=start.date(),
        utc_offset_s=0,
        title="session",
        type=step.sport,
        duration_sec=step.duration_min * 60,
        raw_json=raw,
        tss=step.tss,
        average_hr=step.average_hr,
    )


async def _apply(sessions: Sessions, user_id: str, step: object, written: dict[tuple[str, int], WorkoutRecord]) -> None:
    async with sessions.begin() as session:
        if isinstance(step, Write):
            record = _record(step)
            written[(step.source, step.key)] = record
            await write_workouts(session, user_id=user_id, records=[record])
        elif isinstance(step, Copy) and written:
            original = next(iter(reversed(written.values())))
            copy = dataclasses.replace(original, source=step.source, external_id=f"c{step.key}")
            written[(step.source, -1 - step.key)] = copy
            await write_workouts(session, user_id=user_id, records=[copy])
        elif isinstance(step, Delete):
            await delete_workout(session, user_id=user_id, source=step.source, external_id=f"k{step.key}")
        elif isinstance(step, Profile):
            await session.execute(update(User).where(User.id == user_id).values({step.column: step.value}))
        elif isinstance(step, Read):
            await _check_reads(session, user_id)
            await _check_chart(session, user_id)


async def _check_reads(session: AsyncSession, user_id: str) -> None:
    """The assessment's numbers from the stored days equal those from the look-back's workouts."""
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    today = local_today(user, NOW)
    stored = (await stored_loads(session, [user], todays={user_id: today}))[user_id]
    start = local_day_start(today - timedelta(days=PMC_LOOKBACK_DAYS), day_loads.ZoneInfo(user.timezone))
    rows = (await workouts.loads_between_many(session, user_ids=[user_id], start=start, end=NOW))[user_id]
    recomputed = summary_of_rows(rows, user=user, today=today)
    assert (stored.workouts_counted, stored.loads_estimated) == (
        recomputed.workouts_counted,
        recomputed.loads_estimated,
    )
    assert (stored.form is None) == (recomputed.form is None)
    if stored.form is not None and recomputed.form is not None:
        assert stored.form.days_of_history == recomputed.form.days_of_history
        assert stored.form.ctl == pytest.approx(recomputed.form.ctl, rel=1e-9, abs=1e-9)
        assert stored.form.atl == pytest.approx(recomputed.form.atl, rel=1e-9, abs=1e-9)
        if recomputed.form.ramp_per_week is None:
            assert stored.form.ramp_per_week is None
        else:
            assert stored.form.ramp_per_week == pytest.approx(recomputed.form.ramp_per_week, rel=1e-9, abs=1e-9)


async def _check_chart(session: AsyncSession, user_id: str) -> None:
    """The weekly report's PMC from the stored days equals the one replayed from a year of workouts."""
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    today = local_today(user, NOW)
    shown = await history.stored_pmc_days(session, user, now=NOW, end=today)
    replayed = (await history.load_history(session, user, now=NOW, end=today)).days[-history.FITNESS_DAYS :]
    assert [(d.day, round(d.load, 9)) for d in shown] == [(d.day, round(d.load, 9)) for d in replayed]
    for a, b in zip(shown, replayed, strict=True):
        assert (a.ctl, a.atl) == pytest.approx((b.ctl, b.atl), rel=1e-9, abs=1e-9)


async def _stored_days(session: AsyncSession, user_id: str) -> list[daily_loads.DayRow]:
    return await daily_loads.between(session, user_id=user_id, first=date(1, 1, 1), last=date(9999, 1, 1))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
async def test_stored_days_equal_a_recompute_after_any_sequence_of_writes(
    sessions: Sessions, sequence: list[object]
) -> None:
    async with sessions.begin() as session:
        user = User(email=f"p-{uuid.uuid4().hex}@example.invalid", timezone="Europe/Berlin")
        session.add(user)
        await session.flush()
        user_id = user.id
    written: dict[tuple[str, int], WorkoutRecord] = {}
    for step in sequence:
        await _apply(sessions, user_id, step, written)
    async with sessions.begin() as session:
        await _check_reads(session, user_id)
        await _check_chart(session, user_id)
        user = await session.get(User, user_id)
        assert user is not None
        await day_loads.refresh(session, [user])
        kept = await _stored_days(session, user_id)
        await day_loads.recompute(session, user_id=user_id)
        rebuilt = await _stored_days(session, user_id)
    assert [(d.day, d.sessions, d.estimated, d.sessions_total, d.estimated_total) for d in kept] == [
        (d.day, d.sessions, d.estimated, d.sessions_total, d.estimated_total) for d in rebuilt
    ]
    for a, b in zip(kept, rebuilt, strict=True):
        assert (a.load, a.ctl, a.atl) == pytest.approx((b.load, b.ctl, b.atl), rel=1e-9, abs=1e-9)


async def test_a_write_marks_the_athlete_stale_in_its_own_transaction(sessions: Sessions) -> None:
    """Whatever path writes a workout, its transaction leaves the mark; a rolled-back write leaves none."""
    async with sessions.begin() as session:
        user = User(email=f"m-{uuid.uuid4().hex}@example.invalid")
        session.add(user)
        await session.flush()
        user_id = user.id
    ride = Write("strava", 1, 3, 7, 60, 70.0, None, None, "Ride")
    async with sessions() as session:
        await write_workouts(session, user_id=user_id, records=[_record(ride)])
        assert await session.scalar(select(DailyLoadStale.from_date).where(DailyLoadStale.user_id == user_id))
        await session.rollback()
    async with sessions() as session:
        assert await session.scalar(select(DailyLoadStale).where(DailyLoadStale.user_id == user_id)) is None
    async with sessions.begin() as session:
        # A plain ORM insert (no repository at all) is caught as well.
        session.add(Workout(user_id=user_id, source="manual", external_id="m1", title="t", date=NOW, duration_sec=60))
    async with sessions.begin() as session:
        assert await session.scalar(select(DailyLoadStale.from_date).where(DailyLoadStale.user_id == user_id))
        user = await session.get(User, user_id)
        assert user is not None
        assessment = await assess_today(session, user, now=NOW + timedelta(seconds=1))
        assert assessment.workouts_counted == 1
        assert await session.scalar(select(DailyLoadStale).where(DailyLoadStale.user_id == user_id)) is None
        assert len(list(await session.scalars(select(DailyLoad).where(DailyLoad.user_id == user_id)))) == 1
