"""The morning check-in: one row per (user, local date), filled in one tap at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CheckIn

CHOICES = ("do_it", "easier", "rest")


async def get(session: AsyncSession, *, user_id: str, day: date) -> CheckIn | None:
    stmt = select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.date == day)
    return (await session.scalars(stmt)).one_or_none()


async def record(
    session: AsyncSession,
    *,
    user_id: str,
    day: date,
    feel: int | None = None,
    soreness: int | None = None,
    illness: bool | None = None,
    choice: str | None = None,
) -> CheckIn:
    """Store the answers given (others keep their earlier value); one statement, safe against double taps."""
    if feel is not None and not 1 <= feel <= 5:
        raise ValueError("feel must be 1–5")
    if soreness is not None and not 0 <= soreness <= 2:
        raise ValueError("soreness must be 0–2")
    if choice is not None and choice not in CHOICES:
        raise ValueError(f"choice must be one of {', '.join(CHOICES)}")
    given = {
        k: v
        for k, v in {"feel": feel, "soreness": soreness, "illness": illness, "choice": choice}.items()
        if v is not None
    }
    stmt = (
        insert(CheckIn)
        .values(user_id=user_id, date=day, **given)
        .on_conflict_do_update(index_elements=[CheckIn.user_id, CheckIn.date], set_={**given, "updatedAt": func.now()})
        .returning(CheckIn)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).one()


async def get_many(session: AsyncSession, *, keys: Sequence[tuple[str, date]]) -> dict[tuple[str, date], CheckIn]:
    """Check-ins for many (user, date) pairs in one query."""
    if not keys:
        return {}
    stmt = select(CheckIn).where(CheckIn.user_id.in_({u for u, _ in keys}), CheckIn.date.in_({d for _, d in keys}))
    wanted = set(keys)
    return {(c.user_id, c.date): c for c in (await session.scalars(stmt)).all() if (c.user_id, c.date) in wanted}
