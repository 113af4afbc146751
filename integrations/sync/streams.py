"""What a sync reads from each provider, as streams of pages: fetch one page, map it, say where the next starts.

A stream is one provider collection (WHOOP sleeps, Strava activities, …). Its pages are fetched for a time
window and named by a token: the provider's own ``next_token`` (WHOOP, Oura), a page number (Strava, whose
pages are stable because ``before`` is fixed for the whole run) or the first day of the next date chunk
(Intervals.icu, which has no cursor). A page is mapped whole before anything is written; an object whose
shape drifted is counted and left out (`MappingError`), never written half-read.

WHOOP streams run in the order sleep → recovery → cycle → workout: a recovery is dated by its sleep and a
cycle by the sleep that opened it, so the run keeps the sleeps it has seen (`RunContext`); a recovery whose
sleep is not among them (a resumed run) fetches that one sleep.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from integrations.client import JsonObject, ProviderClient
from integrations.errors import ProviderNotFound
from integrations.intervals import mapping as intervals_mapping
from integrations.intervals.client import IntervalsClient
from integrations.oura import mapping as oura_mapping
from integrations.oura.client import OuraClient
from integrations.records import Batch, Mapped, MappingError
from integrations.strava import mapping as strava_mapping
from integrations.strava.client import PER_PAGE, StravaClient
from integrations.sync.curves import CurveBudget, with_curves
from integrations.whoop import mapping as whoop_mapping
from integrations.whoop.client import WhoopClient

logger = logging.getLogger(__name__)

INTERVALS_CHUNK_DAYS = 365  # Intervals.icu has no cursor: one request per year of activities or wellness


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) in UTC."""

    start: datetime
    end: datetime


@dataclass(slots=True)
class RunContext:
    """What one sync run of one connection knows besides the page in hand."""

    client: ProviderClient
    ftp_w: float | None = None
    sleeps: dict[str, JsonObject] = field(default_factory=dict)  # WHOOP sleeps by id
    sleeps_by_cycle: dict[str, JsonObject] = field(default_factory=dict)  # WHOOP main sleeps by cycle id
    curves: CurveBudget | None = None  # Strava and Intervals.icu: curves from streams (`integrations.sync.curves`)


@dataclass(slots=True)
class Page:
    batch: Batch
    next_token: str | None
    fetched: int
    rejected: int = 0


class Stream:
    """One provider collection read in pages."""

    provider: str
    kind: str

    @property
    def name(self) -> str:
        return f"{self.provider}.{self.kind}"

    @property
    def endpoint(self) -> str:
        """How the reference names the endpoint (for the "retired endpoint" message)."""
        raise NotImplementedError

    async def fetch(self, ctx: RunContext, window: Window, token: str | None) -> Page:
        raise NotImplementedError


async def _mapped(
    provider: str, items: list[JsonObject], mapper: Callable[[JsonObject], Awaitable[Mapped | None]]
) -> tuple[Batch, int]:
    batch = Batch()
    for item in items:
        try:
            batch.add(await mapper(item))
        except MappingError as err:  # set aside and counted by the write path; the rest of the page goes
            batch.rejected.append(err)
    return batch, len(batch.rejected)


# ----------------------------------------------------------------------------------------------- WHOOP


class WhoopStream(Stream):
    provider = "whoop"

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def endpoint(self) -> str:
        from integrations.whoop.client import COLLECTIONS

        return "GET " + COLLECTIONS[self.kind].removeprefix("{api}")

    async def fetch(self, ctx: RunContext, window: Window, token: str | None) -> Page:
        client = cast(WhoopClient, ctx.client)
        items, nxt = await client.collection(self.kind, start=window.start, end=window.end, next_token=token)

        async def one(item: JsonObject) -> Mapped | None:
            return await map_whoop(ctx, self.kind, item)

        batch, rejected = await _mapped(self.provider, items, one)
        return Page(batch, nxt, len(items), rejected)


async def map_whoop(ctx: RunContext, kind: str, item: JsonObject) -> Mapped | None:
    """A WHOOP object of ``kind``, with the sleep it needs for its date fetched when the run lacks it."""
    if kind == "workout":
        return whoop_mapping.map_workout(item)
    if kind == "sleep":
        remember_sleep(ctx, item)
        return whoop_mapping.map_sleep(item)
    if kind == "recovery":
        sleep_id = str(item.get("sleep_id", ""))
        sleep = ctx.sleeps.get(sleep_id)
        if sleep is None:
            try:
                sleep = await cast(WhoopClient, ctx.client).sleep(sleep_id)
            except ProviderNotFound:
                return None  # the sleep was deleted, and its recovery with it
            remember_sleep(ctx, sleep)
        return whoop_mapping.map_recovery(item, sleep)
    if kind == "cycle":
        return whoop_mapping.map_cycle(item, ctx.sleeps_by_cycle.get(str(item.get("id", ""))))
    raise ValueError(kind)


