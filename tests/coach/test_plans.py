"""The plan service on a real PostgreSQL: one active plan, rebuilds that keep the past, sessions that round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import plans
from coach.daily import assess_today
from coach.readiness import Action
from db.models import PlannedWorkout, TrainingPlan, User
from db.repositories import races, users, workouts

NOW = datetime(2026, 11, 25, 6, 45, tzinfo=UTC)
TODAY = NOW.date()


async def _athlete(session: AsyncSession) -> User:
    user = (await users.link_telegram_user(session, telegram_user_id=4711, chat_id=4711, name="x")).user
    user.ftp = 250
    user.day_minutes = [0, 90, 90, 90, 60, 240, 150]
    rows = [
        {
            "user_id": user.id,
            "source": "test",
            "external_id": f"ride-{back}",
            "date": datetime.combine(TODAY - timedelta(days=back), time(7), tzinfo=UTC),
            "title": "Steady",
            "type": "Ride",
            "duration_sec": 3600,
            "tss": 60.0,
        }
        for back in range(1, 43)
    ]
    await workouts.upsert_many(session, rows)
    await races.add(session, user_id=user.id, name="Fondo", day=TODAY + timedelta(weeks=10))
    return user


async def _rows(session: AsyncSession, user_id: str) -> list[PlannedWorkout]:
    stmt = select(PlannedWorkout).where(PlannedWorkout.user_id == user_id).order_by(PlannedWorkout.date)
    return list((await session.scalars(stmt)).all())


async def test_a_rebuild_supersedes_the_plan_and_keeps_every_past_and_done_session(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        user = await _athlete(session)
        first = await plans.build(session, user, now=NOW)
    async with sessions() as session:
        built = await _rows(session, user.id)
    # The stored sessions are the planner's, and render back to the same workouts.
    assert built and all(r.plan_id == first.id and r.status == "planned" for r in built)
    assert all(plans.workout_of(r).duration_s == r.planned_duration_sec for r in built)

    # Three days on: the first two days' sessions were done; a new race rebuilds the plan.
    later = NOW + timedelta(days=3)
    done_days = {TODAY, TODAY + timedelta(days=1)}
    async with sessions.begin() as session:
        for row in await _rows(session, user.id):
            if row.date in done_days:
                row.status = "done"
        user = await session.get(User, user.id)
        assert user is not None
        await races.add(
            session, user_id=user.id, name="Hill climb", day=later.date() + timedelta(weeks=3), priority="B"
        )
        second = await plans.build(session, user, now=later)
    async with sessions() as session:
        after = await _rows(session, user.id)
        statuses = dict((await session.execute(select(TrainingPlan.id, TrainingPlan.status))).all())
    assert statuses == {first.id: "superseded", second.id: "active"}
    before_rebuild = {(r.id, r.date, r.status, r.planned_tss) for r in built if r.date < later.date()}
    kept = {(r.id, r.date, r.status, r.planned_tss) for r in after if r.date < later.date()}
    # Past days are exactly as they were (done ones marked done), still on the old plan.
    assert {(i, d, t) for i, d, _s, t in kept} == {(i, d, t) for i, d, _s, t in before_rebuild}
    assert all(r.plan_id == first.id for r in after if r.date < later.date())
    # From the rebuild day on, only the new plan's sessions.
    assert all(r.plan_id == second.id for r in after if r.date >= later.date())
    assert min(r.date for r in after if r.plan_id == second.id) >= later.date()


async def test_today_adapts_the_stored_session_to_readiness(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        user = await _athlete(session)
        await plans.build(session, user, now=NOW)
    async with sessions() as session:
        assessment = await assess_today(session, user, now=NOW)
        today = await plans.today(session, user, assessment=assessment)
        rows = [r for r in await _rows(session, user.id) if r.date == TODAY]
    assert assessment.suggestion is not None and today is not None and today.planned is not None
    assert rows and today.planned.title == rows[0].title
    assert today.proposed is not None and today.proposed.action is assessment.suggestion.action
    # Readiness on steady training says proceed; the easier option is shorter and leaves tomorrow fresher.
    assert today.proposed.action is Action.PROCEED and today.proposed.session == today.planned
    (modify,) = today.alternatives
    assert modify.action is Action.MODIFY and modify.session is not None
    assert modify.session.tss < today.planned.tss
    assert today.proposed.tomorrow_tsb is not None and modify.tomorrow_tsb is not None
    assert modify.tomorrow_tsb > today.proposed.tomorrow_tsb


async def test_today_and_view_is_today_and_the_plan_shown_read_together(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        user = await _athlete(session)
    async with sessions() as session:
        assessment = await assess_today(session, user, now=NOW)
        assert await plans.today_and_view(session, user, assessment=assessment, now=NOW) == (
            await plans.today(session, user, assessment=assessment),
            None,  # no plan yet: none is built for a question
        )
    async with sessions.begin() as session:
        await plans.build(session, user, now=NOW)
    async with sessions() as session:
        together = await plans.today_and_view(session, user, assessment=assessment, now=NOW)
        apart = (
            await plans.today(session, user, assessment=assessment),
            await plans.show(session, user, now=NOW, build_if_missing=False),
        )
    assert together == apart
    assert together[0] is not None and together[0].planned is not None and together[1] is not None
    # A plan that has run out is not shown (and today's session comes from no plan).
    after = NOW + timedelta(weeks=30)
    async with sessions() as session:
        later = await assess_today(session, user, now=after)
        assert (await plans.today_and_view(session, user, assessment=later, now=after))[1] is None
        assert await plans.show(session, user, now=after, build_if_missing=False) is None
