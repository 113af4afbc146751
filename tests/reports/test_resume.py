"""A report survives its process: the job a stopped process leaves is taken by another after the lease, which
finishes and delivers the report; two processes never both take it; a failed attempt is tried again, and
after the last the athlete gets the apology and the job is dead.

Each "process" here is a bot with its own job runner (its own owner) on the shared database; the tests drive
the runners with ``run_due`` (one pass: the sweep, then whatever is due), so nothing waits on a timer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot import report_jobs
from bot.app import build_application, polling
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi, Sent
from bot.context import BOT_DATA_KEY, AppContext
from bot.jobs.runner import JobRunner
from bot.serve import attach_reports
from bot.settings import Settings
from coach import demo
from coach.reports import ReportStatus, ReportType
from coach.reports import service as reports
from db.models import Job, Report, ReportRequest, User
from db.repositories import jobs, users
from tests.bot.conftest import NOW, TOKEN

ANN = LocalBotApi.user(4242, "Ann")
CREATED = NOW - timedelta(hours=1)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class BrokenNarrator:
    """A narrator that always fails: the report's build raises on every attempt."""

    model_version = "broken-1"

    def __init__(self) -> None:
        self.calls = 0

    async def narrate(self, **_: object) -> str | None:
        self.calls += 1
        raise RuntimeError("the narrator is down")


