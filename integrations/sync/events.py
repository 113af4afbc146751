"""Verified webhook events: stored before the 200, then processed by a job of the queue.

`EventInbox.receive` commits the events (unique per provider and the provider's event key, so a redelivery
adds nothing) and, in the same transaction, one job per new row (`db.repositories.provider_events.JOB_KIND`,
keyed by the row's id); the HTTP handler answers only after that commit, and the process's job runner is woken
to take the jobs at once. The runner (``bot.jobs.runner``, which registers `EventInbox.handle` under the policy
below) gives each job to one process at a time, one per connection (the lock key), retries a failed attempt
after a backoff, takes a job again when the process running it died (its lease ran out), and after the last
attempt leaves it **dead**: logged, counted and kept for an operator, never retried by itself.

Processing never trusts the body: it finds the connection whose ``externalUserId`` is the event's owner
(an unknown owner is a no-op) and re-fetches the object with *that* connection's token. The provider's
current state is written (upserts keyed by the object); an object the provider no longer has (404) is
deleted here. So duplicates and any order of create/update/delete converge to the provider's final state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Integration, ProviderEvent, User
from db.repositories import curves as curve_rows
from db.repositories import integrations, jobs, provider_events
from db.repositories.jobs import Taken
from integrations.errors import ProviderAuthError, ProviderError, ProviderNotFound
from integrations.intervals import mapping as intervals_mapping
from integrations.intervals.client import IntervalsClient
from integrations.oura.client import OuraClient
from integrations.records import Batch, Mapped, MappingError, WorkoutRecord
from integrations.retry import call_with_retries
from integrations.strava import mapping as strava_mapping
from integrations.strava.client import StravaClient
from integrations.sync import admission
from integrations.sync.curves import CURVE_DAYS, CurveBudget, with_curves
from integrations.sync.engine import CURVE_PROVIDERS, SyncEngine
from integrations.sync.history import delete_workout
from integrations.sync.streams import OURA_MAPPERS, RunContext, map_whoop
from integrations.sync.webhooks import Event
from integrations.sync.writer import write_page
from integrations.whoop.client import WhoopClient

logger = logging.getLogger(__name__)

STREAM = "webhook"

# The policy of the "provider.event" jobs (the bot's wiring registers the kind with it): five attempts, a
# minute apart and then doubling (about a quarter of an hour in all), each under a two-minute lease that the
# runner extends while the attempt runs.
KIND = provider_events.JOB_KIND
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(minutes=8)
LEASE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Stored:
    """A row `store` inserted."""

    id: str
    user_id: str
    provider: str


async def store(session: AsyncSession, events: Sequence[Event]) -> list[Stored]:
    """Insert the events of athletes we know; the new rows (a redelivery of a stored event returns nothing).

    An event whose owner no connection knows would be a no-op when processed, and its payload is someone's
    data: it is not stored at all (the provider still gets its 200).
    """
    if not events:
        return []
    owners = {(e.provider, e.owner) for e in events}
    found = await session.execute(
        select(Integration.provider, Integration.external_user_id, Integration.user_id).where(
            tuple_(Integration.provider, Integration.external_user_id).in_(owners)
        )
    )
    user_of = {(provider, owner): user_id for provider, owner, user_id in found.all()}
    rows = [
        {"provider": e.provider, "eventKey": e.key[:500], "payload": e.payload(), "userId": user}
        for e in events
        if (user := user_of.get((e.provider, e.owner))) is not None
    ]
    if len(rows) < len(events):
        logger.info("%d webhook events for athletes we do not know were not stored", len(events) - len(rows))
    if not rows:
        return []
    stmt = insert(ProviderEvent).values(rows).on_conflict_do_nothing(index_elements=["provider", "eventKey"])
    inserted = await session.execute(stmt.returning(ProviderEvent.id, ProviderEvent.user_id, ProviderEvent.provider))
    return [Stored(*row) for row in inserted.all()]


class EventInbox:
    """Stores provider events with their jobs, and processes one event per job (`handle`)."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        clock: Callable[[], datetime],
        wake: Callable[[], None] | None = None,
    ) -> None:
        """``wake`` tells this process's job runner that jobs were queued (called after the commit)."""
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = engine.sessions
        self.clock = clock
        self.wake = wake

    # ----------------------------------------------------------------- receiving

    async def receive(self, events: Sequence[Event]) -> int:
        """Commit the new events and their jobs; returns how many were new. Call before answering 200.

        Only what `admission.admit` lets through is stored: one waiting event per object, a budget per athlete.
        """
        now = self.clock()
        async with self.sessions.begin() as session:
            new = await store(session, await admission.admit(session, events, now=now))
            await jobs.enqueue(
                session,
                [
                    provider_events.job(
                        event_id=row.id, user_id=row.user_id, provider=row.provider, max_attempts=MAX_ATTEMPTS
                    )
                    for row in new
                ],
                now=now,
            )
        if new and self.wake is not None:
            self.wake()
        return len(new)

    async def known_owner(self, provider: str, owner: str) -> bool:
        async with self.sessions() as session:
            stmt = select(Integration.id).where(Integration.provider == provider, Integration.external_user_id == owner)
            return (await session.scalar(stmt.limit(1))) is not None

    async def dead(self) -> int:
        """Events given up on after their last attempt (their jobs are dead), for an operator."""
        async with self.sessions() as session:
            return await provider_events.dead_count(session)

    # ----------------------------------------------------------------- processing

    async def handle(self, job: Taken) -> None:
        """The handler of a "provider.event" job: process the event the job is keyed by.

        Raises when the attempt failed (a provider down, a bug, a payload we cannot read), so the queue tries
        again after its backoff, and after the last attempt the job is dead.
        """
        try:
            await self.process(job.key)
        except ProviderError as err:
            logger.info("provider event %s: attempt %d of %d failed (%s)", job.key, job.attempts, job.max_attempts, err)
            raise
        except Exception:
            logger.exception("provider event %s: attempt %d of %d failed", job.key, job.attempts, job.max_attempts)
            raise

    async def process(self, event_id: str) -> str | None:
        """Handle one stored event; its outcome, or None when it was handled already or is gone.

        A lost connection (the provider refuses the athlete's token) ends the event: it is marked processed,
        since only the athlete can mend that, by reconnecting. Any other failure is raised with the event left
        unprocessed, for its job to be tried again.
        """
        async with self.sessions() as session:
            row = await provider_events.unprocessed(session, event_id=event_id)
        if row is None:
            return None
        provider, payload = row
        try:
            outcome = await self._apply(provider, payload)
        except ProviderAuthError as err:
            outcome = f"connection lost: {err}"
            await self._done(event_id, outcome)
            return "auth"
        await self._done(event_id, outcome)
        return outcome

    async def _done(self, event_id: str, outcome: str) -> None:
        async with self.sessions.begin() as session:
            await provider_events.processed(session, event_id=event_id, now=self.clock(), outcome=outcome)

    async def _apply(self, provider: str, payload: dict[str, Any]) -> str:
        owner, kind = str(payload["owner"]), str(payload["kind"])
        object_id, action = str(payload["object_id"]), str(payload["action"])
        async with self.sessions() as session:
            row = (
                await session.scalars(
                    select(Integration).where(Integration.provider == provider, Integration.external_user_id == owner)
                )
            ).first()
        if row is None:
            return "unknown athlete"
        if integrations.auth_lost(row):
            return "connection needs reconnecting"
        now = self.engine.clock()
        async with self.sessions() as session:
            ftp = await session.scalar(select(User.ftp).where(User.id == row.user_id))
            stored = (
                await curve_rows.stored_for_source(
                    session, user_id=row.user_id, source=provider, since=now - timedelta(days=CURVE_DAYS)
                )
                if provider in CURVE_PROVIDERS and kind == "activity"
                else {}
            )
        ctx = RunContext(client=self.engine.client(row.user_id, provider), ftp_w=float(ftp) if ftp else None)

        async def fetch() -> Mapped | None:
            return await self._fetch(provider, ctx, kind, object_id, action, payload)

        try:
            item = await call_with_retries(fetch, policy=self.engine.retry, sleep=self.engine.sleep)
        except ProviderNotFound:
            return await self._gone(row, provider, kind, object_id)
        except MappingError as err:
            return f"unreadable: {err}"
        if item is None:
            return "ignored"
        if isinstance(item, WorkoutRecord) and provider in CURVE_PROVIDERS:
            # A new activity gets its curve; an updated one keeps the curve it has (an upsert would erase it).
            (item,) = await with_curves(ctx.client, CurveBudget(now=now, stored=stored), [item])
        batch = Batch()
        batch.add(item)
        async with self.sessions.begin() as session:
            await write_page(
                session, integration_id=row.id, user_id=row.user_id, stream=STREAM, batch=batch, cursor=None
            )
        return "written"

    async def _fetch(
        self, provider: str, ctx: RunContext, kind: str, object_id: str, action: str, payload: dict[str, Any]
    ) -> Mapped | None:
        """The object as the provider has it now, mapped; None for events we do not act on."""
        if provider == "whoop":
            client = cast(WhoopClient, ctx.client)
            if kind == "workout":
                return await map_whoop(ctx, "workout", await client.workout(object_id))
            if kind == "sleep":
                return await map_whoop(ctx, "sleep", await client.sleep(object_id))
            if kind == "recovery":  # v2: the id is the sleep's; the recovery hangs off that sleep's cycle
                sleep = await client.sleep(object_id)
                ctx.sleeps[object_id] = sleep
                recovery = await client.cycle_recovery(str(sleep.get("cycle_id", "")))
                return await map_whoop(ctx, "recovery", recovery)
            return None
        if provider == "strava":
            if kind == "athlete":
                # A deauthorization is unsigned: instead of believing it, ask Strava with the athlete's token.
                # If access really ended, the refused call marks the connection lost and tells the user once.
                await ctx.client.profile()
                return None
            if kind != "activity":
                return None
            activity = await cast(StravaClient, ctx.client).activity(object_id)
            return strava_mapping.map_activity(activity, ftp_w=ctx.ftp_w)
        if provider == "oura":
            if kind not in OURA_MAPPERS:
                return None
            return OURA_MAPPERS[kind](await cast(OuraClient, ctx.client).document(kind, object_id))
        if provider == "intervals":
            client_i = cast(IntervalsClient, ctx.client)
            if kind.startswith("ACTIVITY_") and object_id:
                return intervals_mapping.map_activity(await client_i.activity(object_id))
            if kind == "WELLNESS_UPDATED" and object_id:
                return intervals_mapping.map_wellness(await client_i.wellness_day(date.fromisoformat(object_id)))
            return None
        return None

    async def _gone(self, row: Integration, provider: str, kind: str, object_id: str) -> str:
        """The provider no longer has the object: a workout is deleted here too (its copies relinked)."""
        workout_kinds = {"whoop": {"workout"}, "strava": {"activity"}, "oura": {"workout"}}
        if kind in workout_kinds.get(provider, set()) or (provider == "intervals" and kind.startswith("ACTIVITY_")):
            async with self.sessions.begin() as session:
                gone = await delete_workout(session, user_id=row.user_id, source=provider, external_id=object_id)
            return "deleted" if gone else "already gone"
        return "gone at the provider"
