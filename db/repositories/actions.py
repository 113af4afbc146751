"""Server-side state of inline buttons ("CallbackAction").

A button carries only a random id. Pressing it is honoured when the id exists, belongs to the pressing
user in the same chat, has not expired and, for single-use buttons, has not been pressed before. Claiming
a single-use action is one conditional UPDATE, so two presses racing each other (a double tap, or two bot
processes receiving the same update) cannot both win.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CallbackAction

# 128 bits: unguessable, and short enough for Telegram's 64-byte callback_data.
ID_BYTES = 16


async def issue(
    session: AsyncSession,
    *,
    user_id: str,
    chat_id: int,
    kind: str,
    now: datetime,
    ttl: timedelta,
    payload: dict[str, Any] | None = None,
    single_use: bool = True,
) -> str:
    """Store what a button does and return the opaque id to put in its ``callback_data``."""
    action = CallbackAction(
        id=secrets.token_urlsafe(ID_BYTES),
        user_id=user_id,
        chat_id=chat_id,
        kind=kind,
        payload=payload or {},
        single_use=single_use,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(action)
    await session.flush()
    return action.id


async def claim(
    session: AsyncSession, *, action_id: str, user_id: str, chat_id: int, now: datetime
) -> CallbackAction | None:
    """The action behind a press, or None when it is unknown, foreign, expired or already used."""
    statement = (
        update(CallbackAction)
        .where(
            CallbackAction.id == action_id,
            CallbackAction.user_id == user_id,
            CallbackAction.chat_id == chat_id,
            CallbackAction.expires_at > now,
            or_(CallbackAction.single_use.is_(False), CallbackAction.used_at.is_(None)),
        )
        .values(used_at=now)
        .returning(CallbackAction)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def revoke(session: AsyncSession, *, user_id: str, kind: str) -> int:
    """Expire every outstanding button of one kind for a user (e.g. an older brief's feedback buttons)."""
    result = await session.execute(
        delete(CallbackAction).where(CallbackAction.user_id == user_id, CallbackAction.kind == kind)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    """Delete actions that can no longer be pressed, so the table stays small."""
    result = await session.execute(delete(CallbackAction).where(CallbackAction.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class NewAction:
    user_id: str
    chat_id: int
    kind: str
    payload: dict[str, Any]


async def issue_many(
    session: AsyncSession, *, actions: Sequence[NewAction], now: datetime, ttl: timedelta, single_use: bool = True
) -> list[str]:
    """`issue` for many buttons in one statement (a morning fan-out issues thousands); ids in input order."""
    ids = [secrets.token_urlsafe(ID_BYTES) for _ in actions]
    if actions:
        await session.execute(
            insert(CallbackAction),
            [
                {
                    "id": action_id,
                    "user_id": a.user_id,
                    "chat_id": a.chat_id,
                    "kind": a.kind,
                    "payload": a.payload,
                    "single_use": single_use,
                    "created_at": now,
                    "expires_at": now + ttl,
                }
                for action_id, a in zip(ids, actions, strict=True)
            ],
        )
    return ids


async def revoke_many(session: AsyncSession, *, user_ids: Sequence[str], kinds: Sequence[str]) -> int:
    """`revoke` for many users and kinds in one statement."""
    if not user_ids:
        return 0
    result = await session.execute(
        delete(CallbackAction).where(CallbackAction.user_id.in_(user_ids), CallbackAction.kind.in_(kinds))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
