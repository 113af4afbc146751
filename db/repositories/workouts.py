"""Workouts: range reads and idempotent bulk upserts on the seed's (userId, source, externalId) key."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import validation
from db.models import Workout
from db.repositories._bulk import bulk_upsert
from db.repositories._upsert import insert_new as _insert_new

KEY = ("user_id", "source", "external_id")
# Rows converted between two turns of the event loop: a few milliseconds of work.
PARTITION_ROWS = 500


@dataclass(frozen=True, slots=True)
class LoadRow:
    """A workout as its training load is computed (`coach.loads.LoggedSession`), without the ORM.

    The morning assessment reads a year of sessions for every athlete due in the same minute; building ORM
    objects and decoding each provider's whole ``rawJson`` for that was most of the time it took. Of the
    JSON only the imported load and its method travel (the keys `coach.loads` reads).
    """

    date: datetime
    type: str | None
    duration_sec: int
    tss: float | None
    average_hr: int | None
    raw_json: dict[str, Any] | None


def _counted(user_id: str, canonical_only: bool) -> list[ColumnElement[bool]]:
    """Rows of one user; with ``canonical_only``, a session sent by several providers counts once."""
    conditions: list[ColumnElement[bool]] = [Workout.user_id == user_id]
    if canonical_only:
        conditions.append(Workout.canonical_id.is_(None))
    return conditions


async def between(
    session: AsyncSession, *, user_id: str, start: datetime, end: datetime, canonical_only: bool = True
) -> Sequence[Workout]:
    """Workouts that started in [start, end), oldest first; by default one per session (see `canonical_only`)."""
    stmt = (
        select(Workout)
        .where(*_counted(user_id, canonical_only), Workout.date >= start, Workout.date < end)
        .order_by(Workout.date)
    )
    return (await session.scalars(stmt)).all()


async def first_date(session: AsyncSession, *, user_id: str) -> datetime | None:
    return await session.scalar(select(func.min(Workout.date)).where(Workout.user_id == user_id))


async def has_source(session: AsyncSession, *, user_id: str, source: str) -> bool:
    """Does the user hold any workout from ``source`` (e.g. the demo athlete's)?"""
    stmt = select(Workout.id).where(Workout.user_id == user_id, Workout.source == source).limit(1)
    return await session.scalar(stmt) is not None


async def count(session: AsyncSession, *, user_id: str, canonical_only: bool = True) -> int:
    stmt = select(func.count()).select_from(Workout).where(*_counted(user_id, canonical_only))
    return await session.scalar(stmt) or 0


def check_row(row: dict[str, Any]) -> None:
    """Raise `InvalidValue` when a workout row breaks the seed's rules (the checks the bulk writers run), so a
    caller can set such a row aside instead of losing the rows written with it."""
    validation.check_instant_not_future("date", row["date"])


async def upsert_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or update workouts (attribute-keyed dicts) by natural key; returns rows written.

    Every row is validated before anything is written, so one bad row stores nothing.
    """
    for row in rows:
        check_row(row)
    return await bulk_upsert(session, Workout, rows, key=KEY)


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert workouts whose natural key is not stored yet, leaving existing ones untouched; returns rows added.

    For sources whose records never change once made (a FIT file is its own version), so a second import
    is a no-op rather than an overwrite.
    """
    for row in rows:
        check_row(row)
    return await _insert_new(session, Workout, rows, key=KEY)


async def get_by_key(session: AsyncSession, *, user_id: str, source: str, external_id: str) -> Workout | None:
    stmt = select(Workout).where(
        Workout.user_id == user_id, Workout.source == source, Workout.external_id == external_id
    )
    return (await session.scalars(stmt)).one_or_none()


LINK_COLUMNS = (
    Workout.id,
    Workout.source,
    Workout.external_id,
    Workout.date,
    Workout.duration_sec,
    Workout.type,
    Workout.normalized_power,
    Workout.average_watts,
    Workout.max_watts,
    Workout.tss,
    Workout.intensity_factor,
    Workout.kilojoules,
    Workout.average_hr,
    Workout.max_hr,
    Workout.distance_meters,
    Workout.elevation_gain,
    Workout.canonical_id,
)


async def link_window(session: AsyncSession, *, user_id: str, start: datetime, end: datetime) -> Sequence[RowMapping]:
    """The columns that decide whether two records are one session, for workouts started in [start, end]."""
    stmt = (
        select(*LINK_COLUMNS)
        .where(Workout.user_id == user_id, Workout.date >= start, Workout.date <= end)
        .order_by(Workout.date, Workout.source, Workout.external_id)
    )
    return (await session.execute(stmt)).mappings().all()


async def set_links(session: AsyncSession, links: Sequence[tuple[str, str | None]]) -> None:
    """Point each workout id at its canonical record (``None``: it is the canonical one)."""
    if links:
        await session.execute(
            update(Workout), [{"id": workout_id, "canonical_id": target} for workout_id, target in sorted(links)]
        )


async def delete_by_key(session: AsyncSession, *, user_id: str, source: str, external_id: str) -> datetime | None:
    """Delete one workout by its natural key; returns its start, or ``None`` when there was none."""
    stmt = (
        delete(Workout)
        .where(Workout.user_id == user_id, Workout.source == source, Workout.external_id == external_id)
        .returning(Workout.date)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def loads_between_many(
    session: AsyncSession, *, user_ids: Sequence[str], start: datetime, end: datetime
) -> dict[str, list[LoadRow]]:
    """Workouts that started in [start, end) as `LoadRow`, one per session, oldest first per user."""
    out: dict[str, list[LoadRow]] = {u: [] for u in user_ids}
    if not user_ids:
        return out
    stmt = (
        select(
            Workout.user_id,
            Workout.date,
            Workout.type,
            Workout.duration_sec,
            Workout.tss,
            Workout.average_hr,
            Workout.raw_json["load"],
            Workout.raw_json["load_method"].astext,
        )
        .where(
            Workout.user_id.in_(user_ids),
            Workout.canonical_id.is_(None),
            Workout.date >= start,
            Workout.date < end,
        )
        .order_by(Workout.user_id, Workout.date)
    )
    # Turned into rows a partition at a time, with the event loop's turn between: a year of daily sessions for
    # ten athletes is thousands of rows, and converting them in one go would make the paced brief sends late.
    # (The result is already fetched: a server-side cursor would cost three round trips for the usual case.)
    result = await session.execute(stmt)
    for partition in result.partitions(PARTITION_ROWS):
        for user_id, started, sport, duration, tss, average_hr, load, method in partition:
            imported = None if load is None else {"load": load, "load_method": method}
            out[user_id].append(LoadRow(started, sport, duration, tss, average_hr, imported))
        await asyncio.sleep(0)
    return out
