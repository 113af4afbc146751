"""The write path of a sync: one provider page in one transaction, and the integration's sync status.

A page is written whole or not at all: its workouts, its daily values, its pending objects *and* the stream's
cursor commit together (`write_page`), so a sync interrupted anywhere (a crash, a database restart) resumes
from the last page that is really stored, fetching at most that one page again.

Status: ``SYNCING`` when a sync starts, then ``SUCCESS`` (``lastSyncAt`` = now, the seed's "last successful
sync") or ``FAILED`` with a sentence in ``errorMessage`` (``lastSyncAt`` keeps the last success). A provider
that retired an endpoint answers 404: that is a failure the athlete must hear about (`retired_endpoint`),
never "0 records, success" (elkimek/get-based#1581: WHOOP v1 404s swallowed into empty successful syncs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach.i18n import N_, t
from db.errors import InvalidValue
from db.repositories import sync_state, workouts
from integrations.records import Batch, MetricRecord, WorkoutRecord
from integrations.sync.daily import valid, write_metrics
from integrations.sync.history import write_workouts

logger = logging.getLogger(__name__)

PROVIDER_NAMES = {"whoop": "WHOOP", "strava": "Strava", "intervals": "Intervals.icu", "oura": "Oura"}


@dataclass(frozen=True, slots=True)
class PageResult:
    workouts: int
    days: int
    pending: int
    skipped: int
    rejected: int
    refused_workouts: frozenset[str] = frozenset()  # external ids of the workouts the database rules refused


async def write_page(
    session: AsyncSession,
    *,
    integration_id: str,
    user_id: str,
    stream: str,
    batch: Batch,
    cursor: str | None,
) -> PageResult:
    """Write one page and move ``stream``'s cursor to ``cursor``, in the caller's transaction (no commit).

    Objects still being scored are remembered for a later fetch; objects that arrive final are forgotten.
    Daily values outside the seed's ranges and workouts the database rules refuse (a ride dated tomorrow by a
    device with a wrong clock) are rejected one by one, like the objects the mapping refused
    (``batch.rejected``); all are counted in ``rejected``, and the rest of the page is written: one bad record
    must not cost the page, nor the run.
    """
    accepted: list[MetricRecord] = [m for m in batch.metrics if valid(m)]
    out_of_range = len(batch.metrics) - len(accepted)
    if out_of_range:
        logger.warning("%s: %d daily records outside the valid ranges were not stored", stream, out_of_range)
    storable = _storable_workouts(stream, user_id, batch.workouts)
    for error in batch.rejected:
        logger.warning("%s: %s", stream, error)
    rejected = out_of_range + len(batch.workouts) - len(storable) + len(batch.rejected)
    written = await write_workouts(session, user_id=user_id, records=storable)
    days = await write_metrics(session, user_id=user_id, records=accepted)
    await sync_state.remember_pending(
        session, integration_id=integration_id, items=[(p.kind, p.external_id, p.reason) for p in batch.pending]
    )
    await sync_state.forget_pending(session, integration_id=integration_id, items=_final_objects(batch))
    await sync_state.set_cursor(session, integration_id=integration_id, stream=stream, value=cursor)
    refused = frozenset(w.external_id for w in batch.workouts) - {w.external_id for w in storable}
    return PageResult(written, days, len(batch.pending), len(batch.skipped), rejected, refused)


def _storable_workouts(stream: str, user_id: str, records: list[WorkoutRecord]) -> list[WorkoutRecord]:
    """The records the workout table accepts; the others are logged (id and reason, no payload) and left out."""
    storable = []
    for record in records:
        try:
            workouts.check_row(record.row(user_id))
        except InvalidValue as err:
            logger.warning("%s: workout %s not stored: %s", stream, record.external_id, err)
            continue
        storable.append(record)
    return storable


def _final_objects(batch: Batch) -> list[tuple[str, str]]:
    """(kind, id) of this page's objects that are now final, as a `Pending` for them would have named them.

    A WHOOP recovery has no id of its own: it is named by its sleep's id (``sleep_id``).
    """
    found = [("workout", w.external_id) for w in batch.workouts]
    found += [(m.document, str(m.raw_json.get("id", m.raw_json.get("sleep_id", "")))) for m in batch.metrics]
    return [(kind, external_id) for kind, external_id in found if external_id]


async def commit_page(
    sessions: async_sessionmaker[AsyncSession],
    *,
    integration_id: str,
    user_id: str,
    stream: str,
    batch: Batch,
    cursor: str | None,
) -> PageResult:
    """`write_page` in its own transaction: rows and cursor are committed together or not at all."""
    async with sessions() as session, session.begin():
        return await write_page(
            session, integration_id=integration_id, user_id=user_id, stream=stream, batch=batch, cursor=cursor
        )


@dataclass(slots=True)
class SyncOutcome:
    """What a sync run found: records per stream, and the failures that make it FAILED."""

    records: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    rejected: int = 0  # objects set aside (unreadable, or refused by the database rules); the run still succeeds

    def add(self, stream: str, result: PageResult) -> None:
        self.records[stream] = self.records.get(stream, 0) + result.workouts + result.days
        self.rejected += result.rejected


async def start_sync(session: AsyncSession, *, integration_id: str) -> None:
    await sync_state.mark_syncing(session, integration_id=integration_id)


async def finish_sync(session: AsyncSession, *, integration_id: str, outcome: SyncOutcome, now: datetime) -> str:
    """Record the run's end: SUCCESS only without errors; returns the status written."""
    if outcome.errors:
        await sync_state.mark_failed(session, integration_id=integration_id, message=" ".join(outcome.errors))
        return sync_state.FAILED
    await sync_state.mark_success(session, integration_id=integration_id, at=now)
    return sync_state.SUCCESS


RETIRED_ENDPOINT = N_(
    "{provider} answered {status} for {endpoint}: the endpoint has been retired or moved, so nothing was "
    "synced; the {provider} integration needs an update."
)


def retired_endpoint_message(provider: str, endpoint: str, status: int = 404, *, translated: bool = False) -> str:
    """English for the database and logs; ``translated``: in the athlete's language, for the chat."""
    values = {"provider": PROVIDER_NAMES.get(provider, provider), "status": status, "endpoint": endpoint}
    return t(RETIRED_ENDPOINT, **values) if translated else RETIRED_ENDPOINT.format(**values)


async def retired_endpoint(
    session: AsyncSession, *, integration_id: str, provider: str, endpoint: str, status: int = 404
) -> str:
    """Record a sync that hit a retired endpoint as FAILED with a clear message; returns the message."""
    message = retired_endpoint_message(provider, endpoint, status)
    await sync_state.mark_failed(session, integration_id=integration_id, message=message)
    return message


def endpoint_error(outcome: SyncOutcome, *, provider: str, endpoint: str, status: int = 404) -> None:
    """Add a retired endpoint to a run's outcome, so `finish_sync` ends it FAILED."""
    outcome.errors.append(retired_endpoint_message(provider, endpoint, status))
