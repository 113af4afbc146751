"""Reports on the job queue: started by a command, built in the background, delivered to the chat.

A command creates a PENDING report together with its ``report.build`` job (`coach.reports.service`), shows a
progress message and answers at once; the job, taken at once by this process's runner (or by any other
process), builds the report, editing the progress message as each step finishes, and sends it. The queue
does the rest (`bot.jobs.runner`): the lease, extended while the job runs, gives the job to another process
when this one stops half-way, and that process finishes the report under a new progress message ("I was
restarted…"); a failed attempt is tried again after a short backoff; after the last one the athlete gets the
same apology as ever and the job is dead (`coach-watts jobs`). Delivery is at-least-once: a crash between
sending and marking the report COMPLETED sends it again.
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

from bot import telegram_html
from bot.context import AppContext
from bot.jobs.runner import GiveUp, JobRunner, Kind, Taken
from bot.texts import reports as texts_reports
from coach import charts, i18n
from coach.llm.narrate import ReportNarrator
from coach.reports import TITLES, ReportType
from coach.reports import service as reports
from coach.reports.content import Narrator, ReportContent
from db.errors import AlreadyOpen
from db.models import User

logger = logging.getLogger(__name__)

KIND = reports.KIND


async def submit(
    ctx: AppContext, bot: Bot, user: User, *, chat_id: int, type: ReportType, params: dict[str, Any]
) -> str | None:
    """Create the report and its job, show its progress message and wake the runner; ``None`` when one is
    already running."""
    try:
        async with ctx.sessions.begin() as session:
            if await reports.open_report(session, user_id=user.id) is not None:
                return None
            report = await reports.create(session, user, type=type, chat_id=chat_id, params=params, now=ctx.clock())
            report_id = report.id
    except AlreadyOpen:
        # Another process made one between our check and our insert; the database let only one through.
        return None
    message_id = None
    try:
        message = await bot.send_message(chat_id, texts_reports.report_queued(TITLES[type]), parse_mode=ParseMode.HTML)
        message_id = message.message_id
    finally:
        # The job waits for its progress message (`reports.HOLD`); with it out — or not — it may start.
        async with ctx.sessions.begin() as session:
            await reports.ready(session, report_id=report_id, progress_message_id=message_id, now=ctx.clock())
        if ctx.jobs is not None:
            ctx.jobs.wake()
    return report_id


class ReportJobs:
    """The ``report.build`` kind: builds and delivers one report per job, for one bot."""

    def __init__(self, ctx: AppContext, bot: Bot) -> None:
        self.ctx = ctx
        self.bot = bot

    def install(self, runner: JobRunner) -> None:
        runner.register(
            Kind(
                KIND,
                self.run,
                max_attempts=reports.MAX_ATTEMPTS + 1,
                first_retry=timedelta(seconds=10),
                last_retry=timedelta(minutes=1),
                lease=reports.LEASE,
            )
        )

    async def run(self, job: Taken) -> None:
        async with self.ctx.sessions.begin() as session:
            report = await reports.begin_attempt(session, report_id=job.key)
        if report is None:
            return  # finished (sent just before its process stopped), or deleted with its athlete
        # A job has no update to take the language from: the athlete's own.
        with await self._voice(report.user_id):
            await self._run(report, job)

    async def _voice(self, user_id: str) -> AbstractContextManager[None]:
        async with self.ctx.sessions() as session:
            user = await session.get(User, user_id)
        return i18n.speaking_to(user) if user is not None else contextlib.nullcontext()

    async def _run(self, report: reports.Started, job: Taken) -> None:
        title = TITLES[report.type]
        if job.last_attempt:
            # The attempts before this one all stopped with their process, so none could tell the athlete.
            error = f"gave up after {job.attempts - 1} attempts"
            async with self.ctx.sessions.begin() as session:
                await reports.fail(session, report_id=report.report_id, error=error)
            await self._say(report.chat_id, texts_reports.report_failed(title))
            raise GiveUp(error)
        progress = _ProgressMessage(self.bot, report.chat_id, report.progress_message_id, title)
        if job.attempts > 1 and report.previous_error is None:
            await progress.restart(texts_reports.report_resumed(title))
        try:
            content = await self._build(report, progress.step)
        except Exception as err:  # the edge of a background job: record, retry or apologise, never echo
            error = type(err).__name__
            if job.attempts < job.max_attempts - 1:
                logger.warning(
                    "report %s: attempt %d failed, trying again", report.report_id, job.attempts, exc_info=True
                )
                async with self.ctx.sessions.begin() as session:
                    await reports.attempt_failed(session, report_id=report.report_id, error=error)
                raise  # the queue takes it again after a backoff
            logger.exception("report %s failed", report.report_id)
            async with self.ctx.sessions.begin() as session:
                await reports.fail(session, report_id=report.report_id, error=error)
            await progress.finish(texts_reports.report_failed(title))
            raise GiveUp(error) from err
        await self._deliver(report.chat_id, content)
        async with self.ctx.sessions.begin() as session:
            await reports.complete(session, report_id=report.report_id, content=content)
        await progress.finish_ok()

    async def _build(self, report: reports.Started, step: Callable[[str], Awaitable[None]]) -> ReportContent:
        async with self.ctx.sessions() as session:
            user = await session.get(User, report.user_id)
            if user is None:
                raise LookupError("the report's user is gone")
            return await reports.build(
                session,
                user,
                report,
                now=self.ctx.clock(),
                band_sd=self.ctx.settings.hrv_band_sd,
                progress=step,
                narrator=self._narrator(report.user_id),
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


class _ProgressMessage:
    """The one message that shows a report's steps, edited as they finish (or sent anew after a restart)."""

    def __init__(self, bot: Bot, chat_id: int, message_id: int | None, title: str) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.message_id = message_id
        self.title = title
        self.done: list[str] = []
        self.current: str | None = None

    async def restart(self, text: str) -> None:
        message = await self.bot.send_message(self.chat_id, text, parse_mode=ParseMode.HTML)
        self.message_id = message.message_id

    async def step(self, name: str) -> None:
        if self.current is not None:
            self.done.append(self.current)
        self.current = name
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
            await self.bot.edit_message_text(
                html, chat_id=self.chat_id, message_id=self.message_id, parse_mode=ParseMode.HTML
            )
