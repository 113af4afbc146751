"""The coach conversation: the last turns per user, so a follow-up question has its context."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChatTurn

KEEP_TURNS = 20


async def recent(session: AsyncSession, *, user_id: str, limit: int) -> Sequence[ChatTurn]:
    """The user's last ``limit`` turns, oldest first."""
    stmt = select(ChatTurn).where(ChatTurn.user_id == user_id).order_by(ChatTurn.id.desc()).limit(limit)
    return list(reversed((await session.scalars(stmt)).all()))


async def add_exchange(session: AsyncSession, *, user_id: str, question: str, answer: str) -> None:
    """Store a question and its answer, and forget all but the last `KEEP_TURNS` turns."""
    session.add_all(
        [ChatTurn(user_id=user_id, role="user", text=question), ChatTurn(user_id=user_id, role="model", text=answer)]
    )
    await session.flush()
    keep = select(ChatTurn.id).where(ChatTurn.user_id == user_id).order_by(ChatTurn.id.desc()).limit(KEEP_TURNS)
    await session.execute(delete(ChatTurn).where(ChatTurn.user_id == user_id, ChatTurn.id.not_in(keep)))
