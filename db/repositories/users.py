"""Users and the Telegram accounts linked to them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Account, User
from db.repositories import jobs

TELEGRAM = "telegram"
# The seed requires a unique e-mail; Telegram users have none. A per-user address under the reserved
# ".invalid" TLD (RFC 2606) can never receive mail and carries no personal data.
PLACEHOLDER_EMAIL_DOMAIN = "telegram.invalid"


@dataclass(frozen=True, slots=True)
class LinkResult:
    user: User
    created: bool


def select_by_telegram_id(*entities: Any, telegram_user_id: int) -> Select[Any]:
    """``SELECT entities`` of the user linked to this Telegram id (`User` first; join more as needed)."""
    return (
        select(*entities)
        .join(Account, Account.user_id == User.id)
        .where(Account.provider == TELEGRAM, Account.provider_account_id == str(telegram_user_id))
    )


async def get_by_telegram_id(session: AsyncSession, *, telegram_user_id: int) -> User | None:
    return (await session.scalars(select_by_telegram_id(User, telegram_user_id=telegram_user_id))).one_or_none()


async def get(session: AsyncSession, *, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def link_telegram_user(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    chat_id: int,
    name: str | None,
    language_code: str | None = None,
    known: User | None = None,
) -> LinkResult:
    """Return the user linked to this Telegram id, creating User + Account the first time.

    ``known``: this Telegram id's user as read moments ago in another session (an earlier step of the same
    update), taken into this one instead of being read again.

    Safe under concurrency: two simultaneous first ``/start``s race on the Account primary key, and the
    loser re-reads the winner's user instead of creating a second one.
    """
    if known is not None:
        session.add(known)
    existing = known or await get_by_telegram_id(session, telegram_user_id=telegram_user_id)
    if existing is not None:
        if existing.telegram_chat_id != chat_id:
            existing.telegram_chat_id = chat_id
        if not existing.active:  # they blocked the bot once and are writing again: unasked messages may resume
            existing.active = True
        if language_code and existing.telegram_language != language_code:
            existing.telegram_language = language_code
        return LinkResult(existing, created=False)

    user_id = str(uuid.uuid4())
    user = User(
        id=user_id,
        email=f"{user_id}@{PLACEHOLDER_EMAIL_DOMAIN}",
        name=name,
        telegram_chat_id=chat_id,
        telegram_language=language_code,
    )
    session.add(user)
    await session.flush()
    claimed = await session.execute(
        insert(Account)
        .values(user_id=user.id, type="telegram", provider=TELEGRAM, provider_account_id=str(telegram_user_id))
        .on_conflict_do_nothing()
        .returning(Account.user_id)
    )
    if claimed.scalar_one_or_none() is None:
        await session.delete(user)
        await session.flush()
        winner = await get_by_telegram_id(session, telegram_user_id=telegram_user_id)
        assert winner is not None  # the conflicting row exists and was committed
        return LinkResult(winner, created=False)
    await session.flush()
    return LinkResult(user, created=True)


async def delete(session: AsyncSession, *, user_id: str) -> None:
    """The account and everything that cascades from it, and the background jobs about it."""
    user = await session.get(User, user_id)
    if user is not None:
        await session.delete(user)
    await jobs.forget_user(session, user_id=user_id)
