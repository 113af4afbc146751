"""One report per athlete at a time holds across processes: the database refuses a second open report."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.botapi import LocalBotApi, Sent
from bot.texts import reports as texts_reports
from coach.reports import ReportType
from coach.reports import service as reports
from db.engine import create_engine, create_sessionmaker
from db.models import Report, User
from tests.bot.conftest import NOW, Harness
from tests.reports.test_resume import ANN, _demo_user

WAIT_S = 30.0  # how long a failing test waits before it reports; a passing one never waits for it
_BLOCKED_INSERTS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"Report\"%'"
)


async def _blocked_or_answered(sessions: async_sessionmaker[AsyncSession], api: LocalBotApi) -> Sent | None:
    """Wait until the bot's /week is either waiting on the database's lock (None) or answered (its reply).

    PostgreSQL tells of a waiting lock only when asked, so this asks between turns of the event loop.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while loop.time() < deadline:
        if api.replies(ANN["id"]):
            return api.replies(ANN["id"])[0]
        async with sessions() as session:
            if await session.scalar(_BLOCKED_INSERTS):
                return None
        await asyncio.sleep(0.05)  # PostgreSQL has no event for "a lock is awaited"
    raise TimeoutError("the bot neither answered nor waited on the database")


async def test_week_sent_to_two_processes_at_once_makes_one_report(harness: Harness, database_url: str) -> None:
    user_id = await _demo_user(harness.sessions)
    other_process = create_engine(database_url)  # its own connections, as another `coach-watts run` has
    try:
        async with create_sessionmaker(other_process).begin() as other:
            # The other process has checked (nothing open) and inserted its report, not yet committed: the
            # moment when this process's check cannot see it either.
            user = await other.get(User, user_id)
            assert user is not None
            await reports.create(other, user, type=ReportType.WEEKLY_ANALYSIS, chat_id=ANN["id"], params={}, now=NOW)
            await harness.api.send_text(ANN, "/week")
            early = await _blocked_or_answered(harness.sessions, harness.api)
        answer = early or await harness.api.next_reply(ANN["id"], wait_s=WAIT_S)
    finally:
        await other_process.dispose()
    assert answer.text == texts_reports.report_busy()
    async with harness.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Report)) == 1
