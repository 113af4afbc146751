"""Which verified webhook events become rows (and jobs): one waiting row per object, and a budget per athlete.

Every stored event costs a fetch with the athlete's token against the app's shared quota (Strava: 100
reads per 15 minutes for the whole app). Strava's webhook is unsigned, so anyone who knows an athlete id
can post events; even signed providers may burst. Two rules bound what one athlete's events can cost:

- **Coalescing.** An event for an object that already has a stored event whose job waits to be taken
  (queued, or given back after a failed attempt, or held by a process that died) adds nothing: processing
  re-fetches the object's current state, which covers every event that arrived before the fetch. (An event
  being processed right now does not absorb new events: its fetch may have read the state before the change
  the new event announces; the new one gets its own job, which runs after it — one job per connection at a
  time.) So 50 events for one activity, however they differ, leave at most one waiting row.
- **Budget.** At most `EVENTS_PER_WINDOW` rows per (provider, athlete) are stored per `WINDOW`; events
  beyond it are dropped with a warning. Strava's budget is small because its events are unsigned and its
  quota is the tightest; the signed providers' is generous (a WHOOP band synced after a week offline
  announces some 25 objects at once). Nothing is lost for good: the daily re-pull
  (``SYNC_RECONCILE_DAYS``) and the next ``/sync`` read the same objects.

Both are decided under a transaction-scoped advisory lock per (provider, athlete), so concurrent
deliveries in several processes cannot each see "no pending row" and both insert.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ProviderEvent
from db.repositories import provider_events
from integrations.sync.webhooks import Event

logger = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
EVENTS_PER_WINDOW = {"strava": 10}
DEFAULT_EVENTS_PER_WINDOW = 100


def events_per_window(provider: str) -> int:
    return EVENTS_PER_WINDOW.get(provider, DEFAULT_EVENTS_PER_WINDOW)


def _lock_id(provider: str, owner: str) -> int:
    digest = hashlib.sha256(f"provider-event:{provider}:{owner}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def _pending_for(session: AsyncSession, event: Event, now: datetime) -> bool:
    """An event for the same object waits for a worker (its job not yet taken, or its taker died)."""
    payload = ProviderEvent.payload
    stmt = select(ProviderEvent.id).where(
        ProviderEvent.provider == event.provider,
        ProviderEvent.processed_at.is_(None),
        provider_events.waiting_for_a_worker(now),
        payload["owner"].astext == event.owner,
        payload["kind"].astext == event.kind,
        payload["object_id"].astext == event.object_id,
    )
    return (await session.scalar(stmt.limit(1))) is not None


async def _recent(session: AsyncSession, provider: str, owner: str) -> int:
    stmt = select(func.count()).where(
        ProviderEvent.provider == provider,
        ProviderEvent.payload["owner"].astext == owner,
        ProviderEvent.received_at > func.now() - WINDOW,
    )
    return int(await session.scalar(stmt) or 0)


async def admit(session: AsyncSession, events: Sequence[Event], *, now: datetime) -> list[Event]:
    """The events to store, in order; call in the transaction that stores them (the locks last until then).

    ``now`` is the application's clock, the one the job queue's leases are in.
    """
    owners = sorted({(e.provider, e.owner) for e in events})
    for provider, owner in owners:  # sorted: two deliveries never wait on each other's locks in a cycle
        await session.execute(select(func.pg_advisory_xact_lock(_lock_id(provider, owner))))
    budget = {key: events_per_window(key[0]) - await _recent(session, *key) for key in owners}
    admitted: list[Event] = []
    seen: set[tuple[str, str, str, str]] = set()
    coalesced = dropped = 0
    for event in events:
        target = (event.provider, event.owner, event.kind, event.object_id)
        if target in seen or await _pending_for(session, event, now):
            coalesced += 1
            continue
        if budget[(event.provider, event.owner)] <= 0:
            dropped += 1
            continue
        budget[(event.provider, event.owner)] -= 1
        seen.add(target)
        admitted.append(event)
    if coalesced:
        logger.debug("%d webhook events joined a pending event for the same object", coalesced)
    if dropped:
        logger.warning(
            "%d webhook events dropped: their athlete passed the budget of events per %s (the daily re-pull "
            "reads them)",
            dropped,
            WINDOW,
        )
    return admitted
