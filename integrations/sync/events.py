"""Verified webhook events: stored before the 200, then processed from the stored row.

The same pattern as the Telegram webhook (`bot.telegram_webhook`): `EventInbox.store` commits the event
(unique per provider and the provider's event key, so a redelivery adds nothing) and the HTTP handler
answers only after that commit. A worker then takes the row (a lease, so a crashed worker's rows are taken
again by the sweep that runs every minute in every process) and processes it.

Processing never trusts the body: it finds the connection whose ``externalUserId`` is the event's owner
(an unknown owner is a no-op) and re-fetches the object with *that* connection's token. The provider's
current state is written (upserts keyed by the object); an object the provider no longer has (404) is
deleted here. So duplicates and any order of create/update/delete converge to the provider's final state.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from db.repositories import integrations, provider_events
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

LEASE = provider_events.LEASE
SWEEP_EVERY_S = 60.0
SWEEP_BATCH = 500
STREAM = "webhook"


async def store(session: AsyncSession, events: Sequence[Event]) -> list[str]:
    """Insert the events of athletes we know; ids of the new rows (a redelivery of a stored event returns nothing).

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
    return list((await session.scalars(stmt.returning(ProviderEvent.id))).all())


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    provider: str
    payload: dict[str, Any]


class EventInbox:
    """Stores, claims and processes provider events for one process."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        clock: Callable[[], datetime],
        lease: timedelta = LEASE,
    ) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = engine.sessions
        self.clock = clock
        self.lease = lease
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    # ----------------------------------------------------------------- receiving

    async def receive(self, events: Sequence[Event]) -> int:
        """Commit the events, then queue the new ones; returns how many were new. Call before answering 200.

        Only what `admission.admit` lets through is stored: one waiting row per object, a budget per athlete.
        """
        async with self.sessions.begin() as session:
            new = await store(session, await admission.admit(session, events))
        for event_id in new:
            self._queue.put_nowait(event_id)
        return len(new)

    async def known_owner(self, provider: str, owner: str) -> bool:
        async with self.sessions() as session:
            stmt = select(Integration.id).where(Integration.provider == provider, Integration.external_user_id == owner)
            return (await session.scalar(stmt.limit(1))) is not None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(), name="provider-events"),
            asyncio.create_task(self._sweep_forever(), name="provider-events-sweep"),
        ]

    async def idle(self) -> None:
        await self._queue.join()

    async def stop(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(), timeout=10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self) -> None:
        while True:
            event_id = await self._queue.get()
            try:
                await self.process(event_id)
            except Exception:  # one bad event must not stop the worker; the sweep retries it
                logger.exception("provider event %s failed; it stays stored for the next sweep", event_id)
            finally:
                self._queue.task_done()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY_S)
            try:
                await self.sweep()
            except Exception:
                logger.exception("provider event sweep failed")

    async def sweep(self) -> int:
        """Queue stored events nobody is working on (a crash after the 200, a failed attempt); park the
        events whose last attempt died with its process."""
        now = self.clock()
        async with self.sessions.begin() as session:
            for event_id in await provider_events.park_exhausted(session, now=now, lease=self.lease):
                logger.warning("provider event %s parked: its last attempt never finished", event_id)
            ids = await provider_events.stranded(session, now=now, lease=self.lease, limit=SWEEP_BATCH)
        for event_id in ids:
            self._queue.put_nowait(event_id)
        return len(ids)

    async def parked(self) -> int:
        """Events given up on after `inbox.MAX_ATTEMPTS` attempts and still kept (for an operator's metrics)."""
        async with self.sessions() as session:
            return await provider_events.parked_count(session)

    # ----------------------------------------------------------------- processing

    async def _claim(self, event_id: str) -> Claimed | None:
        async with self.sessions.begin() as session:
            row = await provider_events.claim(session, event_id=event_id, now=self.clock(), lease=self.lease)
        return Claimed(event_id, row.provider, row.payload) if row is not None else None

    async def _done(self, event_id: str, outcome: str) -> None:
        async with self.sessions.begin() as session:
            await provider_events.processed(session, event_id=event_id, now=self.clock(), outcome=outcome)

    async def _failed(self, event_id: str, err: Exception) -> bool:
        """Give the event back after a failed attempt; True (and a WARNING) when that was its last one."""
        async with self.sessions.begin() as session:
            parked = await provider_events.failed(
                session, event_id=event_id, now=self.clock(), outcome=f"failed: {type(err).__name__}: {err}"
            )
        if parked:
            logger.warning("provider event %s parked after its last attempt failed (%s)", event_id, type(err).__name__)
        return parked

    async def process(self, event_id: str) -> str | None:
        """Take and handle one stored event; None when it was done already, is someone else's or is parked.

        A failed attempt gives the event back for the next sweep; after the last one it is parked. A provider
        that is down returns "failed"; anything else (a bug, a payload we cannot read) is raised on after the
        event is given back, so the worker logs its traceback.
        """
        claimed = await self._claim(event_id)
        if claimed is None:
            return None
        try:
            outcome = await self._apply(claimed.provider, claimed.payload)
        except ProviderAuthError as err:
            await self._done(event_id, f"connection lost: {err}")
            return "auth"
        except ProviderError as err:
            return "parked" if await self._failed(event_id, err) else "failed"
        except Exception as err:
            await self._failed(event_id, err)
            raise
        await self._done(event_id, outcome)
        return outcome

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
