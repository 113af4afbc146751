"""Shared fixtures: a real PostgreSQL for the whole run, a fresh migrated database, clean tables per test.

PostgreSQL is the embedded server from the pip wheel, started in a temporary folder, unless
``TEST_DATABASE_URL`` names a server to use instead (the tests create and drop their own databases on it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db import embedded
from db.engine import async_url, create_engine, create_sessionmaker
from db.models import Base
from migrations import runner

# Loopback servers only: make sure no proxy setting sends test traffic elsewhere.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
# Conversations in tests answer far faster than a person types: lift the per-chat burst so they are not
# paced at one message a second (the shared pace's own tests set it back to Telegram's).
os.environ.setdefault("TELEGRAM_CHAT_BURST", "1000")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a maintenance database on the test server (one that can create databases)."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return configured
    server = embedded.start(tmp_path_factory.mktemp("pg"), database="postgres")
    return server.url("postgres")


def _with_database(url: str, name: str) -> str:
    return make_url(async_url(url)).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def make_database(server_url: str) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """A factory of fresh, empty databases on the test server; all are dropped at the end."""
    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    created: list[str] = []

    async def make() -> str:
        name = f"cw_test_{uuid.uuid4().hex[:12]}"
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return _with_database(server_url, name)

    yield make
    async with admin.connect() as conn:
        for name in created:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
async def database_url(make_database: Callable[[], Awaitable[str]]) -> str:
    """The run's main database, migrated to head once."""
    url = await make_database()
    engine = create_engine(url)
    await runner.upgrade(engine)
    await engine.dispose()
    return url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on the shared database; every table is emptied after the test."""
    yield create_sessionmaker(engine)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
