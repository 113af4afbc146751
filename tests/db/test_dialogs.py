"""The open question per athlete: reading it with its athlete in one statement, and asking without a read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import autocommit_sessionmaker
from db.models import DialogState
from db.repositories import dialogs, users

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
TTL = timedelta(hours=1)


async def _athlete(sessions: async_sessionmaker[AsyncSession], telegram_id: int = 42) -> str:
    async with sessions.begin() as session:
        return (
            await users.link_telegram_user(session, telegram_user_id=telegram_id, chat_id=telegram_id, name="A")
        ).user.id


async def _ask(sessions: async_sessionmaker[AsyncSession], user_id: str, step: str, *, now: datetime = NOW) -> None:
    async with sessions.begin() as session:
        await dialogs.ask(session, user_id=user_id, chat_id=42, flow="onboarding", step=step, now=now, ttl=TTL)


async def test_the_asker_is_the_athlete_and_their_open_question_or_none(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reads = autocommit_sessionmaker(sessions)
    user_id = await _athlete(sessions)
    other = await _athlete(sessions, telegram_id=7)
    async with reads() as session:
        assert await dialogs.asker(session, telegram_user_id=99, now=NOW) is None  # linked to nobody
        found = await dialogs.asker(session, telegram_user_id=42, now=NOW)
    assert found is not None and found[0].id == user_id and found[1] is None  # nothing asked
    await _ask(sessions, other, "ftp")  # another athlete's question is not theirs
    await _ask(sessions, user_id, "timezone")
    async with reads() as session:
        found = await dialogs.asker(session, telegram_user_id=42, now=NOW + TTL - timedelta(seconds=1))
        assert found is not None and found[1] is not None and found[1].step == "timezone"
        lapsed = await dialogs.asker(session, telegram_user_id=42, now=NOW + TTL)  # expired: none open
        assert lapsed is not None and lapsed[0].id == user_id and lapsed[1] is None


async def test_asking_replaces_the_question_with_one_statement_and_no_read(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    user_id = await _athlete(sessions)
    await _ask(sessions, user_id, "ftp", now=NOW - timedelta(days=2))  # asked long ago, expired since
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await _ask(sessions, user_id, "timezone")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 1 and statements[0].startswith('INSERT INTO "DialogState"')
    async with sessions() as session:
        state = (await session.scalars(select(DialogState))).one()
    assert (state.step, state.expires_at, state.message_id) == ("timezone", NOW + TTL, None)


async def test_asking_changes_the_question_read_in_the_same_session(sessions: async_sessionmaker[AsyncSession]) -> None:
    user_id = await _athlete(sessions)
    await _ask(sessions, user_id, "ftp")
    async with sessions.begin() as session:
        read = await dialogs.current(session, user_id=user_id, now=NOW, lock=True)
        assert read is not None
        await dialogs.ask(session, user_id=user_id, chat_id=42, flow="settings", step="weight", now=NOW, ttl=TTL)
        assert (read.flow, read.step) == ("settings", "weight")  # the object in hand says what the row says
    async with sessions() as session:
        state = (await session.scalars(select(DialogState))).one()
    assert (state.flow, state.step) == ("settings", "weight")
