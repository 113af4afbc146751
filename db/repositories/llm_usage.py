"""Gemini tokens spent per user and UTC day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LlmUsage


async def spent(session: AsyncSession, *, user_id: str, day: date) -> int:
    stmt = select(LlmUsage.tokens).where(LlmUsage.user_id == user_id, LlmUsage.day == day)
    return await session.scalar(stmt) or 0


async def add(session: AsyncSession, *, user_id: str, day: date, tokens: int) -> None:
    """Count one request's tokens; concurrent requests add up (one upsert, no read-modify-write)."""
    stmt = insert(LlmUsage).values(user_id=user_id, day=day, tokens=tokens, requests=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LlmUsage.user_id, LlmUsage.day],
        set_={"tokens": LlmUsage.tokens + stmt.excluded.tokens, "requests": LlmUsage.requests + 1},
    )
    await session.execute(stmt)