async def _demo_user(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions.begin() as session:
        link = await users.link_telegram_user(session, telegram_user_id=ANN["id"], chat_id=ANN["id"], name="Ann")
        await demo.load(session, link.user, now=NOW)
        return link.user.id


async def _report(sessions: async_sessionmaker[AsyncSession], user_id: str) -> str:
    """A weekly report made an hour ago, its job due since (its creator let it go, then stopped)."""
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        assert user is not None
        report = await reports.create(
            session, user, type=ReportType.WEEKLY_ANALYSIS, chat_id=ANN["id"], params={}, now=CREATED, hold=timedelta(0)
        )
        return report.id


async def _taken_by_a_process_that_stops(
    sessions: async_sessionmaker[AsyncSession], report_id: str, *, at: datetime, lease: timedelta = reports.LEASE
) -> None:
    """A process sweeps and takes the report's job at ``at``, starts the attempt, and is never heard of again."""
    async with sessions.begin() as session:
        await jobs.sweep(session, now=at)
        taken = await jobs.take(session, owner=f"gone-{at:%H%M}", now=at, lease=lease, limit=1, kinds=[reports.KIND])
        assert [t.key for t in taken] == [report_id]
        assert await reports.begin_attempt(session, report_id=report_id) is not None


async def _job(sessions: async_sessionmaker[AsyncSession], report_id: str) -> Job:
    async with sessions() as session:
        job = await jobs.get(session, kind=reports.KIND, key=report_id)
    assert job is not None
    return job


async def _report_row(sessions: async_sessionmaker[AsyncSession], report_id: str) -> tuple[Report, ReportRequest]:
    async with sessions() as session:
        found = await session.get(Report, report_id), await session.get(ReportRequest, report_id)
    assert found[0] is not None and found[1] is not None
    return found[0], found[1]


@contextlib.asynccontextmanager
async def _process(
    api: LocalBotApi, sessions: async_sessionmaker[AsyncSession], clock: Clock, **ctx_args: object
) -> AsyncIterator[tuple[Application, JobRunner]]:  # type: ignore[type-arg]
    """A bot process wired like `coach-watts run` (its runner with the report kind), not yet running jobs."""
    ctx = AppContext(settings=Settings(_env_file=None), sessions=sessions, clock=clock, **ctx_args)  # type: ignore[arg-type,call-arg]
    async with BackgroundServer(api.asgi()) as server:
        app = build_application(ctx, token=TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")
        ctx.jobs = JobRunner(sessions, clock=clock)
        attach_reports(ctx, app)
        async with polling(app, poll_timeout_s=1):
            try:
                yield app, ctx.jobs
            finally:
                await ctx.jobs.stop()


async def _sent(api: LocalBotApi) -> list[Sent]:
    with contextlib.suppress(TimeoutError):  # nothing may have been sent
        return await api.drain(ANN["id"], quiet=0.3, wait_s=1)
    return []


def _texts(sent: list[Sent]) -> list[str]:
    return [s.params.get("text") or s.text for s in sent]


@pytest.fixture
def api() -> LocalBotApi:
    return LocalBotApi(TOKEN)


@pytest.mark.parametrize("stopped", [0, 1], ids=["queued", "taken-by-a-stopped-process"])
async def test_a_report_left_by_a_process_is_finished_and_delivered_by_another(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi, stopped: int
) -> None:
    user_id = await _demo_user(sessions)
    report_id = await _report(sessions, user_id)
    if stopped:
        # Taken ten minutes ago under a five-minute lease: its process is gone.
        await _taken_by_a_process_that_stops(sessions, report_id, at=NOW - timedelta(minutes=10))

    async with _process(api, sessions, Clock()) as (_app, runner):
        assert await runner.run_due() == 1
        sent = await _sent(api)

    texts = _texts(sent)
    assert any("I was restarted while working on your weekly report" in t for t in texts) == bool(stopped)
    assert any("<b>Next week</b>" in t for t in texts)
    assert [s.method for s in sent].count("sendPhoto") == 1
    report, request = await _report_row(sessions, report_id)
    assert report.status == ReportStatus.COMPLETED and report.markdown
    assert request.delivered_at is not None
    job = await _job(sessions, report_id)
    assert (job.state, job.attempts) == (jobs.DONE, stopped + 1)


async def test_a_report_within_its_lease_is_left_to_its_owner(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi
) -> None:
    user_id = await _demo_user(sessions)
    report_id = await _report(sessions, user_id)
    await _taken_by_a_process_that_stops(sessions, report_id, at=NOW, lease=timedelta(hours=1))

    async with _process(api, sessions, Clock()) as (_app, runner):
        assert await runner.run_due() == 0  # the report is the other process's for another hour
    assert api.replies(ANN["id"]) == []
    report, _ = await _report_row(sessions, report_id)
    assert report.status == ReportStatus.PROCESSING
    job = await _job(sessions, report_id)
    assert (job.state, job.owner) == (jobs.RUNNING, f"gone-{NOW:%H%M}")


async def test_two_processes_at_once_deliver_a_report_once(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi
) -> None:
    user_id = await _demo_user(sessions)
    report_id = await _report(sessions, user_id)
    clock = Clock()
    async with _process(api, sessions, clock) as (_one, first), _process(api, sessions, clock) as (_two, second):
        started = await asyncio.gather(first.run_due(), second.run_due())
        sent = await _sent(api)
    assert sorted(started) == [0, 1]
    assert [s.method for s in sent].count("sendPhoto") == 1
    job = await _job(sessions, report_id)
    assert (job.state, job.attempts) == (jobs.DONE, 1)


async def test_a_report_whose_attempts_all_stopped_is_given_up_with_an_apology(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi
) -> None:
    user_id = await _demo_user(sessions)
    report_id = await _report(sessions, user_id)
    for n in range(reports.MAX_ATTEMPTS):  # each attempt's process stopped; the next took it after the lease
        await _taken_by_a_process_that_stops(sessions, report_id, at=NOW - timedelta(minutes=50 - 10 * n))

    async with _process(api, sessions, Clock()) as (_app, runner):
        assert await runner.run_due() == 1
        sent = await _sent(api)

    assert [t for t in _texts(sent) if "couldn't finish" in t] == [
        "Sorry — I couldn't finish your weekly report. Please try again in a minute."
    ]
    report, request = await _report_row(sessions, report_id)
    assert report.status == ReportStatus.FAILED and request.last_error == "gave up after 3 attempts"
    job = await _job(sessions, report_id)
    assert (job.state, job.attempts) == (jobs.DEAD, reports.MAX_ATTEMPTS + 1)


async def test_a_failing_build_is_tried_again_then_apologised_for_once(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi
) -> None:
    user_id = await _demo_user(sessions)
    clock = Clock()
    narrator = BrokenNarrator()
    async with _process(api, sessions, clock, report_narrator=narrator) as (app, runner):
        async with sessions() as session:
            user = await session.get(User, user_id)
        assert user is not None
        ctx = app.bot_data[BOT_DATA_KEY]
        report_id = await report_jobs.submit(
            ctx, app.bot, user, chat_id=ANN["id"], type=ReportType.WEEKLY_ANALYSIS, params={}
        )
        assert report_id is not None
        for attempt in range(1, reports.MAX_ATTEMPTS):
            assert await runner.run_due() == 1
            assert await runner.run_due() == 0  # the retry waits for its backoff
            report, request = await _report_row(sessions, report_id)
            assert (report.status, request.last_error) == (ReportStatus.PROCESSING, "RuntimeError")
            assert (await _job(sessions, report_id)).state == jobs.QUEUED, attempt
            clock.now += timedelta(minutes=5)
        assert await runner.run_due() == 1
        sent = await _sent(api)

    assert narrator.calls == reports.MAX_ATTEMPTS
    texts = _texts(sent)
    assert not any("I was restarted" in t for t in texts)  # a failed attempt is not a restart
    assert [t for t in texts if "couldn't finish" in t] == [
        "Sorry — I couldn't finish your weekly report. Please try again in a minute."
    ]
    assert "sendPhoto" not in [s.method for s in sent]
    report, request = await _report_row(sessions, report_id)
    assert report.status == ReportStatus.FAILED and request.last_error == "RuntimeError"
    job = await _job(sessions, report_id)
    assert (job.state, job.attempts) == (jobs.DEAD, reports.MAX_ATTEMPTS)


async def test_a_report_whose_job_ended_does_not_block_the_next(
    sessions: async_sessionmaker[AsyncSession], api: LocalBotApi
) -> None:
    """Even the last attempt's process stopped, before it could fail the report: the sweep made the job dead."""
    user_id = await _demo_user(sessions)
    report_id = await _report(sessions, user_id)
    for n in range(reports.MAX_ATTEMPTS + 1):
        await _taken_by_a_process_that_stops(sessions, report_id, at=NOW - timedelta(minutes=50 - 10 * n))
    async with sessions.begin() as session:
        _, died = await jobs.sweep(session, now=NOW)
    assert [d.key for d in died] == [report_id]
    async with _process(api, sessions, Clock()) as (app, _runner):
        async with sessions() as session:
            user = await session.get(User, user_id)
        assert user is not None
        again = await report_jobs.submit(
            app.bot_data[BOT_DATA_KEY], app.bot, user, chat_id=ANN["id"], type=ReportType.WEEKLY_ANALYSIS, params={}
        )
    assert again is not None and again != report_id
    old, request = await _report_row(sessions, report_id)
    assert old.status == ReportStatus.FAILED and request.last_error == "its job ended without finishing it"
