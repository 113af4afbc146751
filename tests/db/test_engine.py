"""Pooled connections: one idle for a while is checked before use, one working a moment ago is not."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from db import engine as db_engine
from db.engine import create_engine


@pytest.fixture
async def pool(make_database: Callable[[], Awaitable[str]]) -> AsyncIterator[tuple[AsyncEngine, list[object]]]:
    """An engine of one pooled connection, and the connections it pinged."""
    engine = create_engine(await make_database(), pool_size=1)
    dialect = engine.sync_engine.dialect
    pinged: list[object] = []
    real_ping = dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        pinged.append(dbapi_connection)
        return real_ping(dbapi_connection)

    dialect.do_ping = counting_ping  # type: ignore[method-assign]
    yield engine, pinged
    await engine.dispose()


async def _backend(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(engine: AsyncEngine, pid: int) -> None:
    """End a server process from a connection of its own (the pool's one is checked in)."""
    other = create_engine(engine.url.render_as_string(hide_password=False), pool_size=1)
    async with other.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await other.dispose()


async def test_a_connection_working_a_moment_ago_is_handed_out_without_a_ping(
    pool: tuple[AsyncEngine, list[object]],
) -> None:
    engine, pinged = pool
    first = await _backend(engine)
    assert [await _backend(engine) for _ in range(3)] == [first] * 3
    assert pinged == []


async def test_a_connection_idle_too_long_is_pinged_and_replaced_when_the_server_dropped_it(
    pool: tuple[AsyncEngine, list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, pinged = pool
    monkeypatch.setattr(db_engine, "PING_AFTER_IDLE_S", -1.0)  # every connection back in the pool counts as idle
    first = await _backend(engine)
    assert await _backend(engine) == first and len(pinged) == 1  # alive: kept
    await _terminate(engine, first)
    replaced = await _backend(engine)  # the ping fails: a new connection, and no error
    assert replaced != first and len(pinged) == 2


async def test_a_connection_dropped_moments_after_its_use_fails_once_then_the_pool_is_fresh(
    pool: tuple[AsyncEngine, list[object]],
) -> None:
    """The price of not pinging busy connections: a restart between two units of work fails the second."""
    engine, pinged = pool
    first = await _backend(engine)
    await _terminate(engine, first)
    with pytest.raises(DBAPIError) as raised:
        await _backend(engine)
    assert raised.value.connection_invalidated
    assert await _backend(engine) != first
    assert pinged == []
