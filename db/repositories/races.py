"""The athlete's races ("Race"): stored goals the plan works towards.

Every read and write is bound to the given user: a race id from a button is looked up together with its
owner, so no one can change or see another athlete's race by naming its id.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db import validation
from db.models import Race


async def add(
    session: AsyncSession,
    *,
    user_id: str,
    name: str,
    day: date,
    priority: str = "A",
    sport: str = "ride",
    distance_km: float | None = None,
) -> Race | None:
    """Store a race; ``None`` (and nothing stored) when the athlete already has one of that name on that day.

    One statement (INSERT … ON CONFLICT DO NOTHING), so two identical requests racing each other store one.
    """
    validation.check_race_name(name)
    validation.check_race_priority(priority)
    validation.check_race_sport(sport)
    validation.check_race_distance(distance_km)
    stmt = (
        insert(Race)
        .values(user_id=user_id, name=name, date=day, priority=priority, sport=sport, distance=distance_km)
        .on_conflict_do_nothing(index_elements=[Race.user_id, Race.name, Race.date])
        .returning(Race)
    )
    return (await session.scalars(stmt)).one_or_none()


async def upcoming(session: AsyncSession, *, user_id: str, today: date, limit: int = 50) -> list[Race]:
    """Races from ``today`` on, soonest first."""
    stmt = (
        select(Race)
        .where(Race.user_id == user_id, Race.date >= today)
        .order_by(Race.date, Race.created_at)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def get(session: AsyncSession, *, user_id: str, race_id: str) -> Race | None:
    stmt = select(Race).where(Race.id == race_id, Race.user_id == user_id)
    return (await session.scalars(stmt)).one_or_none()


async def set_priority(session: AsyncSession, *, user_id: str, race_id: str, priority: str) -> Race | None:
    validation.check_race_priority(priority)
    stmt = (
        update(Race)
        .where(Race.id == race_id, Race.user_id == user_id)
        .values(priority=priority)
        .returning(Race)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return (await session.scalars(stmt)).one_or_none()


async def remove(session: AsyncSession, *, user_id: str, race_id: str) -> Race | None:
    """Delete one race; the deleted row (for the reply), or ``None`` if it was not this user's or is gone."""
    stmt = (
        delete(Race)
        .where(Race.id == race_id, Race.user_id == user_id)
        .returning(Race)
        .execution_options(synchronize_session=False)
    )
    return (await session.scalars(stmt)).one_or_none()
