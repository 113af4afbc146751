"""The one open question per user ("DialogState"): what the bot asked and is waiting for an answer to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import DialogState


async def current(session: AsyncSession, *, user_id: str, now: datetime, lock: bool = False) -> DialogState | None:
    """The open question, or None (an expired one counts as none).

    ``lock`` takes the row for this transaction, so two messages answering at once cannot both advance it.
    """
    stmt = select(DialogState).where(DialogState.user_id == user_id, DialogState.expires_at > now)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def ask(
    session: AsyncSession,
    *,
    user_id: str,
    chat_id: int,
    flow: str,
    step: str,
    now: datetime,
    ttl: timedelta,
    message_id: int | None = None,
) -> None:
    """Record that ``step`` of ``flow`` is now asked, replacing any earlier question.

    Updates are processed one at a time per bot (python-telegram-bot's default), so get-or-create is enough.
    """
    state = await session.get(DialogState, user_id)
    if state is None:
        state = DialogState(user_id=user_id)
        session.add(state)
    state.chat_id, state.flow, state.step, state.message_id = chat_id, flow, step, message_id
    state.updated_at, state.expires_at = now, now + ttl
    await session.flush()


async def set_message(session: AsyncSession, *, user_id: str, message_id: int) -> None:
    """Remember which message asked the open question (one statement: no read first)."""
    await session.execute(update(DialogState).where(DialogState.user_id == user_id).values(message_id=message_id))


async def finish(session: AsyncSession, *, user_id: str) -> None:
    state = await session.get(DialogState, user_id)
    if state is not None:
        await session.delete(state)
        await session.flush()
