"""The daily reconciliation: re-pull the last few days of every connection, once a day, on the job queue.

Webhooks are hints that get lost (a provider gives up after a few retries, our server was down) and WHOOP
sends none for cycles and day strain, so once a day every connection's last ``SYNC_RECONCILE_DAYS`` days are
read again (`SyncEngine.sync` with ``days``; cursors stay where they are).

- A check runs every hour (minute 17, `CHECK`); from ``hour`` UTC on it queues one job per connection
  (`CONNECTION`), keyed by the day: the first check of the day queues them, later ones find them there.
- Each connection's job is taken by whichever process is free, one at a time per connection (its lock key),
  retried with backoff when the provider fails or another sync of it is running, and dead after its last
  attempt — reported, and covered by the next day's re-pull of the same days.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.runner import JobRunner, Kind
from db.repositories import jobs
from db.repositories.jobs import NewJob, Taken
from integrations.sync.engine import BUSY, FAILED, SyncEngine

logger = logging.getLogger(__name__)

CHECK = "sync.reconcile"
CONNECTION = "sync.connection"


class SyncNotDone(Exception):
    """The connection's re-pull failed or could not start; the queue retries it."""


class Reconciler:
    def __init__(
        self,
        engine: SyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        *,
        days: int,
        hour: int,
        clock: Callable[[], datetime],
        runner: JobRunner | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.days = days
        self.hour = hour
        self.clock = clock
        self.runner = runner

    def install(self, runner: JobRunner) -> None:
        self.runner = runner
        runner.every(
            Kind(CHECK, self._check, max_attempts=3, first_retry=timedelta(minutes=1)),
            CronTrigger(minute=17, timezone=UTC),
        )
        runner.register(
            Kind(
                CONNECTION,
                self._sync_one,
                max_attempts=4,
                first_retry=timedelta(minutes=5),
                last_retry=timedelta(hours=1),
                lease=timedelta(minutes=15),
                concurrency=2,  # a wave of re-pulls never takes the slots interactive jobs need
            )
        )

    async def due(self, now: datetime) -> list[NewJob]:
        """Today's re-pull of every connection, once ``hour`` UTC has come; nothing before."""
        now = now.astimezone(UTC)
        if now.hour < self.hour:
            return []
        day = now.date().isoformat()
        return [
            NewJob(
                kind=CONNECTION,
                key=f"{day}:{user_id}:{provider}",
                payload={"user_id": user_id, "provider": provider, "days": self.days},
                lock_key=jobs.connection_lock(user_id, provider),
                max_attempts=4,
            )
            for user_id, provider in await self.engine.connections()
        ]

    async def _check(self, _job: Taken) -> None:
        new = await self.due(self.clock())
        async with self.sessions.begin() as session:
            added = await jobs.enqueue(session, new, now=self.clock())
        if added:
            logger.info("reconciliation of the last %d days queued for %d connections", self.days, len(added))
            if self.runner is not None:
                self.runner.wake()

    async def _sync_one(self, job: Taken) -> None:
        user_id, provider = job.payload["user_id"], job.payload["provider"]
        result = await self.engine.sync(user_id, provider, days=int(job.payload.get("days", self.days)))
        if result.status == BUSY:
            raise SyncNotDone("another sync of this connection is running")
        if result.status == FAILED:
            raise SyncNotDone(result.error or "the sync failed")