def remember_sleep(ctx: RunContext, sleep: JsonObject) -> None:
    if "id" in sleep:
        ctx.sleeps[str(sleep["id"])] = sleep
    if sleep.get("cycle_id") is not None and not sleep.get("nap"):
        ctx.sleeps_by_cycle[str(sleep["cycle_id"])] = sleep


# ----------------------------------------------------------------------------------------------- Strava


class StravaActivities(Stream):
    provider = "strava"
    kind = "activity"
    endpoint = "GET /athlete/activities"

    async def fetch(self, ctx: RunContext, window: Window, token: str | None) -> Page:
        number = int(token) if token else 1
        items = await cast(StravaClient, ctx.client).activities(after=window.start, before=window.end, page=number)

        async def one(item: JsonObject) -> Mapped | None:
            return strava_mapping.map_activity(item, ftp_w=ctx.ftp_w)

        batch, rejected = await _mapped(self.provider, items, one)
        if ctx.curves is not None:
            batch.workouts = await with_curves(ctx.client, ctx.curves, batch.workouts)
        # Stop when a page comes back short (reference §2.3).
        nxt = str(number + 1) if len(items) >= PER_PAGE else None
        return Page(batch, nxt, len(items), rejected)


# ----------------------------------------------------------------------------------------------- Intervals.icu


class IntervalsStream(Stream):
    provider = "intervals"

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def endpoint(self) -> str:
        return "GET /api/v1/athlete/{id}/" + ("activities" if self.kind == "activity" else "wellness.json")

    async def fetch(self, ctx: RunContext, window: Window, token: str | None) -> Page:
        client = cast(IntervalsClient, ctx.client)
        first, last = window.start.date(), window.end.date()
        oldest = date.fromisoformat(token) if token else first
        newest = min(oldest + timedelta(days=INTERVALS_CHUNK_DAYS - 1), last)
        mapper: Callable[[Any], Mapped]
        if self.kind == "activity":
            items = await client.activities(oldest=oldest, newest=newest)
            mapper = intervals_mapping.map_activity
        else:
            items = await client.wellness(oldest=oldest, newest=newest)
            mapper = intervals_mapping.map_wellness

        async def one(item: JsonObject) -> Mapped | None:
            return mapper(item)

        batch, rejected = await _mapped(self.provider, items, one)
        if ctx.curves is not None and self.kind == "activity":
            batch.workouts = await with_curves(ctx.client, ctx.curves, batch.workouts)
        nxt = (newest + timedelta(days=1)).isoformat() if newest < last else None
        return Page(batch, nxt, len(items), rejected)


# ----------------------------------------------------------------------------------------------- Oura

OURA_MAPPERS: dict[str, Callable[[Any], Mapped]] = {
    "daily_readiness": oura_mapping.map_daily_readiness,
    "daily_sleep": oura_mapping.map_daily_sleep,
    "sleep": oura_mapping.map_sleep,
    "daily_spo2": oura_mapping.map_daily_spo2,
    "workout": oura_mapping.map_workout,
}


class OuraStream(Stream):
    provider = "oura"

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def endpoint(self) -> str:
        return "GET /v2/usercollection/" + self.kind

    async def fetch(self, ctx: RunContext, window: Window, token: str | None) -> Page:
        # ``end_date`` one day past the last wanted day: its inclusivity is undocumented (reference §4.2).
        items, nxt = await cast(OuraClient, ctx.client).collection(
            self.kind,
            start_date=window.start.date(),
            end_date=window.end.date() + timedelta(days=1),
            next_token=token,
        )
        mapper = OURA_MAPPERS[self.kind]

        async def one(item: JsonObject) -> Mapped | None:
            return mapper(item)

        batch, rejected = await _mapped(self.provider, items, one)
        return Page(batch, nxt, len(items), rejected)


STREAMS: dict[str, tuple[Stream, ...]] = {
    "whoop": tuple(WhoopStream(kind) for kind in ("sleep", "recovery", "cycle", "workout")),
    "strava": (StravaActivities(),),
    "intervals": (IntervalsStream("activity"), IntervalsStream("wellness")),
    "oura": tuple(OuraStream(kind) for kind in ("daily_readiness", "daily_sleep", "sleep", "daily_spo2", "workout")),
}
