"""The calendar job: keeps each athlete's Intervals.icu calendar in step with their plan, durably.

The work list is "CalendarSync" (`db.repositories.calendar_sync`): one row per athlete with the sync on, set
pending by database triggers whenever a planned session or a threshold changes. Every process polls it every
`POLL_S` seconds; a pending row is claimed with ``FOR UPDATE SKIP LOCKED`` and a lease, so one worker writes
an athlete at a time and a worker that dies hands its row on when the lease ends. A run renders the athlete's
window (`coach.calendar_events`) and reconciles it (`CalendarWriter`: creates, rewrites what differs, removes
ours the plan dropped, never touches the athlete's own events) through the sync engine's HTTP client — the
Intervals.icu app's rate limiter and the engine's retry policy for 429 and 5xx.

A run that still fails is retried with backoff (`retry_in`) up to the inbox's attempts, then parked and told in
chat once. A refused grant or key marks the connection lost and sends the one reconnect message
(`TokenManager.refused`), as a failed sync does; no write is tried for an athlete without a working
connection, so disconnecting stops every write.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.runner import JobRunner, Kind
from bot.texts import calendar as texts_calendar
from coach import calendar_events, i18n
from coach.daily import local_today
from db.repositories import calendar_sync, integrations, users
from db.repositories.inbox import MAX_ATTEMPTS
from db.repositories.jobs import Taken
from integrations.errors import ProviderAuthError, ProviderError
from integrations.intervals.calendar import CalendarChanges, CalendarEvent, CalendarWriter
from integrations.intervals.client import IntervalsClient
from integrations.sync.engine import SyncEngine

logger = logging.getLogger(__name__)

PROVIDER = "intervals"
ADVANCE = "calendar.advance"
POLL_S = 15  # a plan change reaches the calendar within a poll and a run: well under a minute
LEASE = timedelta(minutes=5)  # longer than a run with all its retries; a dead worker's row returns after it
BATCH = 20
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(minutes=30)

Notify = Callable[[int, str], Awaitable[None]]

WRITTEN, SETTLED, RETRYING, PARKED, AUTH_LOST = "written", "settled", "retrying", "parked", "auth lost"


def retry_in(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th failed run: 30 s, 1 min, 2 min, … at most 30 min."""
    wait: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(wait, LAST_RETRY)


@dataclass(frozen=True, slots=True)
class Outcome:
    user_id: str
    status: str
    changes: CalendarChanges | None = None
    error: str | None = None


def _event(planned: calendar_events.PlannedEvent) -> CalendarEvent:
    return CalendarEvent(
        external_id=planned.external_id,
        day=planned.day,
        sport=planned.sport,
        name=planned.name,
        description=planned.text,
        load=planned.load,
        moving_time_s=planned.duration_s,
    )


