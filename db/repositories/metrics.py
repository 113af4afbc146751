"""Daily recovery metrics: one row per (user, date), as the seed requires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import validation
from db.models import DailyMetric
from db.repositories._bulk import bulk_upsert

KEY = ("user_id", "date")


async def between(session: AsyncSession, *, user_id: str, start: date, end: date) -> Sequence[DailyMetric]:
    """Rows dated start..end inclusive, oldest first."""
    stmt = (
        select(DailyMetric)
        .where(DailyMetric.user_id == user_id, DailyMetric.date >= start, DailyMetric.date <= end)
        .order_by(DailyMetric.date)
    )
    return (await session.scalars(stmt)).all()


async def count(session: AsyncSession, *, user_id: str) -> int:
    stmt = select(func.count()).select_from(DailyMetric).where(DailyMetric.user_id == user_id)
    return await session.scalar(stmt) or 0


def _validate(row: dict[str, Any]) -> None:
    validation.check_date_not_future("date", row["date"])
    validation.check_hrv(row.get("hrv"))
    validation.check_recovery(row.get("recovery_score"))


async def upsert_many(
    session: AsyncSession, rows: Sequence[dict[str, Any]], *, only_overwrite_source: str | None = None
) -> int:
    """Insert or update daily rows by (user, date); returns rows written.

    With ``only_overwrite_source``, an existing row is replaced only if it came from that source, so
    loading demo data never overwrites a day a real device recorded.
    """
    for row in rows:
        _validate(row)
    where = DailyMetric.source == only_overwrite_source if only_overwrite_source else None
    return await bulk_upsert(session, DailyMetric, rows, key=KEY, where=where)


@dataclass(frozen=True, slots=True)
class RecoveryRow:
    """A morning's recovery signals as the daily assessment reads them, without the ORM (the row has some
    twenty columns; the morning fan-out reads sixty days of them for every athlete due in one minute)."""

    date: date
    hrv: float | None
    resting_hr: int | None
    hours_slept: float | None


async def recovery_between_many(
    session: AsyncSession, *, user_ids: Sequence[str], start: date, end: date
) -> dict[str, list[RecoveryRow]]:
    """Recovery signals dated start..end inclusive for many users in one query, oldest first per user."""
    out: dict[str, list[RecoveryRow]] = {u: [] for u in user_ids}
    if not user_ids:
        return out
    stmt = (
        select(DailyMetric.user_id, DailyMetric.date, DailyMetric.hrv, DailyMetric.resting_hr, DailyMetric.hours_slept)
        .where(DailyMetric.user_id.in_(user_ids), DailyMetric.date >= start, DailyMetric.date <= end)
        .order_by(DailyMetric.user_id, DailyMetric.date)
    )
    for user_id, day, hrv, resting_hr, hours_slept in (await session.execute(stmt)).all():
        out[user_id].append(RecoveryRow(day, hrv, resting_hr, hours_slept))
    return out
