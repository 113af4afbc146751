"""Keeping the athlete's Intervals.icu calendar in step with the plan: create, update and remove *our* events.

Events arrive already rendered (name, day, sport, workout text, load, duration): `integrations` may not import
`coach.workouts`, so the bot layer renders a planned session into a `CalendarEvent` and this module only writes.

Ours, and only ours: every event we write carries an ``external_id`` that starts with `EXTERNAL_ID_PREFIX`
(``cw-<planned workout id>``). Listing filters on it, updating goes through bulk upsert (which matches an
``external_id`` only among events created by the same app, so an athlete's event can never be overwritten), and
deleting takes only the ids of listed events of ours. An event the athlete made is never read into a change.

Every call goes through the caller's HTTP client (behind the app's rate limiter, `integrations.limits`) and is
retried on 5xx and 429 (`integrations.retry`). Retrying is safe: an upsert by ``external_id`` written twice is
one event, and deleting an event that is already gone (404) counts as deleted. A refused grant or revoked key
raises `ProviderAuthError` at once, as in the sync; a malformed event raises `ProviderRejected` (422).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, TypeVar

from integrations.client import JsonObject
from integrations.errors import ProviderNotFound
from integrations.intervals.client import IntervalsClient
from integrations.retry import RetryPolicy, call_with_retries

logger = logging.getLogger(__name__)

EXTERNAL_ID_PREFIX = "cw-"
CATEGORY = "WORKOUT"
NAME_MAX_CHARS = 80  # Intervals.icu answers 422 "Name is too long" beyond this
BULK_MAX_EVENTS = 100  # events per upsert call: a plan's fortnight fits in one
# The fields we set; an event of ours whose values differ from the plan's is rewritten.
COMPARED_FIELDS = ("start_date_local", "type", "name", "description", "icu_training_load", "moving_time")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One planned session as Intervals.icu should show it.

    ``sport`` is an Intervals.icu activity type (``Ride``, ``VirtualRide``, ``Run``, ``Swim``,
    ``WeightTraining``); ``description`` is the workout in Intervals.icu's workout text, which it turns into a
    structured workout and forwards to the athlete's devices. ``start`` orders events on one day; midnight
    means "that day".
    """

    external_id: str
    day: date
    sport: str
    name: str
    description: str
    load: int | None = None
    moving_time_s: int | None = None
    start: time = time(0, 0)

    def __post_init__(self) -> None:
        if not is_ours(self.external_id):
            raise ValueError(f"our calendar events are named {EXTERNAL_ID_PREFIX}…; got {self.external_id!r}")

    def payload(self) -> JsonObject:
        name = self.name.strip() or "Workout"
        if len(name) > NAME_MAX_CHARS:
            name = name[: NAME_MAX_CHARS - 1].rstrip() + "…"
        body: JsonObject = {
            "category": CATEGORY,
            # Local time without an offset: a date alone or a trailing Z is refused.
            "start_date_local": f"{self.day.isoformat()}T{self.start.strftime('%H:%M:%S')}",
            "type": self.sport,
            "name": name,
            "description": self.description,
            "external_id": self.external_id,
        }
        if self.load is not None:
            body["icu_training_load"] = self.load
        if self.moving_time_s is not None:
            body["moving_time"] = self.moving_time_s
        return body


def is_ours(external_id: object) -> bool:
    return isinstance(external_id, str) and external_id.startswith(EXTERNAL_ID_PREFIX)


