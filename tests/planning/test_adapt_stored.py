"""The stored plan adapts: a missed key session, an illness check-in, an FTP change and a moved race each change
the plan as the rules say, and nothing else (the whole plan is compared before and after)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import plan_adapt, plans
from coach.daily import assess_today
from coach.planning.build import is_quality
from coach.plans import workout_of
from db.models import PlannedWorkout, User, Workout
from db.repositories import plans as plan_rows
from db.repositories import races

Sessions = async_sessionmaker[AsyncSession]
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
RACE_DAY = MONDAY + timedelta(weeks=10, days=6)
EARLIER = date(2026, 10, 5)  # a Monday


def at(day: date, hour: int = 0, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


Row = tuple[date, str, str, float, str | None, str | None]


async def snapshot(sessions: Sessions, user_id: str) -> dict[str, Row]:
    async with sessions() as session:
        rows = (await session.scalars(select(PlannedWorkout).where(PlannedWorkout.user_id == user_id))).all()
    return {r.id: (r.date, r.status, r.key, r.planned_tss, r.adapted_for, r.replaces_id) for r in rows}


def visible(snap: dict[str, Row]) -> dict[date, Row]:
    return {row[0]: row for row in snap.values() if row[1] != "replaced"}


async def athlete(sessions: Sessions, monday: date = MONDAY) -> User:
    async with sessions.begin() as session:
        user = User(
            email="ann@example.invalid",
            name="Ann",
            timezone="Europe/Berlin",
            ftp=250,
            weekly_hours=10.0,
            day_minutes=[60, 90, 60, 90, 0, 240, 180],
        )
        session.add(user)
        await session.flush()
        await races.add(
            session,
            user_id=user.id,
            name="Gran Fondo",
            day=RACE_DAY + (monday - MONDAY),
            priority="A",
            sport="ride",
            distance_km=120.0,
        )
        await plans.build(session, user, now=at(monday, 6))
    return user


def quality_days(snap: dict[str, Row], sessions_rows: dict[date, PlannedWorkout]) -> list[date]:
    return sorted(day for day, row in sessions_rows.items() if is_quality(workout_of(row)))


async def rows_by_day(sessions: Sessions, user_id: str, start: date, end: date) -> dict[date, PlannedWorkout]:
    async with sessions() as session:
        rows = await plan_rows.sessions_between(session, user_id=user_id, start=start, end=end)
    return {r.date: r for r in rows}


async def test_a_missed_key_session_rebalances_its_week_and_nothing_else(sessions: Sessions) -> None:
    user = await athlete(sessions)
    week_end = MONDAY + timedelta(days=6)
    first_week = await rows_by_day(sessions, user.id, MONDAY, week_end)
    key_day = next(d for d, r in sorted(first_week.items()) if is_quality(workout_of(r)))
    async with sessions.begin() as session:  # the days before it were done
        for row in await plan_rows.sessions_between(session, user_id=user.id, start=MONDAY, end=key_day):
            row.status = "done" if row.date < key_day else row.status
    before = await snapshot(sessions, user.id)

    async with sessions.begin() as session:
        fresh = await session.get(User, user.id)
        assert fresh is not None
        result = await plan_adapt.close_days(session, fresh, now=at(key_day + timedelta(days=1)))
    after = await snapshot(sessions, user.id)

    assert result.marked == (key_day,) and result.replaced  # the key session was missed, and the week changed
    old, new = visible(before), visible(after)
    assert new[key_day][1] == "missed"
    changed = {day for day in set(old) | set(new) if old.get(day) != new.get(day)}
    assert changed - {key_day} == set(result.replaced)
    # Only later days of the same week change, and never the day after the missed session.
    assert all(key_day + timedelta(days=2) <= day <= week_end for day in result.replaced)
    assert all(new[day][4] == "rebalance" for day in result.replaced)
    # Every other row, replaced originals included, is exactly as it was.
    assert {k: v for k, v in after.items() if k in before and v[0] != key_day and v[1] != "replaced"} == {
        k: v for k, v in before.items() if v[0] not in result.replaced and v[0] != key_day
    }
    week = await rows_by_day(sessions, user.id, MONDAY, week_end)
    hard = sorted(d for d, r in week.items() if r.status == "planned" and is_quality(workout_of(r)))
    assert all((b - a).days > 1 for a, b in itertools.pairwise(hard))  # never back to back
    async with sessions() as session:
        plan = await plan_rows.active(session, user_id=user.id)
    assert plan is not None
    summary = next(w for w in plan.weeks if w["start"] == MONDAY.isoformat())
    assert sum(r.planned_tss for d, r in week.items() if r.status == "planned") <= summary["targetTss"] + 0.5


async def test_an_illness_check_in_takes_intensity_out_of_the_next_days(sessions: Sessions) -> None:
    user = await athlete(sessions)
    first_week = await rows_by_day(sessions, user.id, MONDAY, MONDAY + timedelta(days=13))
    ill_day = next(d for d, r in sorted(first_week.items()) if is_quality(workout_of(r)))
    before = await snapshot(sessions, user.id)

    async with sessions.begin() as session:
        fresh = await session.get(User, user.id)
        assert fresh is not None
        result = await plan_adapt.illness(session, fresh, day=ill_day)
    after = await snapshot(sessions, user.id)

    back = ill_day + timedelta(days=plan_adapt.ILLNESS_VETO_DAYS)
    rows = await rows_by_day(sessions, user.id, MONDAY, RACE_DAY)
    assert ill_day in result.replaced
    for day in range((back - ill_day).days):
        row = rows.get(ill_day + timedelta(days=day))
        assert row is None or not is_quality(workout_of(row))
    old, new = visible(before), visible(after)
    changed = {day for day in set(old) | set(new) if old.get(day) != new.get(day)}
    assert changed == set(result.replaced)
    # Outside the veto only the displaced intensity's new day, later in the same week, changed.
    week_end = ill_day + timedelta(days=6 - ill_day.weekday())
    assert all(ill_day <= day <= week_end for day in changed)
    assert all(new[day][4] == "illness" for day in changed)


async def test_a_new_ftp_rescales_every_future_target_and_changes_no_row(sessions: Sessions) -> None:
    user = await athlete(sessions)
    before = await snapshot(sessions, user.id)

    async def targets(ftp: int) -> list[int]:
        async with sessions.begin() as session:
            fresh = await session.get(User, user.id)
            assert fresh is not None
            fresh.ftp = ftp
            assessment = await assess_today(session, fresh, now=at(MONDAY, 6))
            rows = await plan_rows.sessions_between(session, user_id=user.id, start=MONDAY, end=RACE_DAY)
            plan = await plan_rows.active(session, user_id=user.id)
            texts = [plans.targets_for(fresh, plan).view(r.date, workout_of(r)).summary for r in rows]
        assert assessment.today == MONDAY
        return [int(w) for text in texts for w in re.findall(r"(\d+)(?:–\d+)? W", text)]

    at_250, at_300 = await targets(250), await targets(300)
    assert at_250 and len(at_250) == len(at_300)
    assert all(abs(b - a * 1.2) <= 1.5 for a, b in zip(at_250, at_300, strict=True))
    assert await snapshot(sessions, user.id) == before


async def test_a_moved_race_rebuilds_from_today_keeping_what_was_done(sessions: Sessions) -> None:
    user = await athlete(sessions)
    wednesday = MONDAY + timedelta(days=2)
    async with sessions.begin() as session:
        rows = await plan_rows.sessions_between(session, user_id=user.id, start=MONDAY, end=wednesday)
        by_day = {r.date: r for r in rows}
        by_day[MONDAY].status = "done"
        if MONDAY + timedelta(days=1) in by_day:
            by_day[MONDAY + timedelta(days=1)].status = "missed"
    before = await snapshot(sessions, user.id)
    moved = RACE_DAY + timedelta(weeks=2)
    async with sessions.begin() as session:
        fresh = await session.get(User, user.id)
        assert fresh is not None
        (race,) = await races.upcoming(session, user_id=user.id, today=MONDAY)
        race.date = moved
        assert await plans.rebuild_if_active(session, fresh, now=at(wednesday, 6))
    after = await snapshot(sessions, user.id)

    past = {k: v for k, v in before.items() if v[0] < wednesday}
    assert {k: v for k, v in after.items() if v[0] < wednesday} == past  # every past row as it was
    async with sessions() as session:
        plan = await plan_rows.active(session, user_id=user.id)
        future = await plan_rows.sessions_between(session, user_id=user.id, start=wednesday, end=moved)
    assert plan is not None and plan.end_date == moved and plan.start_date == wednesday
    assert future[-1].date == moved and future[-1].kind == "race"
    assert all(r.date != RACE_DAY or r.kind != "race" for r in future)


async def test_a_hard_veto_at_the_daily_close_takes_todays_intensity_away(sessions: Sessions) -> None:
    user = await athlete(sessions, EARLIER)  # the rides must be in the past, whatever day the tests run
    first_week = await rows_by_day(sessions, user.id, EARLIER, EARLIER + timedelta(days=6))
    key_day = next(d for d, r in sorted(first_week.items()) if is_quality(workout_of(r)) and d > EARLIER)
    async with sessions.begin() as session:
        for row in await plan_rows.sessions_between(session, user_id=user.id, start=EARLIER, end=key_day):
            row.status = "done" if row.date < key_day else row.status
        # Three very big days before it: form far below −30, the overload veto.
        for back in (1, 2, 3):
            start = at(key_day - timedelta(days=back), 9)
            session.add(
                Workout(
                    user_id=user.id, source="test", external_id=f"big-{back}", date=start, title="Big ride",
                    type="Ride", duration_sec=6 * 3600, tss=350.0,
                )
            )  # fmt: skip
    before = await snapshot(sessions, user.id)

    async with sessions.begin() as session:
        fresh = await session.get(User, user.id)
        assert fresh is not None
        assessment = await assess_today(session, fresh, now=at(key_day, 0, 20))
        assert assessment.suggestion is not None
        assert "tsb_overload" in {f.key for f in assessment.suggestion.factors}
        result = await plan_adapt.close_days(session, fresh, now=at(key_day, 0, 20))
    after = await snapshot(sessions, user.id)

    assert key_day in result.replaced and not result.marked
    old, new = visible(before), visible(after)
    assert new[key_day][4] == "veto" and not is_quality(
        workout_of((await rows_by_day(sessions, user.id, key_day, key_day))[key_day])
    )
    changed = {day for day in set(old) | set(new) if old.get(day) != new.get(day)}
    assert changed == set(result.replaced)  # today, and the intensity's new day later in the week if any
    assert all(key_day <= day <= EARLIER + timedelta(days=6) for day in changed)
