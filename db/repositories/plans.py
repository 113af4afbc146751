"""Training plans ("TrainingPlan") and their sessions ("PlannedWorkout").

A user has at most one active plan. Rebuilding supersedes it: its sessions from the rebuild day on that were
not acted upon (planned, or replaced by an adaptation) are deleted, everything before that day — and any
session of that day already done, partly done or skipped — stays as it was, attached to the old plan. So a
user's sessions on a day are the rows of that day whatever plan they belong to, and past days never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from db.models import PlannedWorkout, TrainingPlan, User

# Sessions a rebuild may drop: nothing happened to them yet.
UNTOUCHED = ("planned", "replaced")
# Rows that are not the session of their day any more (the replacement is).
HIDDEN = ("replaced",)


async def active(session: AsyncSession, *, user_id: str, lock: bool = False) -> TrainingPlan | None:
    stmt = select(TrainingPlan).where(TrainingPlan.user_id == user_id, TrainingPlan.status == "active")
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def active_many(session: AsyncSession, *, user_ids: Sequence[str]) -> dict[str, TrainingPlan]:
    if not user_ids:
        return {}
    stmt = select(TrainingPlan).where(TrainingPlan.user_id.in_(user_ids), TrainingPlan.status == "active")
    return {plan.user_id: plan for plan in (await session.scalars(stmt)).all()}


async def supersede(session: AsyncSession, *, user_id: str, from_day: date) -> str | None:
    """Retire the active plan from ``from_day`` on; its id, or ``None`` without one."""
    plan = await active(session, user_id=user_id, lock=True)
    if plan is None:
        return None
    await session.execute(
        delete(PlannedWorkout).where(
            PlannedWorkout.plan_id == plan.id,
            PlannedWorkout.date >= from_day,
            PlannedWorkout.status.in_(UNTOUCHED),
        )
    )
    plan.status = "superseded"
    await session.flush()
    return plan.id


async def add(
    session: AsyncSession,
    *,
    user_id: str,
    name: str,
    start: date,
    end: date,
    weeks: list[dict[str, Any]],
    projection: list[dict[str, Any]],
    race_id: str | None,
    estimated_pace_s_per_km: int | None = None,
    sessions: Sequence[dict[str, Any]],
) -> TrainingPlan:
    """Store an active plan and its sessions (``sessions``: `PlannedWorkout` column values, by attribute)."""
    plan = TrainingPlan(
        user_id=user_id,
        name=name,
        start_date=start,
        end_date=end,
        weeks=weeks,
        projection=projection,
        race_id=race_id,
        estimated_pace_s_per_km=estimated_pace_s_per_km,
        status="active",
    )
    session.add(plan)
    await session.flush()
    session.add_all(PlannedWorkout(plan_id=plan.id, user_id=user_id, **values) for values in sessions)
    await session.flush()
    return plan


async def _days(
    session: AsyncSession, *, user_id: str, start: date, end: date, status: ColumnElement[bool]
) -> list[PlannedWorkout]:
    """The user's sessions from ``start`` to ``end`` inclusive whose status passes ``status``, in day order."""
    stmt = (
        select(PlannedWorkout)
        .where(PlannedWorkout.user_id == user_id, PlannedWorkout.date >= start, PlannedWorkout.date <= end, status)
        .order_by(PlannedWorkout.date, PlannedWorkout.created_at, PlannedWorkout.id)
    )
    return list((await session.scalars(stmt)).all())


async def sessions_between(session: AsyncSession, *, user_id: str, start: date, end: date) -> list[PlannedWorkout]:
    """The user's sessions from ``start`` to ``end`` inclusive, in day order; replaced originals left out."""
    return await _days(session, user_id=user_id, start=start, end=end, status=PlannedWorkout.status.not_in(HIDDEN))


async def sessions_on_many(
    session: AsyncSession, *, keys: Sequence[tuple[str, date]]
) -> dict[tuple[str, date], list[PlannedWorkout]]:
    """Each (user, day)'s sessions in one query (the morning fan-out asks for thousands)."""
    if not keys:
        return {}
    stmt = (
        select(PlannedWorkout)
        .where(
            PlannedWorkout.user_id.in_({u for u, _ in keys}),
            PlannedWorkout.date.in_({d for _, d in keys}),
            PlannedWorkout.status.not_in(HIDDEN),
        )
        .order_by(PlannedWorkout.date, PlannedWorkout.created_at, PlannedWorkout.id)
    )
    wanted = set(keys)
    out: dict[tuple[str, date], list[PlannedWorkout]] = {key: [] for key in keys}
    for row in (await session.scalars(stmt)).all():
        if (row.user_id, row.date) in wanted:
            out[(row.user_id, row.date)].append(row)
    return out


async def get_session(session: AsyncSession, *, user_id: str, session_id: str) -> PlannedWorkout | None:
    stmt = select(PlannedWorkout).where(PlannedWorkout.id == session_id, PlannedWorkout.user_id == user_id)
    return (await session.scalars(stmt)).one_or_none()


async def replace_session(
    session: AsyncSession, *, original: PlannedWorkout, values: dict[str, Any], adapted_for: str
) -> PlannedWorkout:
    """Swap ``original`` for a new session on the same day; the original stays, marked ``replaced``."""
    original.status = "replaced"
    replacement = PlannedWorkout(
        plan_id=original.plan_id,
        user_id=original.user_id,
        replaces_id=original.id,
        adapted_for=adapted_for,
        **(values | {"date": original.date}),
    )
    session.add(replacement)
    await session.flush()
    return replacement


async def set_status(session: AsyncSession, *, user_id: str, session_id: str, status: str) -> None:
    await session.execute(
        update(PlannedWorkout)
        .where(PlannedWorkout.id == session_id, PlannedWorkout.user_id == user_id)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )


# Sessions an arriving workout can still be matched to (a skipped or replaced session keeps its status).
MATCHABLE = ("planned", "done", "partial", "missed")


async def matchable_sessions(session: AsyncSession, *, user_id: str, start: date, end: date) -> list[PlannedWorkout]:
    """The user's sessions from ``start`` to ``end`` inclusive that a workout can be matched to."""
    return await _days(session, user_id=user_id, start=start, end=end, status=PlannedWorkout.status.in_(MATCHABLE))


async def set_matches(session: AsyncSession, *, user_id: str, changes: Sequence[tuple[str, str, str | None]]) -> None:
    """Set (session id, status, matched workout id) of the user's sessions."""
    for session_id, status, workout_id in changes:
        await session.execute(
            update(PlannedWorkout)
            .where(PlannedWorkout.id == session_id, PlannedWorkout.user_id == user_id)
            .values(status=status, workout_id=workout_id)
            .execution_options(synchronize_session="fetch")
        )


async def users_with_active_plan(session: AsyncSession) -> list[User]:
    """Every user with an active plan who can be written to (the daily and weekly plan jobs)."""
    stmt = (
        select(User)
        .join(TrainingPlan, TrainingPlan.user_id == User.id)
        .where(TrainingPlan.status == "active", User.active.is_(True), User.telegram_chat_id.is_not(None))
        .order_by(User.id)
    )
    return list((await session.scalars(stmt)).all())
