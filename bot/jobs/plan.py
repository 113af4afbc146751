"""The plan's two scheduled jobs: closing each athlete's day, and Sunday evening's weekly message.

A check runs on the job queue every ``CHECK_MINUTES`` (`CHECK`) and queues, per athlete with an active plan,
what has come due — each keyed by the athlete and the local date, so of several checks and processes exactly
one job exists and runs:

- **after the athlete's midnight** (`DAY_JOB`; `coach.plan_adapt.close_days`): yesterday's sessions that
  nothing was matched to are missed and the week is rebalanced; a hard veto moves today's intensity. Retried
  with backoff: closing a day twice changes nothing.
- **Sunday from ``WEEKLY_HOUR``** in the athlete's zone (`WEEK_JOB`): next week's sessions, with one tap to
  accept or ask for an easier week (`bot.handlers.plan_week`). One attempt: a process that dies while sending
  leaves the job dead (reported), never a second message.
The athlete's jobs share a lock key, so a close and the weekly message never run at once for one athlete.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.handlers import plan_week as plan_week_buttons
from bot.jobs.runner import GiveUp, JobRunner, Kind
from bot.texts import plan_week as texts_plan_week
from coach import i18n, plan_adapt, plan_week
from db.models import User
from db.repositories import briefs, jobs, plans, users
from db.repositories.jobs import NewJob, Taken

logger = logging.getLogger(__name__)

CHECK_MINUTES = 10
CLOSE_AFTER = time(0, 15)  # a little after midnight, so a late-evening ride has had time to sync
WEEKLY_DAY = 6  # Sunday
WEEKLY_HOUR = time(18, 0)
CHECK, DAY_JOB, WEEK_JOB = "plan.check", "plan.close-day", "plan.week"


def _local(user: User, now: datetime) -> datetime:
    try:
        return now.astimezone(ZoneInfo(user.timezone))
    except (KeyError, ValueError):
        return now.astimezone(UTC)


class PlanJobs:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
        band_sd: float = 0.5,
        runner: JobRunner | None = None,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.band_sd = band_sd
        self.runner = runner
        self.closed = 0  # days closed and weekly messages sent by this process (tests and logs)
        self.sent = 0

    def install(self, runner: JobRunner) -> None:
        self.runner = runner
        runner.every(
            Kind(CHECK, self._check, max_attempts=2), CronTrigger(minute=f"*/{CHECK_MINUTES}", second=30, timezone=UTC)
        )
        runner.register(Kind(DAY_JOB, self._close_job, max_attempts=3, first_retry=timedelta(minutes=2)))
        runner.register(Kind(WEEK_JOB, self._week_job, max_attempts=1))

    async def due(self, now: datetime) -> list[NewJob]:
        """The closes and weekly messages due at ``now`` (queued ones are skipped by their keys)."""
        async with self.sessions() as session:
            active = await plans.users_with_active_plan(session)
        due: list[NewJob] = []
        for user in active:
            local = _local(user, now)
            lock = jobs.user_lock(user.id)
            if local.time() >= CLOSE_AFTER:
                key = f"{user.id}:{local.date().isoformat()}"
                due.append(NewJob(kind=DAY_JOB, key=key, payload={"user_id": user.id}, lock_key=lock, max_attempts=3))
            if local.weekday() == WEEKLY_DAY and local.time() >= WEEKLY_HOUR:
                monday = plan_week.next_monday(local.date()).isoformat()
                payload = {"user_id": user.id, "monday": monday}
                due.append(
                    NewJob(kind=WEEK_JOB, key=f"{user.id}:{monday}", payload=payload, lock_key=lock, max_attempts=1)
                )
        return due

    async def _check(self, _job: Taken) -> None:
        new = await self.due(self.clock())
        async with self.sessions.begin() as session:
            added = await jobs.enqueue(session, new, now=self.clock())
        if added and self.runner is not None:
            self.runner.wake()

    async def _close_job(self, job: Taken) -> None:
        self.closed += await self._close(job.payload["user_id"])

    async def _week_job(self, job: Taken) -> None:
        self.sent += await self._send_week(job.payload["user_id"], date_iso=job.payload["monday"])

    async def _close(self, user_id: str) -> int:
        async with self.sessions.begin() as session:
            user = await users.get(session, user_id=user_id)
            if user is None:
                return 0
            await plan_adapt.close_days(session, user, now=self.clock(), band_sd=self.band_sd)
        return 1

    async def _send_week(self, user_id: str, *, date_iso: str) -> int:
        start = datetime.fromisoformat(date_iso).date()
        async with self.sessions.begin() as session:
            user = await users.get(session, user_id=user_id)
            if user is None or user.telegram_chat_id is None:
                return 0
            with i18n.speaking_to(user):  # an unasked message: in the athlete's language and units
                week = await plan_week.week_view(session, user, start=start)
                if week is None:
                    return 0
                chat_id = user.telegram_chat_id
                markup = await plan_week_buttons.keyboard(session, user, chat_id=chat_id, start=start, now=self.clock())
                text = texts_plan_week.weekly_message(week)
        # The buttons are committed before the message that carries them exists.
        try:
            await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except Forbidden:
            # Blocked: Telegram refuses every message from now on; no more unasked ones (as for the brief).
            async with self.sessions.begin() as session:
                await briefs.deactivate_user(session, user_id=user_id)
            return 0
        except TelegramError as err:
            # Sent or not is unknown after some errors (a timeout): never sent again, but a dead job, reported.
            raise GiveUp(f"weekly plan message not sent: {type(err).__name__}") from err
        return 1
