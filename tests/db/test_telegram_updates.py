"""Webhook updates as jobs: forgetting a person's updates when they delete their account, the two-day memory,
and storing an update in one statement (`jobs.arrive`) — running for its process, or queued behind its chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Job
from db.repositories import jobs, telegram_updates
from db.repositories.telegram_updates import KIND

NOW = datetime(2026, 12, 1, 7, tzinfo=UTC)
ANN, BOB = 7_123_456_789, 5_000_000_001  # Telegram ids beyond 32 bits
LEASE = timedelta(minutes=2)


def _message(sender: int, text: str) -> dict[str, Any]:
    return {"message": {"from": {"id": sender}, "chat": {"id": sender, "type": "private"}, "text": text}}


async def _store(session: AsyncSession, update_id: int, chat: int, payload: dict[str, Any], *, state: str) -> None:
    finished = NOW if state in ("done", "dead") else None
    session.add(
        Job(kind=KIND, key=str(update_id), lock_key=f"chat:{chat}", payload=payload, state=state, finished_at=finished)
    )


async def _keys(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list((await session.scalars(select(Job.key).where(Job.kind == KIND).order_by(Job.key))).all())


async def _clear(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await session.execute(delete(Job).where(Job.kind == KIND))


async def test_forget_person_removes_their_finished_updates_only(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await _store(session, 1, ANN, _message(ANN, "my knee hurts"), state="done")
        await _store(
            session, 2, ANN, {"callback_query": {"from": {"id": ANN}, "message": {"chat": {"id": ANN}}}}, state="done"
        )
        await _store(session, 3, ANN, {"edited_message": _message(ANN, "my left knee")["message"]}, state="dead")
        await _store(session, 4, BOB, _message(BOB, "hello"), state="done")
        await _store(session, 5, ANN, _message(ANN, "/start"), state="queued")  # still to be answered
    try:
        async with sessions.begin() as session:
            forgotten = await telegram_updates.forget_person(session, telegram_user_id=ANN, chat_id=ANN)
        assert forgotten == 3
        assert await _keys(sessions) == ["4", "5"]
    finally:
        await _clear(sessions)


async def test_finished_updates_are_purged_after_their_time_and_waiting_ones_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await _store(session, 1, ANN, {}, state="done")
        await _store(session, 2, ANN, {}, state="dead")
        await _store(session, 3, ANN, {}, state="queued")
    try:
        async with sessions.begin() as session:
            assert await telegram_updates.purge(session, before=NOW) == 0
            assert await telegram_updates.purge(session, before=NOW + telegram_updates.KEEP) == 2
        assert await _keys(sessions) == ["3"]
    finally:
        await _clear(sessions)


async def test_an_arrival_runs_at_once_only_when_its_chat_has_nothing_waiting_or_running_elsewhere(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    def arrival(update_id: int, chat: int) -> jobs.NewJob:
        return telegram_updates.new_job(update_id=update_id, chat_key=chat, payload={"update_id": update_id})

    engine = sessions.kw["bind"]
    try:
        async with engine.connect() as conn:
            first = await jobs.arrive(conn, arrival(1, ANN), now=NOW, owner="p1", lease=LEASE)
            # The same process orders its own updates of a chat (in memory): it runs its next one too.
            own = await jobs.arrive(conn, arrival(7, ANN), now=NOW, owner="p1", lease=LEASE)
            second = await jobs.arrive(conn, arrival(2, ANN), now=NOW, owner="p2", lease=LEASE)
            again = await jobs.arrive(conn, arrival(1, ANN), now=NOW, owner="p1", lease=LEASE)
            other = await jobs.arrive(conn, arrival(3, BOB), now=NOW, owner="p2", lease=LEASE)
            stopping = await jobs.arrive(conn, arrival(4, 42), now=NOW, owner=None, lease=LEASE)
            await conn.commit()
        assert first is not None and first.state == jobs.RUNNING
        assert own is not None and own.state == jobs.RUNNING
        assert second is not None and second.state == jobs.QUEUED
        assert again is None  # a redelivery
        assert other is not None and other.state == jobs.RUNNING  # another chat goes side by side
        assert stopping is not None and stopping.state == jobs.QUEUED  # no owner: left for any process
        async with sessions.begin() as session:
            assert await jobs.complete_many(session, job_ids=[first.id, own.id], owner="p1", now=NOW) == {
                first.id,
                own.id,
            }
        async with engine.connect() as conn:
            # Ann's first is done, but her second still waits: a third must not overtake it.
            third = await jobs.arrive(conn, arrival(5, ANN), now=NOW, owner="p1", lease=LEASE)
            # A running update whose process died (lease over) holds its chat no longer.
            late = await jobs.arrive(conn, arrival(6, BOB), now=NOW + LEASE * 2, owner="p1", lease=LEASE)
            await conn.commit()
        assert third is not None and third.state == jobs.QUEUED
        assert late is not None and late.state == jobs.RUNNING
    finally:
        await _clear(sessions)


async def test_arrivals_for_one_chat_at_the_same_instant_start_one(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Twenty processes store an update of one chat at once: exactly one is running, the rest wait."""
    engine = sessions.kw["bind"]

    async def arrive(n: int) -> str | None:
        async with engine.connect() as conn:
            job = telegram_updates.new_job(update_id=100 + n, chat_key=ANN, payload={})
            stored = await jobs.arrive(conn, job, now=NOW, owner=f"p{n}", lease=LEASE)
            await conn.commit()
        return None if stored is None else stored.state

    try:
        for _ in range(3):
            states = await asyncio.gather(*(arrive(n) for n in range(20)))
            assert states.count(jobs.RUNNING) == 1 and states.count(jobs.QUEUED) == 19
            await _clear(sessions)
    finally:
        await _clear(sessions)