class CalendarJobs:
    def __init__(
        self,
        engine: SyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        *,
        notify: Notify,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.notify = notify
        self.clock = clock

    def install(self, runner: JobRunner) -> None:
        """Poll the calendar inbox every `POLL_S`; move every athlete's window on once an hour (the job queue)."""
        runner.poll("calendar-writes", POLL_S, self.run_due)
        # The window moves a day at local midnight: an athlete whose last run is over 12 hours old is run again.
        runner.every(
            Kind(ADVANCE, self._advance, max_attempts=3, first_retry=timedelta(minutes=1)),
            CronTrigger(minute=41, timezone=UTC),
        )

    async def _advance(self, _job: Taken | None = None) -> None:
        now = self.clock()
        async with self.sessions.begin() as session:
            count = await calendar_sync.request_stale(session, done_before=now - timedelta(hours=12), now=now)
        if count:
            logger.info("calendar windows moved on for %d athletes", count)

    def writer(self, user_id: str) -> CalendarWriter:
        client = self.engine.client(user_id, PROVIDER)
        assert isinstance(client, IntervalsClient)
        return CalendarWriter(client, retry=self.engine.retry, sleep=self.engine.sleep)

    # ------------------------------------------------------------------------------------------ running

    async def run_due(self) -> list[Outcome]:
        """Every pending job whose backoff has passed, until none is left; parked jobs are told in chat."""
        outcomes: list[Outcome] = []
        now = self.clock()
        async with self.sessions.begin() as session:
            for user_id in await calendar_sync.park_exhausted(session, now=now, lease=LEASE):
                logger.warning("calendar job of user %s parked: its last attempt never finished", user_id)
        await self._report_parked()
        while True:
            async with self.sessions.begin() as session:
                claims = await calendar_sync.claim_due(session, now=self.clock(), lease=LEASE, limit=BATCH)
            if not claims:
                return outcomes
            for claim in claims:
                outcomes.append(await self._run(claim))

    async def run_user(self, user_id: str) -> Outcome | None:
        """Run one athlete's pending job now (after the confirmation); None when another worker has it."""
        async with self.sessions.begin() as session:
            claim = await calendar_sync.claim_user(session, user_id=user_id, now=self.clock(), lease=LEASE)
        return await self._run(claim) if claim is not None else None

    async def _run(self, claim: calendar_sync.Claim) -> Outcome:
        user_id = claim.user_id
        async with self.sessions.begin() as session:
            user = await users.get(session, user_id=user_id)
            connection = await integrations.get(session, user_id=user_id, provider=PROVIDER)
            if user is None or connection is None or integrations.auth_lost(connection):
                reason = "Intervals.icu is not connected" if connection is None else "Intervals.icu needs reconnecting"
                await calendar_sync.settle(session, user_id=user_id, now=self.clock(), error=reason)
                return Outcome(user_id, SETTLED, error=reason)
            today = local_today(user, self.clock())
            with i18n.speaking_to(user):  # the events' names in the athlete's calendar, in their language
                planned = await calendar_events.planned_events(session, user, today=today)
        first, last = calendar_events.window(today)
        events = [_event(p) for p in planned]
        try:
            changes = await self.writer(user_id).reconcile(oldest=first, newest=last, events=events)
        except ProviderAuthError as err:
            await self.engine.connector.tokens.refused(user_id, PROVIDER, texts_calendar.REFUSED)
            async with self.sessions.begin() as session:
                await calendar_sync.settle(session, user_id=user_id, now=self.clock(), error=str(err))
            return Outcome(user_id, AUTH_LOST, error=str(err))
        except ProviderError as err:
            return await self._failed(claim, str(err))
        except Exception as err:  # a bug must not lose the job: it is retried, then parked and told
            logger.exception("calendar write for user %s failed", user_id)
            return await self._failed(claim, type(err).__name__)
        written = {e.external_id: (e.day, e.payload(), changes.event_ids.get(e.external_id)) for e in events}
        async with self.sessions.begin() as session:
            await calendar_sync.record_written(
                session, user_id=user_id, written=written, removed=list(changes.deleted), now=self.clock()
            )
            await calendar_sync.done(session, claim=claim, now=self.clock())
        return Outcome(user_id, WRITTEN, changes)

    async def _failed(self, claim: calendar_sync.Claim, error: str) -> Outcome:
        logger.warning("calendar write for user %s failed (attempt %d): %s", claim.user_id, claim.attempts, error)
        now = self.clock()
        async with self.sessions.begin() as session:
            parked = await calendar_sync.failed(
                session, claim=claim, now=now, retry_in=retry_in(claim.attempts), error=error
            )
        if parked:
            logger.warning("calendar job of user %s parked after %d attempts", claim.user_id, MAX_ATTEMPTS)
            await self._report_parked()
            return Outcome(claim.user_id, PARKED, error=error)
        return Outcome(claim.user_id, RETRYING, error=error)

    async def _report_parked(self) -> None:
        """Tell each athlete whose job was parked, once (the mark is committed before the message is sent)."""
        async with self.sessions() as session:
            pending = await calendar_sync.unreported_parked(session)
        for user_id in pending:
            async with self.sessions.begin() as session:
                user = await users.get(session, user_id=user_id)
                first = await calendar_sync.mark_reported(session, user_id=user_id, now=self.clock())
            if first and user is not None and user.telegram_chat_id is not None:
                with i18n.speaking_to(user):
                    notice = texts_calendar.parked()
                try:
                    await self.notify(user.telegram_chat_id, notice)
                except Exception:
                    logger.warning("could not tell user %s that the calendar write failed", user_id, exc_info=True)

    # ------------------------------------------------------------------------------------------ stopping

    async def remove_written(self, user_id: str) -> int:
        """Delete every event we wrote from today on (the athlete stopped the sync); how many were removed."""
        async with self.sessions() as session:
            user = await users.get(session, user_id=user_id)
            span = await calendar_sync.written_days(session, user_id=user_id)
        if user is None:
            return 0
        today = local_today(user, self.clock())
        last = max(span[1], calendar_events.window(today)[1]) if span is not None else calendar_events.window(today)[1]
        gone = await self.writer(user_id).remove_all(oldest=today, newest=last)
        async with self.sessions.begin() as session:
            await calendar_sync.forget_from(session, user_id=user_id, first=today)
        return len(gone)
