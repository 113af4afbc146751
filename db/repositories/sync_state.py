"""Sync bookkeeping: each stream's cursor, an integration's sync status, objects to fetch again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Integration, SyncCursor, SyncPending

SYNCING = "SYNCING"
SUCCESS = "SUCCESS"
FAILED = "FAILED"
# Never stored: what a SYNCING row is read as when no live run holds its lock (the process died mid-run).
INTERRUPTED = "INTERRUPTED"


async def cursor(session: AsyncSession, *, integration_id: str, stream: str) -> str | None:
    stmt = select(SyncCursor.cursor).where(SyncCursor.integration_id == integration_id, SyncCursor.stream == stream)
    return await session.scalar(stmt)


async def set_cursor(session: AsyncSession, *, integration_id: str, stream: str, value: str | None) -> None:
    """Record where ``stream`` got to; call it in the transaction that writes the page's rows."""
    stmt = insert(SyncCursor).values(integrationId=integration_id, stream=stream, cursor=value)
    stmt = stmt.on_conflict_do_update(
        index_elements=["integrationId", "stream"], set_={"cursor": stmt.excluded.cursor, "updatedAt": func.now()}
    )
    await session.execute(stmt)


def run_lock_key(user_id: str, provider: str) -> str:
    """The advisory lock a sync run of one connection holds on its own connection for as long as it runs."""
    return f"sync:{user_id}:{provider}"


async def runs_alive(session: AsyncSession, *, keys: Sequence[str]) -> set[str]:
    """Which of the ``keys`` (`run_lock_key`) a live session holds right now.

    The lock dies with the process that held it (even under SIGKILL the server ends its session), so this,
    not the stored ``syncStatus``, says whether a sync is running. A bigint advisory lock shows in
    ``pg_locks`` as its high 32 bits in ``classid`` and its low 32 bits in ``objid``, with ``objsubid`` 1.
    """
    if not keys:
        return set()
    statement = text(
        """
        SELECT k FROM unnest(CAST(:keys AS text[])) AS k
        WHERE EXISTS (
            SELECT 1 FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = (hashtextextended(k, 0) >> 32) & 4294967295
              AND l.objid::bigint = hashtextextended(k, 0) & 4294967295
        )
        """
    )
    return set((await session.scalars(statement, {"keys": list(keys)})).all())


async def mark_syncing(session: AsyncSession, *, integration_id: str) -> None:
    await session.execute(
        update(Integration).where(Integration.id == integration_id).values(sync_status=SYNCING, error_message=None)
    )


async def mark_success(session: AsyncSession, *, integration_id: str, at: datetime) -> None:
    """A finished sync: ``lastSyncAt`` is the seed's "last successful data sync", so only success moves it."""
    await session.execute(
        update(Integration)
        .where(Integration.id == integration_id)
        .values(sync_status=SUCCESS, error_message=None, last_sync_at=at)
    )


async def mark_failed(session: AsyncSession, *, integration_id: str, message: str) -> None:
    await session.execute(
        update(Integration).where(Integration.id == integration_id).values(sync_status=FAILED, error_message=message)
    )


async def remember_pending(
    session: AsyncSession, *, integration_id: str, items: Sequence[tuple[str, str, str]]
) -> None:
    """Remember (kind, external id, reason) objects to fetch again; seeing one again updates ``lastSeenAt``."""
    unique = {(kind, external_id): reason for kind, external_id, reason in items}
    if not unique:
        return
    rows = [
        {"integrationId": integration_id, "kind": kind, "externalId": external_id, "reason": reason}
        for (kind, external_id), reason in sorted(unique.items())
    ]
    stmt = insert(SyncPending).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["integrationId", "kind", "externalId"],
        set_={"reason": stmt.excluded.reason, "lastSeenAt": func.now()},
    )
    await session.execute(stmt)


_FORGET = text(
    'DELETE FROM "SyncPending" WHERE "integrationId" = :integration_id AND ("kind", "externalId") IN '
    "(SELECT * FROM unnest(CAST(:kinds AS TEXT[]), CAST(:ids AS TEXT[])))"
)


async def forget_pending(session: AsyncSession, *, integration_id: str, items: Sequence[tuple[str, str]]) -> None:
    """Drop (kind, external id) objects that have now arrived final (one prepared statement, any page size)."""
    if not items:
        return
    unique = sorted(set(items))
    await session.execute(
        _FORGET,
        {"integration_id": integration_id, "kinds": [k for k, _ in unique], "ids": [e for _, e in unique]},
    )


async def pending(session: AsyncSession, *, integration_id: str) -> Sequence[SyncPending]:
    stmt = (
        select(SyncPending)
        .where(SyncPending.integration_id == integration_id)
        .order_by(SyncPending.first_seen_at, SyncPending.kind, SyncPending.external_id)
    )
    return (await session.scalars(stmt)).all()


async def lock_user(session: AsyncSession, *, user_id: str, scope: str) -> None:
    """Serialize one user's writes of ``scope`` until the transaction ends (concurrent syncs and webhooks).

    Linking the same session across providers reads a window of workouts and rewrites links; two writers
    doing that at once could each miss the other's rows. A transaction-scoped advisory lock needs no cleanup.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"{scope}:{user_id}"}
    )
