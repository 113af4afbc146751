"""Workouts' stored mean-maximal curves (``rawJson.curves``), read without the rest of the provider payload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Workout


@dataclass(frozen=True, slots=True)
class CurveRow:
    """One workout as the power curve reads it; ``curves`` is ``None`` for workouts stored without one."""

    workout_id: str
    session_id: str  # the canonical workout's id: copies of one session from several sources share it
    date: datetime
    type: str | None
    duration_sec: int
    average_watts: int | None
    max_watts: int | None
    curves: dict[str, Any] | None


async def between(session: AsyncSession, *, user_id: str, start: datetime, end: datetime) -> Sequence[CurveRow]:
    """Every copy of every workout in [start, end), oldest first.

    Copies are included on purpose: the curve is a best-of, so a session seen twice cannot count twice, and the
    copy that carries a curve (a FIT file, a provider's streams) may not be the one that speaks for the session.
    """
    stmt = (
        select(
            Workout.id,
            Workout.canonical_id,
            Workout.date,
            Workout.type,
            Workout.duration_sec,
            Workout.average_watts,
            Workout.max_watts,
            Workout.raw_json["curves"],
        )
        .where(Workout.user_id == user_id, Workout.date >= start, Workout.date < end)
        .order_by(Workout.date)
    )
    rows = (await session.execute(stmt)).all()
    return [
        CurveRow(
            workout_id=row[0],
            session_id=row[1] or row[0],
            date=row[2],
            type=row[3],
            duration_sec=row[4],
            average_watts=row[5],
            max_watts=row[6],
            curves=row[7] if isinstance(row[7], dict) else None,
        )
        for row in rows
    ]


async def stored_for_source(
    session: AsyncSession, *, user_id: str, source: str, since: datetime
) -> dict[str, dict[str, Any]]:
    """``externalId → curves`` of one source's workouts since ``since`` that already have a curve."""
    curves = Workout.raw_json["curves"]
    stmt = select(Workout.external_id, curves).where(
        Workout.user_id == user_id, Workout.source == source, Workout.date >= since, curves.is_not(None)
    )
    return {row[0]: row[1] for row in (await session.execute(stmt)).all() if isinstance(row[1], dict)}
