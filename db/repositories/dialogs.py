"""The one open question per user ("DialogState"): what the bot asked and is waiting for an answer to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from db.models import DialogState, User
from db.repositories import users


async def current(session: AsyncSession, *, user_id: str, now: datetime, lock: bool = False) -> DialogState | None:
    """The open question, or None (an expired one counts as none).

    ``lock`` takes the row for this transaction, so two messages answering at once cannot both advance it.
    """
    stmt = select(DialogState).where(DialogState.user_id == user_id, DialogState.expires_at > now)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def asker(
    session: AsyncSession, *, telegram_user_id: int, now: datetime
) -> tuple[User, DialogState | None] | None:
    """The user linked to this Telegram id and their open question (None: none open, or expired), in one
    statement, without a lock: what every typed message reads first, to tell an answer from anything else.

    None when the Telegram id is linked to no user. An answer is then read again with `current` (``lock``)
    in the transaction that records it.
    """
    stmt = users.select_by_telegram_id(User, DialogState, telegram_user_id=telegram_user_id).outerjoin(
        DialogState, and_(DialogState.user_id == User.id, DialogState.expires_at > now)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1])


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
    """Record that ``step`` of ``flow`` is now asked, replacing any earlier question (an expired one included).

    The row read earlier in this session is changed in place; otherwise one upsert writes it without a read.
    """
    values = {
        "chat_id": chat_id,
        "flow": flow,
        "step": step,
        "message_id": message_id,
        "updated_at": now,
        "expires_at": now + ttl,
    }
    state = session.identity_map.get(identity_key(DialogState, user_id))
    if isinstance(state, DialogState):
        for name, value in values.items():
            setattr(state, name, value)
        await session.flush()
        return
    columns = [DialogState.__mapper__.columns[name].name for name in values]  # "chatId", "expiresAt"…
    stmt = insert(DialogState).values(user_id=user_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[DialogState.user_id], set_={column: stmt.excluded[column] for column in columns}
        )
    )


async def set_message(session: AsyncSession, *, user_id: str, message_id: int) -> None:
    """Remember which message asked the open question (one statement: no read first)."""
    await session.execute(update(DialogState).where(DialogState.user_id == user_id).values(message_id=message_id))


async def finish(session: AsyncSession, *, user_id: str) -> None:
    state = await session.get(DialogState, user_id)
    if state is not None:
        await session.delete(state)
        await session.flush()
