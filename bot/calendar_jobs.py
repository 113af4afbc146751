"""The calendar job: keeps each athlete's Intervals.icu calendar in step with their plan, durably.

The work is one job per athlete on the job queue (kind `calendar_sync.KIND`, keyed by the user id, locked per
athlete), queued again by database triggers whenever a planned session or a threshold changes
(`db.repositories.calendar_sync`): any number of changes coalesce into one run. A run renders the athlete's
window (`coach.calendar_events`) and reconciles it (`CalendarWriter`: creates, rewrites what differs, removes
ours the plan dropped, never touches the athlete's own events) through the sync engine's HTTP client — the
Intervals.icu app's rate limiter and the engine's retry policy for 429 and 5xx. A change that arrived during
the run makes it run again.

A run that still fails is retried by the queue with backoff (`Kind.retry_in`) up to `MAX_ATTEMPTS`, then the job is
dead and the athlete is told in chat once (the queue tells this module of each job that dies, also when its
process died during the last attempt). The next change of the plan queues it anew. A refused grant or key
marks the connection lost and sends the one reconnect message (`TokenManager.refused`), as a failed sync does;
no write is tried for an athlete without a working connection, so disconnecting stops every write.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.runner import Finished, JobRunner, Kind, RunAgain
from bot.texts import calendar as texts_calendar
from coach import calendar_events, i18n
from coach.daily import local_today
from db.repositories import calendar_sync, integrations, users
from db.repositories.calendar_sync import KIND, MAX_ATTEMPTS
from db.repositories.jobs import Taken
from integrations.errors import ProviderAuthError, ProviderError
from integrations.intervals.calendar import CalendarChanges, CalendarEvent, CalendarWriter
from integrations.intervals.client import IntervalsClient
from integrations.sync.engine import SyncEngine

logger = logging.getLogger(__name__)

PROVIDER = "intervals"
ADVANCE = "calendar.advance"
LEASE = timedelta(minutes=5)  # kept alive while a run lasts; a dead worker's job returns after it
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(minutes=30)

Notify = Callable[[int, str], Awaitable[None]]

WRITTEN, SETTLED, RETRYING, PARKED, AUTH_LOST = "written", "settled", "retrying", "parked", "auth lost"


class CalendarWriteFailed(Exception):
    """An attempt failed; the queue retries it (or, after the last one, the job is dead)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    user_id: str
    status: str
    changes: CalendarChanges | None = None
    error: str | None = None
    overtaken: bool = False  # a change of the plan arrived during the run: it runs again


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
        self.runner: JobRunner | None = None
        # The outcomes of runs while a caller collects them (`run_due`, `run_user`); a running bot keeps none.
        self._sinks: list[list[Outcome]] = []

    def install(self, runner: JobRunner) -> None:
        """The athletes' write jobs, and the hourly move of every athlete's window, on the job queue."""
        self.runner = runner
        runner.register(
            Kind(
                KIND,
                self._job,
                max_attempts=MAX_ATTEMPTS,
                first_retry=FIRST_RETRY,
                last_retry=LAST_RETRY,
                lease=LEASE,
                on_dead=self._dead,
            )
        )
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
        """Run every due job of the queue now, in this process, until none is left; the calendar runs' outcomes
        (tests and one-shot commands; a running bot's runner does this by itself)."""
        assert self.runner is not None, "install() first"
        sink: list[Outcome] = []
        self._sinks.append(sink)
        try:
            await self.runner.run_due()
        finally:
            self._sinks.remove(sink)
        return sink

    async def run_user(self, user_id: str) -> Outcome | None:
        """Run one athlete's queued job now (after the confirmation); None when it is not due or another worker
        has it."""
        assert self.runner is not None, "install() first"
        sink: list[Outcome] = []
        self._sinks.append(sink)
        try:
            if await self.runner.run_now(KIND, user_id) is None:
                return None
        finally:
            self._sinks.remove(sink)
        mine = [o for o in sink if o.user_id == user_id]
        return mine[0] if mine else None

    async def _job(self, job: Taken) -> None:
        outcome = await self._run(job.key, attempts=job.attempts, last=job.last_attempt)
        for sink in self._sinks:
            sink.append(outcome)
        if outcome.status in (RETRYING, PARKED):
            raise CalendarWriteFailed(outcome.error or "the calendar write failed")
        if outcome.status == WRITTEN and outcome.overtaken:
            raise RunAgain

    async def _run(self, user_id: str, *, attempts: int, last: bool) -> Outcome:
        async with self.sessions.begin() as session:
            user = await users.get(session, user_id=user_id)
            generation = await calendar_sync.generation(session, user_id=user_id)
            connection = await integrations.get(session, user_id=user_id, provider=PROVIDER)
            if user is None or generation is None:
                return Outcome(user_id, SETTLED, error="the calendar sync is off")
            if connection is None or integrations.auth_lost(connection):
                reason = "Intervals.icu is not connected" if connection is None else "Intervals.icu needs reconnecting"
                return Outcome(user_id, SETTLED, error=reason)
            today = local_today(user, self.clock())
            with i18n.speaking_to(user):  # the events' names in the athlete's calendar, in their language
                planned = await calendar_events.planned_events(session, user, today=today)
        first, last_day = calendar_events.window(today)
        events = [_event(p) for p in planned]
        try:
            changes = await self.writer(user_id).reconcile(oldest=first, newest=last_day, events=events)
        except ProviderAuthError as err:
            await self.engine.connector.tokens.refused(user_id, PROVIDER, texts_calendar.REFUSED)
            return Outcome(user_id, AUTH_LOST, error=str(err))
        except ProviderError as err:
            return self._failed(user_id, attempts, last, str(err))
        except Exception as err:  # a bug must not lose the job: it is retried, then dead and told
            logger.exception("calendar write for user %s failed", user_id)
            return self._failed(user_id, attempts, last, type(err).__name__)
        written = {e.external_id: (e.day, e.payload(), changes.event_ids.get(e.external_id)) for e in events}
        async with self.sessions.begin() as session:
            await calendar_sync.record_written(
                session, user_id=user_id, written=written, removed=list(changes.deleted), now=self.clock()
            )
            now_generation = await calendar_sync.generation(session, user_id=user_id)
        overtaken = now_generation is not None and now_generation != generation
        return Outcome(user_id, WRITTEN, changes, overtaken=overtaken)

    @staticmethod
    def _failed(user_id: str, attempts: int, last: bool, error: str) -> Outcome:
        logger.warning("calendar write for user %s failed (attempt %d): %s", user_id, attempts, error)
        return Outcome(user_id, PARKED if last else RETRYING, error=error)

    async def _dead(self, job: Finished) -> None:
        """Tell the athlete their calendar is no longer kept in step (once per job that died)."""
        user_id = job.key
        async with self.sessions() as session:
            user = await users.get(session, user_id=user_id)
            on = await calendar_sync.generation(session, user_id=user_id) is not None
        if user is None or user.telegram_chat_id is None or not on:
            return
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
