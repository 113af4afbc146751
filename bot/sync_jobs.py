"""The daily reconciliation: re-pull the last few days of every connection, once a day, whichever process wins.

Webhooks are hints that get lost (a provider gives up after a few retries, our server was down) and WHOOP
sends none for cycles and day strain, so once a day every connection's last ``SYNC_RECONCILE_DAYS`` days are
read again (`SyncEngine.sync` with ``days``; cursors stay where they are). Every process runs the hourly
check; the first to insert the day's row in "SyncClaim" does the work, the others skip it. A process that
dies during the run leaves the rest of that day's re-pull undone: the next day's covers the same days.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import sync_state
from integrations.sync.engine import SyncEngine, SyncResult

logger = logging.getLogger(__name__)

JOB = "reconcile"


class Reconciler:
    def __init__(
        self,
        engine: SyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        *,
        days: int,
        hour: int,
        clock: Callable[[], datetime],
        owner: str | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.days = days
        self.hour = hour
        self.clock = clock
        self.owner = owner or f"{os.getpid()}-{secrets.token_hex(4)}"

    def install(self, scheduler: AsyncIOScheduler) -> None:
        """Check every hour (minute 17); the day's run starts at the first check from ``hour`` UTC on."""
        scheduler.add_job(
            self._job,
            CronTrigger(minute=17, timezone=UTC),
            id="sync-reconcile",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=600,
        )

    async def _job(self) -> None:
        try:
            await self.run()
        except Exception:
            logger.exception("reconciliation failed; tomorrow's covers the same days")

    async def run(self) -> list[SyncResult] | None:
        """Re-pull if it is this day's turn and this process wins the claim; None otherwise."""
        now = self.clock().astimezone(UTC)
        if now.hour < self.hour:
            return None
        async with self.sessions.begin() as session:
            mine = await sync_state.claim_job(session, job=JOB, period=now.date().isoformat(), owner=self.owner)
        if not mine:
            return None
        pairs = await self.engine.connections()
        results = await self.engine.sync_many(pairs, days=self.days)
        counts = Counter(r.status for r in results)
        logger.info("reconciliation of the last %d days: %s", self.days, dict(counts) or "no connections")
        return results
