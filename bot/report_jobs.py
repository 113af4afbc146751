"""Running reports in the background and delivering them to the chat, including after a restart.

A command creates a PENDING report (with the chat to answer and a progress message), answers at once, and a
background task claims and builds it, editing the progress message as each step finishes. The work state is
in PostgreSQL (`coach.reports.service`), so when the process stops half-way the lease lapses and the next
start — or the periodic sweep of any running process — claims it again and sends the result to the chat.
Delivery is at-least-once: a crash between sending and marking the report COMPLETED sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from bot import telegram_html
from bot.context import BOT_DATA_KEY, AppContext
from bot.texts import reports as texts_reports
from coach import charts, i18n
from coach.llm.narrate import ReportNarrator
from coach.reports import TITLES, ReportType
from coach.reports import service as reports
from coach.reports.content import Narrator, ReportContent
from db.errors import AlreadyOpen
from db.models import User

logger = logging.getLogger(__name__)

SWEEPER_KEY = "report_sweeper"
TASKS_KEY = "report_tasks"


class ReportJobs:
    """Starts, resumes and delivers reports for one bot."""

    def __init__(self, ctx: AppContext, bot: Bot, *, lease: timedelta = reports.LEASE) -> None:
        self.ctx = ctx
        self.bot = bot
        self.lease = lease
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ starting

    async def submit(self, user: User, *, chat_id: int, type: ReportType, params: dict[str, Any]) -> str | None:
        """Create the report, show its progress message and start it; ``None`` when one is already running."""
        title = TITLES[type]
        try:
            async with self.ctx.sessions.begin() as session:
                if await reports.open_report(session, user_id=user.id) is not None:
                    return None
                report = await reports.create(
                    session, user, type=type, chat_id=chat_id, params=params, now=self.ctx.clock(), lease=self.lease
                )
                report_id = report.id
        except AlreadyOpen:
            # Another process made one between our check and our insert; the database let only one through.
            return None
        message = await self.bot.send_message(chat_id, texts_reports.report_queued(title), parse_mode=ParseMode.HTML)
        async with self.ctx.sessions.begin() as session:
            await reports.set_progress_message(session, report_id=report_id, message_id=message.message_id)
        self.spawn(report_id)
        return report_id

    def spawn(self, report_id: str, *, resumed: bool = False) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(self.run(report_id, resumed=resumed), name=f"report {report_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait(self) -> None:
        """Until every report started here has finished (tests; a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ------------------------------------------------------------------ resuming

    async def sweep(self) -> int:
        """Claim every report whose lease has lapsed and run it; returns how many were picked up."""
        async with self.ctx.sessions() as session:
            ids = await reports.lapsed(session)
        started = [self.spawn(report_id, resumed=True) for report_id in ids]
        await asyncio.gather(*started, return_exceptions=True)
        return len(ids)

    async def sweep_forever(self) -> None:
        """At start, then every half lease: a report whose process died is finished by whoever is alive."""
        while True:
            try:
                count = await self.sweep()
                if count:
                    logger.info("resumed %d report(s)", count)
            except Exception:  # the sweeper must outlive one bad round (database restarting, …)
                logger.warning("report sweep failed", exc_info=True)
            await asyncio.sleep(max(self.lease.total_seconds() / 2, 1.0))

    # ------------------------------------------------------------------ running

    async def run(self, report_id: str, *, resumed: bool = False) -> None:
        async with self.ctx.sessions.begin() as session:
            job = await reports.claim(session, report_id=report_id, lease=self.lease)
            if job is None:
                return  # someone else holds it, or it is finished
            if job.attempts > reports.MAX_ATTEMPTS:
                await reports.fail(session, report_id=report_id, error=f"gave up after {reports.MAX_ATTEMPTS} attempts")
        # Resumed after a restart, a report has no update to take the language from: the athlete's own.
        with await self._voice(job.user_id):
            await self._run(job, report_id, resumed=resumed)

    async def _voice(self, user_id: str) -> AbstractContextManager[None]:
        async with self.ctx.sessions() as session:
            user = await session.get(User, user_id)
        return i18n.speaking_to(user) if user is not None else contextlib.nullcontext()

    async def _run(self, job: reports.Claimed, report_id: str, *, resumed: bool) -> None:
        title = TITLES[job.type]
        if job.attempts > reports.MAX_ATTEMPTS:
            await self._say(job.chat_id, texts_reports.report_failed(title))
            return
        progress = _ProgressMessage(self, job.chat_id, job.progress_message_id, title, report_id)
        if resumed:
            await progress.restart(texts_reports.report_resumed(title))
        try:
            content = await self._build(job, progress.step)
        except Exception as err:  # the edge of a background task: record, apologise, never echo
            logger.exception("report %s failed", report_id)
            async with self.ctx.sessions.begin() as session:
                await reports.fail(session, report_id=report_id, error=type(err).__name__)
            await progress.finish(texts_reports.report_failed(title))
            return
        await self._deliver(job.chat_id, content)
        async with self.ctx.sessions.begin() as session:
            await reports.complete(session, report_id=report_id, content=content)
        await progress.finish_ok()

    async def _build(self, job: reports.Claimed, step: Callable[[str], Awaitable[None]]) -> ReportContent:
        async with self.ctx.sessions() as session:
            user = await session.get(User, job.user_id)
            if user is None:
                raise LookupError("the report's user is gone")
            return await reports.build(
                session,
                user,
                job,
                now=self.ctx.clock(),
                band_sd=self.ctx.settings.hrv_band_sd,
                progress=step,
                narrator=self._narrator(job.user_id),
            )

    def _narrator(self, user_id: str) -> Narrator | None:
        """The configured narrator (tests), else Gemini for this user when a key is set, else none."""
        if self.ctx.report_narrator is not None:
            return self.ctx.report_narrator
        if self.ctx.llm is None:
            return None
        return ReportNarrator(self.ctx.llm, user_id=user_id, now=self.ctx.clock())

    async def _deliver(self, chat_id: int, content: ReportContent) -> None:
        for message in telegram_html.to_messages(content.markdown):
            await self.bot.send_message(chat_id, message, parse_mode=ParseMode.HTML, disable_web_page_preview=True)
        if content.chart is not None:
            png = await asyncio.to_thread(charts.fitness_png, content.chart)
            await self.bot.send_photo(chat_id, png, caption=content.chart_caption)

    async def _say(self, chat_id: int, html: str) -> None:
        try:
            await self.bot.send_message(chat_id, html, parse_mode=ParseMode.HTML)
        except TelegramError:
            logger.warning("could not tell chat about a report", exc_info=True)

    async def heartbeat(self, report_id: str) -> None:
        async with self.ctx.sessions.begin() as session:
            await reports.heartbeat(session, report_id=report_id, lease=self.lease)


class _ProgressMessage:
    """The one message that shows a report's steps, edited as they finish (or sent anew after a restart)."""

    def __init__(self, jobs: ReportJobs, chat_id: int, message_id: int | None, title: str, report_id: str) -> None:
        self.jobs = jobs
        self.chat_id = chat_id
        self.message_id = message_id
        self.title = title
        self.report_id = report_id
        self.done: list[str] = []
        self.current: str | None = None

    async def restart(self, text: str) -> None:
        message = await self.jobs.bot.send_message(self.chat_id, text, parse_mode=ParseMode.HTML)
        self.message_id = message.message_id

    async def step(self, name: str) -> None:
        if self.current is not None:
            self.done.append(self.current)
        self.current = name
        await self.jobs.heartbeat(self.report_id)
        await self._show(texts_reports.report_progress(self.title, self.done, self.current))

    async def finish(self, text: str) -> None:
        await self._show(text)

    async def finish_ok(self) -> None:
        if self.current is not None:
            self.done.append(self.current)
            self.current = None
        await self._show(texts_reports.report_done(self.title, self.done))

    async def _show(self, html: str) -> None:
        if self.message_id is None:
            return
        # A progress line that cannot be edited (deleted, unchanged) is cosmetic: the report still goes out.
        with contextlib.suppress(BadRequest):
            await self.jobs.bot.edit_message_text(
                html, chat_id=self.chat_id, message_id=self.message_id, parse_mode=ParseMode.HTML
            )


def jobs_of(app: Application) -> ReportJobs:  # type: ignore[type-arg]
    """The application's report runner, created on first use."""
    existing = app.bot_data.get(TASKS_KEY)
    if isinstance(existing, ReportJobs):
        return existing
    ctx = app.bot_data[BOT_DATA_KEY]
    assert isinstance(ctx, AppContext)
    jobs = ReportJobs(ctx, app.bot)
    app.bot_data[TASKS_KEY] = jobs
    return jobs


def start(app: Application) -> None:  # type: ignore[type-arg]
    """Begin resuming lapsed reports (now, and periodically) for as long as the application runs."""
    jobs = jobs_of(app)
    app.bot_data[SWEEPER_KEY] = asyncio.get_running_loop().create_task(jobs.sweep_forever(), name="report sweeper")


async def stop(app: Application) -> None:  # type: ignore[type-arg]
    """Stop the sweeper and any report in flight; unfinished reports are resumed by the next start."""
    sweeper = app.bot_data.pop(SWEEPER_KEY, None)
    if isinstance(sweeper, asyncio.Task):
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
    await jobs_of(app).cancel()
