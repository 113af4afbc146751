"""Planned sessions stored as the plan service stores them, for tests of what happens to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach.workouts import library
from coach.workouts.model import Sport, StructuredWorkout, WorkoutKind
from coach.workouts.serialize import blocks_to_json
from db.models import PlannedWorkout
from db.repositories import plans


def values(workout: StructuredWorkout) -> dict[str, Any]:
    return {
        "sport": workout.sport.value,
        "title": workout.title,
        "key": workout.key,
        "kind": workout.kind.value,
        "description": workout.description,
        "steps": blocks_to_json(workout.blocks),
        "planned_duration_sec": workout.duration_s,
        "planned_tss": round(workout.planned_tss, 1),
    }


def ride(kind: WorkoutKind = WorkoutKind.ENDURANCE, minutes: int = 90, sport: Sport = Sport.RIDE) -> StructuredWorkout:
    workout = library.build(kind, sport, minutes * 60)
    assert workout is not None
    return workout


async def add_plan(
    sessions: async_sessionmaker[AsyncSession], user_id: str, days: Sequence[tuple[date, StructuredWorkout]]
) -> dict[date, str]:
    """An active plan with one session on each day given; returns each day's session id."""
    async with sessions.begin() as session:
        plan = await plans.add(
            session,
            user_id=user_id,
            name="test plan",
            start=min(d for d, _ in days),
            end=max(d for d, _ in days),
            weeks=[],
            projection=[],
            race_id=None,
            sessions=[{"date": day, **values(workout)} for day, workout in days],
        )
        rows = await plans.sessions_between(session, user_id=user_id, start=plan.start_date, end=plan.end_date)
    return {row.date: row.id for row in rows}


async def statuses(sessions: async_sessionmaker[AsyncSession], user_id: str) -> dict[date, tuple[str, str | None]]:
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(PlannedWorkout).where(PlannedWorkout.user_id == user_id, PlannedWorkout.status != "replaced")
            )
        ).all()
    return {row.date: (row.status, row.workout_id) for row in rows}
