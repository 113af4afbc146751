"""Engine and session factory.

The engine is created inside the running event loop (pooled asyncpg connections belong to one loop)
and disposed of at shutdown by whoever created it. Sessions never outlive one unit of work.

A pooled connection is checked before it is handed out only when it sat idle in the pool for more than
`PING_AFTER_IDLE_S` (SQLAlchemy's ``pool_pre_ping`` checks every one: three round trips — BEGIN, an empty
query, ROLLBACK — before each unit of work, a fifth of a busy bot's statements). A connection that failed
the check is replaced and every older one with it, as with ``pool_pre_ping``; one that was working a
moment ago is used as it is, and should the server have restarted in between, the unit of work fails
with a disconnect, the whole pool is replaced, and the caller's retry (the next sweep, the next job run)
gets a fresh connection.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

PING_AFTER_IDLE_S = 2.0
_RETURNED_AT = "coach_returned_at"  # in a pooled connection's ``info``: when it last went back to the pool


def async_url(url: str) -> str:
    """Accept ``postgresql://`` (and ``postgres://``) URLs and select the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {parsed.drivername}://")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=10,
        pool_recycle=1800,
    )
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """``pool_pre_ping`` for connections idle longer than `PING_AFTER_IDLE_S` only (see the module's notes)."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _taken(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at <= PING_AFTER_IDLE_S:
            return  # just connected, or working a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as err:
            # As pool_pre_ping does: this connection and every older one are replaced (a retried checkout).
            raise exc.InvalidatePoolError() from err


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def autocommit_engine(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine of ``sessions`` with every statement committed on its own (no BEGIN, no COMMIT).

    A transaction costs two round trips of its own — BEGIN before the first statement, COMMIT after the last —
    which on a read of one or two statements is most of its cost. Under READ COMMITTED a transaction gives no
    snapshot across its statements anyway, so a read, or a write that is one statement, loses nothing without
    it; anything that writes twice, or reads and then writes what it read, keeps its transaction.
    """
    bind = sessions.kw["bind"]
    assert isinstance(bind, AsyncEngine)
    return bind.execution_options(isolation_level="AUTOCOMMIT")


def autocommit_sessionmaker(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Sessions over `autocommit_engine`: each statement is its own transaction (see there for when to use them)."""
    return async_sessionmaker(autocommit_engine(sessions), expire_on_commit=False)
