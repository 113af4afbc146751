"""The plan's two scheduled jobs: closing each athlete's day, and Sunday evening's weekly message.

Every process checks every ``CHECK_MINUTES``; each (athlete, local date) is claimed in "SyncClaim" first, so
of several processes exactly one does it, once:

- **after the athlete's midnight** (`coach.plan_adapt.close_days`): yesterday's sessions that nothing was
  matched to are missed and the week is rebalanced; a hard veto moves today's intensity;
- **Sunday from ``WEEKLY_HOUR``** in the athlete's zone: next week's sessions, with one tap to accept or ask
  for an easier week (`bot.handlers.plan_week`).
A claim is taken before the work: a process that dies in between leaves that day's close to the next day's
run (which looks back a week) and that Sunday's message unsent — never a second message.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.handlers import plan_week as plan_week_buttons
from bot.texts import plan_week as texts_plan_week
from coach import i18n, plan_adapt, plan_week
from db.models import User
from db.repositories import briefs, plans, sync_state, users

logger = logging.getLogger(__name__)

CHECK_MINUTES = 10
CLOSE_AFTER = time(0, 15)  # a little after midnight, so a late-evening ride has had time to sync
WEEKLY_DAY = 6  # Sunday
WEEKLY_HOUR = time(18, 0)
DAY_JOB, WEEK_JOB = "plan-day", "plan-week"
# Claims are kept a little over a week (the daily close looks back a week), then deleted by the next run.
CLAIMS_KEPT = timedelta(days=8)


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
        owner: str | None = None,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.clock = clock
        self.band_sd = band_sd
        self.owner = owner or f"{os.getpid()}-{secrets.token_hex(4)}"

    def install(self, scheduler: AsyncIOScheduler) -> None:
        scheduler.add_job(
            self._job,
            CronTrigger(minute=f"*/{CHECK_MINUTES}", second=30, timezone=UTC),
            id="plan-jobs",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=300,
        )

    async def _job(self) -> None:
        try:
            await self.run()
        except Exception:  # one failed run (the database restarting) is retried at the next check
            logger.exception("plan jobs failed")

    async def run(self) -> tuple[int, int]:
        """Close the days and send the weekly messages that are due and this process won; (closed, sent)."""
        now = self.clock()
        async with self.sessions.begin() as session:
            due: list[tuple[str, str]] = []
            for user in await plans.users_with_active_plan(session):
                local = _local(user, now)
                if local.time() >= CLOSE_AFTER:
                    due.append((f"{DAY_JOB}:{user.id}", local.date().isoformat()))
                if local.weekday() == WEEKLY_DAY and local.time() >= WEEKLY_HOUR:
                    due.append((f"{WEEK_JOB}:{user.id}", plan_week.next_monday(local.date()).isoformat()))
            won = await sync_state.claim_jobs(session, claims=due, owner=self.owner)
            await sync_state.purge_claims(session, prefix="plan-", before=now - CLAIMS_KEPT)
        closed = sent = 0
        for job, period in sorted(won):
            kind, user_id = job.split(":", 1)
            try:
                if kind == DAY_JOB:
                    closed += await self._close(user_id)
                else:
                    sent += await self._send_week(user_id, date_iso=period)
            except Exception:  # one athlete's failure must not cost the others their turn
                logger.exception("plan job %s failed for one athlete", kind)
        return closed, sent

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
        except TelegramError:
            logger.exception("weekly plan message not sent")
            return 0
        return 1
