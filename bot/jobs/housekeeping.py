"""Hourly clean-up of rows that only matter until they expire.

Buttons ("CallbackAction") and OAuth states ("OAuthState") are refused once expired, so deleting them changes no
behaviour; it keeps the tables — and the ``/settings`` and brief buttons written every day — from growing without
end. Provider webhook events processed more than `provider_events.KEEP_PROCESSED` ago are deleted too, and those
received that long ago whose job was given up on (dead): their payloads are the athletes' data, and once handled
they only served to recognise a redelivery. The send pace's per-chat rows are deleted once an hour has passed
since their last turn (they hold a chat id and nothing a later send needs), and finished jobs of the queue once
their keys can no longer come back (`bot.jobs.runner.KEEP_DONE`, dead ones after `KEEP_DEAD`) — Telegram updates
sooner, two days after they finished (`telegram_updates.KEEP`: Telegram redelivers for a day, and they hold the
athletes' own words). It runs once an hour on the job queue; the deletes are idempotent, so a retry is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.runner import KEEP_DEAD, KEEP_DONE, JobRunner, Kind
from db.repositories import actions, integrations, jobs, pace, provider_events, telegram_updates
from db.repositories.jobs import Taken

logger = logging.getLogger(__name__)

KIND = "housekeeping"

PACE_KEEP = timedelta(hours=1)


async def purge_expired(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> tuple[int, int, int]:
    """Delete expired buttons and OAuth states and old handled provider events; returns how many of each."""
    async with sessions.begin() as session:
        buttons = await actions.purge_expired(session, now=now)
        states = await integrations.purge_expired_states(session, now=now)
        events = await provider_events.purge_processed(session, before=now - provider_events.KEEP_PROCESSED)
        await pace.purge_idle(session, before=now - PACE_KEEP)
        await telegram_updates.purge(session, before=now - telegram_updates.KEEP)
        await jobs.purge(session, done_before=now - KEEP_DONE, dead_before=now - KEEP_DEAD)
    return buttons, states, events


def install(runner: JobRunner, sessions: async_sessionmaker[AsyncSession], *, clock: Callable[[], datetime]) -> None:
    """Every hour at minute 41; a failed run (the database restarting) is tried again a minute later."""

    async def job(_job: Taken) -> None:
        buttons, states, events = await purge_expired(sessions, now=clock())
        logger.info(
            "housekeeping: %d expired buttons, %d OAuth states and %d processed provider events deleted",
            buttons,
            states,
            events,
        )

    runner.every(
        Kind(KIND, job, max_attempts=3, first_retry=timedelta(minutes=1)), CronTrigger(minute=41, timezone=UTC)
    )
