"""Hourly clean-up of rows that only matter until they expire.

Buttons ("CallbackAction") and OAuth states ("OAuthState") are refused once expired, so deleting them
changes no behaviour; it keeps the tables — and the ``/settings`` and brief buttons written every day —
from growing without end. Provider webhook events processed (or parked) more than
`provider_events.KEEP_PROCESSED` ago are deleted too: their payloads are the athletes' data, and once
handled they only served to recognise a redelivery. The send pace's per-chat rows are deleted once an hour
has passed since their last turn (they hold a chat id and nothing a later send needs). Every process may run
it; the deletes are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import actions, integrations, pace, provider_events

logger = logging.getLogger(__name__)

PACE_KEEP = timedelta(hours=1)


async def purge_expired(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> tuple[int, int, int]:
    """Delete expired buttons and OAuth states and old processed provider events; returns how many of each."""
    async with sessions.begin() as session:
        buttons = await actions.purge_expired(session, now=now)
        states = await integrations.purge_expired_states(session, now=now)
        events = await provider_events.purge_processed(session, before=now - provider_events.KEEP_PROCESSED)
        await pace.purge_idle(session, before=now - PACE_KEEP)
    return buttons, states, events


def install(
    scheduler: AsyncIOScheduler, sessions: async_sessionmaker[AsyncSession], *, clock: Callable[[], datetime]
) -> None:
    async def job() -> None:
        try:
            buttons, states, events = await purge_expired(sessions, now=clock())
        except Exception:  # a failed clean-up (database restarting) is retried next hour
            logger.exception("housekeeping failed")
            return
        logger.info(
            "housekeeping: %d expired buttons, %d OAuth states and %d processed provider events deleted",
            buttons,
            states,
            events,
        )

    scheduler.add_job(job, CronTrigger(minute=41, timezone=UTC), id="housekeeping", max_instances=1, coalesce=True)
