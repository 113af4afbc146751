"""A report survives a restart: a lapsed PENDING/PROCESSING report is claimed at start and delivered; two
processes never both take it."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import report_jobs
from bot.app import build_application, polling
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi, Sent
from bot.context import AppContext
from bot.settings import Settings
from coach import demo
from coach.reports import ReportStatus, ReportType
from coach.reports import service as reports
from db.models import Report, ReportRequest, User
from db.repositories import users
from tests.bot.conftest import NOW, TOKEN

ANN = LocalBotApi.user(4242, "Ann")


async def _demo_user(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions.begin() as session:
        link = await users.link_telegram_user(session, telegram_user_id=ANN["id"], chat_id=ANN["id"], name="Ann")
        await demo.load(session, link.user, now=NOW)
        return link.user.id


async def _abandoned_report(
    sessions: async_sessionmaker[AsyncSession], user_id: str, *, claimed: bool, lease: timedelta = timedelta(0)
) -> str:
    """A weekly report as a crashed process leaves it: PENDING, or PROCESSING after one claim; lease lapsed."""
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        assert user is not None
        report = await reports.create(
            session, user, type=ReportType.WEEKLY_ANALYSIS, chat_id=ANN["id"], params={}, now=NOW, lease=lease
        )
        report_id = report.id
    if claimed:
        async with sessions.begin() as session:
            assert await reports.claim(session, report_id=report_id, lease=lease) is not None
    return report_id


@pytest.fixture
def api() -> LocalBotApi:
    return LocalBotApi(TOKEN)


async def _start_bot(api: LocalBotApi, sessions: async_sessionmaker[AsyncSession], *, wait_s: float = 20) -> list[Sent]:
    """Start the bot like `coach-watts run` does and collect what it sends Ann on its own."""
    ctx = AppContext(settings=Settings(_env_file=None), sessions=sessions, clock=lambda: NOW)  # type: ignore[call-arg]
    async with BackgroundServer(api.asgi()) as server:
        app = build_application(ctx, token=TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")
        async with polling(app, poll_timeout_s=1):
            first = await api.next_reply(ANN["id"], wait_s=wait_s)
            await report_jobs.jobs_of(app).wait()
            rest: list[Sent] = []
            with contextlib.suppress(TimeoutError):  # everything may already have been read
                rest = await api.drain(ANN["id"], quiet=0.3, wait_s=1)
            return [first, *rest]


@pytest.mark.parametrize("claimed", [False, True], ids=["pending", "processing"])
async def test_a_lapsed_report_is_finished_and_delivered_at_start(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi, claimed: bool
) -> None:
    user_id = await _demo_user(sessions)
    report_id = await _abandoned_report(sessions, user_id, claimed=claimed)

    sent = await _start_bot(api, sessions)

    texts = [s.params.get("text") or s.text for s in sent]
    assert any("I was restarted while working on your weekly report" in t for t in texts)
    assert any("<b>Next week</b>" in t for t in texts)
    assert [s.method for s in sent].count("sendPhoto") == 1
    async with sessions() as session:
        report = await session.get(Report, report_id)
        request = await session.get(ReportRequest, report_id)
    assert report is not None and request is not None
    assert report.status == ReportStatus.COMPLETED and report.markdown
    assert request.attempts == (2 if claimed else 1)


async def test_a_report_within_its_lease_is_left_to_its_owner(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi
) -> None:
    user_id = await _demo_user(sessions)
    report_id = await _abandoned_report(sessions, user_id, claimed=True, lease=timedelta(hours=1))
    with pytest.raises(TimeoutError):
        await _start_bot(api, sessions, wait_s=3)  # nothing is sent: the report is someone else's for another hour
    async with sessions() as session:
        report = await session.get(Report, report_id)
    assert report is not None and report.status == ReportStatus.PROCESSING


async def test_two_processes_never_both_claim_a_report(sessions: async_sessionmaker[AsyncSession]) -> None:
    user_id = await _demo_user(sessions)
    report_id = await _abandoned_report(sessions, user_id, claimed=True)
    async with sessions() as first, sessions() as second:
        async with first.begin():
            taken = await reports.claim(first, report_id=report_id)
            assert taken is not None
            async with second.begin():
                # The row is locked by the first claim: SKIP LOCKED returns nothing instead of waiting.
                assert await reports.claim(second, report_id=report_id) is None
        async with second.begin():
            # Committed with a fresh lease: still not claimable.
            assert await reports.claim(second, report_id=report_id) is None
    async with sessions() as session:
        request = (await session.scalars(select(ReportRequest))).one()
    assert request.attempts == 2


async def test_a_report_that_keeps_failing_is_given_up(sessions: async_sessionmaker[AsyncSession]) -> None:
    user_id = await _demo_user(sessions)
    report_id = await _abandoned_report(sessions, user_id, claimed=True)
    for _ in range(reports.MAX_ATTEMPTS - 1):
        async with sessions.begin() as session:
            assert await reports.claim(session, report_id=report_id, lease=timedelta(0)) is not None
    api = LocalBotApi(TOKEN)
    sent = await _start_bot(api, sessions)
    assert any("couldn't finish your weekly report" in (s.params.get("text") or "") for s in sent)
    async with sessions() as session:
        report = await session.get(Report, report_id)
    assert report is not None and report.status == ReportStatus.FAILED
