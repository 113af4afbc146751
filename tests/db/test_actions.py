"""Button actions: one press wins, foreign and stale presses lose."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import actions, users

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


async def _user(sessions: async_sessionmaker[AsyncSession], telegram_id: int) -> str:
    async with sessions.begin() as session:
        return (
            await users.link_telegram_user(session, telegram_user_id=telegram_id, chat_id=telegram_id, name=None)
        ).user.id


async def _issue(sessions: async_sessionmaker[AsyncSession], user_id: str, chat_id: int, **kw: object) -> str:
    async with sessions.begin() as session:
        return await actions.issue(
            session,
            user_id=user_id,
            chat_id=chat_id,
            kind="k",
            now=NOW,
            ttl=timedelta(hours=1),
            **kw,  # type: ignore[arg-type]
        )


async def test_racing_presses_of_a_single_use_button_act_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    ann = await _user(sessions, 1)
    action_id = await _issue(sessions, ann, 1, payload={"choice": "rest"})

    async def press() -> bool:
        async with sessions.begin() as session:
            return await actions.claim(session, action_id=action_id, user_id=ann, chat_id=1, now=NOW) is not None

    results = await asyncio.gather(*(press() for _ in range(10)))
    assert results.count(True) == 1


async def test_claim_refuses_foreign_expired_and_unknown(sessions: async_sessionmaker[AsyncSession]) -> None:
    ann, bob = await _user(sessions, 1), await _user(sessions, 2)
    action_id = await _issue(sessions, ann, 1, single_use=False)
    async with sessions.begin() as session:
        assert await actions.claim(session, action_id=action_id, user_id=bob, chat_id=2, now=NOW) is None
        assert await actions.claim(session, action_id=action_id, user_id=ann, chat_id=2, now=NOW) is None
        assert await actions.claim(session, action_id="made-up", user_id=ann, chat_id=1, now=NOW) is None
        late = NOW + timedelta(hours=1)
        assert await actions.claim(session, action_id=action_id, user_id=ann, chat_id=1, now=late) is None
        # A multi-use button keeps working until it expires.
        for _ in range(2):
            action = await actions.claim(session, action_id=action_id, user_id=ann, chat_id=1, now=NOW)
            assert action is not None and action.kind == "k"


async def test_ids_are_long_random_and_purged_after_expiry(sessions: async_sessionmaker[AsyncSession]) -> None:
    ann = await _user(sessions, 1)
    ids = {await _issue(sessions, ann, 1) for _ in range(20)}
    assert len(ids) == 20 and all(len(i) >= 22 for i in ids)
    async with sessions.begin() as session:
        assert await actions.purge_expired(session, now=NOW + timedelta(minutes=59)) == 0
        assert await actions.purge_expired(session, now=NOW + timedelta(hours=1)) == 20