@dataclass(frozen=True, slots=True)
class CalendarChanges:
    """What a reconciliation did, by ``external_id``."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def written(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deleted)


@dataclass
class CalendarWriter:
    """Calendar calls for one athlete's connection, each retried within the provider's limits."""

    client: IntervalsClient
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def _retried(self, call: Callable[[], Awaitable[T]]) -> T:
        return await call_with_retries(call, policy=self.retry, sleep=self.sleep)

    async def our_events(self, *, oldest: date, newest: date) -> list[JsonObject]:
        """Our WORKOUT events with a local start day in [oldest, newest]; the athlete's own are left out."""
        events = await self._retried(lambda: self.client.events(oldest=oldest, newest=newest, category=CATEGORY))
        return [event for event in events if is_ours(event.get("external_id"))]

    async def write(self, events: Sequence[CalendarEvent]) -> list[JsonObject]:
        """Create or update ``events`` (by ``external_id``); sending the same events again changes nothing."""
        _unique(events)
        written: list[JsonObject] = []
        payloads = [event.payload() for event in events]
        for start in range(0, len(payloads), BULK_MAX_EVENTS):
            chunk = payloads[start : start + BULK_MAX_EVENTS]
            written.extend(await self._retried(functools.partial(self.client.upsert_events, chunk)))
        return written

    async def delete(self, events: Iterable[JsonObject]) -> list[str]:
        """Delete listed events of ours (by their Intervals.icu id); the external ids of those now gone."""
        gone: list[str] = []
        for event in events:
            external_id = event.get("external_id")
            if not is_ours(external_id):
                raise ValueError("only events Coach Watts wrote are ever deleted")
            event_id = str(event["id"])
            # Already gone (deleted by the athlete, or by our own attempt whose answer was lost): the goal is met.
            with contextlib.suppress(ProviderNotFound):
                await self._retried(functools.partial(self.client.delete_event, event_id))
            gone.append(str(external_id))
        return gone

    async def reconcile(self, *, oldest: date, newest: date, events: Sequence[CalendarEvent]) -> CalendarChanges:
        """Make our events in [oldest, newest] exactly ``events``: create the new, rewrite the changed, delete
        ours that the plan no longer has (and any duplicate of one), and send nothing for the unchanged."""
        _unique(events)
        outside = [e.external_id for e in events if not oldest <= e.day <= newest]
        if outside:
            raise ValueError(f"events outside {oldest}…{newest}: {', '.join(outside)}")
        existing: dict[str, JsonObject] = {}
        stale: list[JsonObject] = []
        for listed in await self.our_events(oldest=oldest, newest=newest):
            key = str(listed["external_id"])
            if key in existing:
                stale.append(listed)  # a second event of one session: the first is kept and brought up to date
            else:
                existing[key] = listed
        created: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        to_write: list[CalendarEvent] = []
        for event in events:
            current = existing.get(event.external_id)
            if current is None:
                created.append(event.external_id)
                to_write.append(event)
            elif _differs(current, event.payload()):
                updated.append(event.external_id)
                to_write.append(event)
            else:
                unchanged.append(event.external_id)
        if to_write:
            await self.write(to_write)
        wanted = {event.external_id for event in events}
        stale.extend(listed for key, listed in existing.items() if key not in wanted)
        deleted = await self.delete(stale)
        changes = CalendarChanges(tuple(created), tuple(updated), tuple(deleted), tuple(unchanged))
        logger.info(
            "Intervals.icu calendar: %d created, %d updated, %d deleted, %d unchanged",
            len(created),
            len(updated),
            len(deleted),
            len(unchanged),
        )
        return changes

    async def remove_all(self, *, oldest: date, newest: date) -> list[str]:
        """Delete every event of ours in [oldest, newest] (the athlete stopped the calendar sync)."""
        return await self.delete(await self.our_events(oldest=oldest, newest=newest))


def _unique(events: Sequence[CalendarEvent]) -> None:
    seen: set[str] = set()
    for event in events:
        if event.external_id in seen:
            raise ValueError(f"two events share the external id {event.external_id}")
        seen.add(event.external_id)


def _differs(current: JsonObject, wanted: JsonObject) -> bool:
    return any(_normal(current.get(name)) != _normal(wanted.get(name)) for name in COMPARED_FIELDS)


def _normal(value: Any) -> Any:
    """A value as compared: a load or duration sent back as a float (60.0 is 60), text without the surrounding
    white space a server may trim, so an unchanged session is never rewritten."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value
